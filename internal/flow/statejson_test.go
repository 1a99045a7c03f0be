package flow

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireSameAsJSON checks encodeState(st) against json.Marshal(st): the
// same bytes, or an error from both.
func requireSameAsJSON(t *testing.T, st State, msg string) {
	t.Helper()
	want, wantErr := json.Marshal(st)
	got, err := encodeState(st)
	if wantErr != nil {
		require.Error(t, err, "%s: json.Marshal fails (%v), encodeState must too", msg, wantErr)
		return
	}
	require.NoError(t, err, msg)
	require.Equal(t, string(want), string(got), msg)
}

// A run's state is written with encodeState and read back with
// json.Unmarshal, and runStates compares the row's text with what this
// process wrote: the encoder must be encoding/json to the byte.
func TestEncodeStateIsJSONMarshal(t *testing.T) {
	now := time.Now()
	rich, _ := richTestState(now)
	requireAllFieldsSet(t, rich) // a field added to State must be encoded too
	requireAllFieldsSet(t, *rich.Wait)
	requireAllFieldsSet(t, rich.Log[0])
	requireSameAsJSON(t, rich, "every field, ugly values")
	requireSameAsJSON(t, State{}, "zero state")
	requireSameAsJSON(t, State{Log: []StepRecord{}, Trigger: map[string]any{}, Vars: map[string]any{}}, "empty, not nil")
	utc := now.UTC()
	requireSameAsJSON(t, State{StartedAt: utc.Truncate(time.Second), EndedAt: utc}, "whole and fractional seconds")

	// Strings: what passes as it is and what must be escaped.
	for _, s := range []string{"", "plain", "Olá, ação às 10h", "日本語 🎉", "a\"b", `back\slash`, "tab\there", "nl\n", "\x00", "\x7f",
		"<b>", "a&b", "x>y", "line\u2028sep", "para\u2029sep", "bad\xffutf8", "trunc\xc3", "é\"", "ü<"} {
		requireSameAsJSON(t, State{Status: s, Trigger: map[string]any{s: s}, Log: []StepRecord{{Step: s, Output: map[string]any{"k": s}}}}, "string "+s)
	}
	// Numbers around encoding/json's switch to exponent form.
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 123456789, 1e20, 1e21, 1e-6, 1e-7, 9.99e20, -1e21, 5e-324,
		math.MaxFloat64, 1<<53 + 1, 0.000001234} {
		requireSameAsJSON(t, State{Vars: map[string]any{"f": f}}, "float")
	}
	for _, i := range []int64{0, -1, math.MaxInt64, math.MinInt64} {
		requireSameAsJSON(t, State{Vars: map[string]any{"i": i, "n": int(i)}}, "int")
	}
	// Times the shortcut leaves to time.Time's MarshalJSON.
	requireSameAsJSON(t, State{StartedAt: now.In(time.FixedZone("", 5*3600+30*60))}, "offset zone")
	requireSameAsJSON(t, State{StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "year past 9999")
	requireSameAsJSON(t, State{StartedAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}, "year before 0")
	requireSameAsJSON(t, State{Vars: map[string]any{"nan": math.NaN()}}, "NaN")
	requireSameAsJSON(t, State{Vars: map[string]any{"inf": math.Inf(1)}}, "Inf")
	requireSameAsJSON(t, State{Vars: map[string]any{"ch": make(chan int)}}, "a value JSON cannot hold")

	// Random nested values, seeded: maps, lists, every scalar above.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		st := State{RunID: rng.Int64(), Status: randString(rng), StartedAt: now.Add(time.Duration(rng.Int64N(1e12))).UTC(),
			Trigger: randMap(rng, 3), Contact: randMap(rng, 1), Vars: randMap(rng, 2), Outputs: randMap(rng, 2),
			Visits: rng.IntN(100), Log: []StepRecord{{Step: randString(rng), Input: randMap(rng, 2), Output: randMap(rng, 2)}}}
		if rng.IntN(2) == 0 {
			st.Wait = &Wait{Kind: WaitSend, Step: randString(rng), Key: randString(rng)}
		}
		requireSameAsJSON(t, st, "random state "+strings.Repeat("·", i%3))
	}
}

func randString(rng *rand.Rand) string {
	parts := []string{"a", "Zé", "ção", "<", "&", "\"", "\\", "\n", "\u2028", "\xff", "🎉", " ", "9", "{", "}"}
	var b strings.Builder
	for range rng.IntN(6) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}

func randMap(rng *rand.Rand, depth int) map[string]any {
	if rng.IntN(8) == 0 {
		return nil
	}
	m := map[string]any{}
	for range rng.IntN(5) {
		m[randString(rng)] = randValue(rng, depth)
	}
	return m
}

func randValue(rng *rand.Rand, depth int) any {
	switch n := rng.IntN(10); {
	case n == 0:
		return nil
	case n == 1:
		return rng.IntN(2) == 0
	case n == 2:
		return rng.Int64() - rng.Int64()
	case n == 3:
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25))
	case n == 4:
		return float64(rng.IntN(1e6))
	case n == 5 && depth > 0:
		return randMap(rng, depth-1)
	case n == 6 && depth > 0:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randValue(rng, depth-1)
		}
		return l
	case n == 7:
		return rng.IntN(1000)
	default:
		return randString(rng)
	}
}

// benchState is a completed run of the flow `zapflow-bench flows` runs:
// set_variables, branch, send_template.
func benchState() State {
	at := time.Date(2026, 12, 4, 3, 9, 24, 150951919, time.UTC)
	contact := map[string]any{"id": int64(1), "name": "Cliente 64138944", "phone": "+5511964138944"}
	sent := map[string]any{"message_id": int64(2), "status": "sent", "wamid": "wamid.HBgNNTUxMTk2NDEzODk0NBUCABEYFDU5NzQ0RjNENDU0MTNGMEVENUQyAA=="}
	route := map[string]any{"branch": 0, "when": `lower(trigger.message) contains "pedido"`}
	return State{RunID: 1, Status: StatusCompleted, ConversationID: 1, Sender: "1", Visits: 3, StartedAt: at, EndedAt: at.Add(24 * time.Millisecond),
		Trigger: map[string]any{"contact": contact, "conversation_id": int64(1), "customer_name": "Cliente 64138944", "customer_phone": "+5511964138944",
			"message": "Olá, quero saber do pedido #64138944", "message_id": "wamid.emFwZmxvdy1iZW5jaDpkbmJtOWlyZmtnZDM6NjQxMzg5NDQ=",
			"message_type": "text", "sender_id": int64(1), "sender_phone": "+55 11 4000-0001", "timestamp": "2026-12-04T03:09:24Z"},
		Contact: contact, Vars: map[string]any{"name": "Cliente 64138944"},
		Outputs: map[string]any{"confirm": sent, "prepare": map[string]any{"name": "Cliente 64138944"}, "route": route},
		Log: []StepRecord{
			{Step: "prepare", Type: "set_variables", Status: StepCompleted, Output: map[string]any{"name": "Cliente 64138944"}, Attempts: 1, StartedAt: at, EndedAt: at},
			{Step: "route", Type: "branch", Status: StepCompleted, Output: route, Attempts: 1, StartedAt: at, EndedAt: at},
			{Step: "confirm", Type: "send_template", Status: StepCompleted, Attempts: 1, StartedAt: at, EndedAt: at.Add(24 * time.Millisecond), Output: sent,
				Input: map[string]any{"recipient_name": "Cliente 64138944", "sender": "1", "to": "+5511964138944", "type": "template",
					"template":  map[string]any{"language": "pt_BR", "name": "appointment_confirmation"},
					"variables": map[string]any{"1": "Cliente 64138944", "2": "Dra. Beatriz", "3": "04/12", "4": "Av. Paulista, 1000"}}},
		},
	}
}

// go test ./internal/flow -run '^$' -bench EncodeState -benchmem
func BenchmarkEncodeState(b *testing.B) {
	st := benchState()
	b.Run("encodeState", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeState(st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The shortcuts are for strings and numbers; the fuzzer tries others
// against encoding/json (go test ./internal/flow -run '^$' -fuzz FuzzEncodeState).
func FuzzEncodeState(f *testing.F) {
	f.Add("Olá <b>", 0.1, int64(42), 1e21)
	f.Add("\u2028\xff\"", -1e-7, int64(-1), 123456.789)
	f.Add("", math.MaxFloat64, int64(math.MinInt64), 5e-324)
	f.Fuzz(func(t *testing.T, s string, x float64, i int64, y float64) {
		st := State{Status: s, Reason: s, Trigger: map[string]any{s: x, "i": i, "l": []any{s, y, i}},
			Vars: map[string]any{"y": y, "n": map[string]any{s: s}}, Log: []StepRecord{{Step: s, Output: map[string]any{"x": x}}}}
		requireSameAsJSON(t, st, "fuzzed")
	})
}
