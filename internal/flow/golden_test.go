package flow

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Golden tests in goflow's style: a flow file, a trigger and a sequence of
// inputs (results, replies, clock ticks) → after every input the changed
// flag, the effects and the whole state, in testdata/<case>.golden.json.
// Between inputs the state goes through JSON and back, as it does through
// the database, so every case also tests persistence. Regenerate with
//
//	go test ./internal/flow -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCase is testdata/<name>.case.json.
type goldenCase struct {
	Flow  string `json:"flow"` // path relative to the package
	Start struct {
		Now            time.Time      `json:"now"`
		Trigger        map[string]any `json:"trigger"`
		Contact        map[string]any `json:"contact"`
		ConversationID int64          `json:"conversation_id"`
		Sender         string         `json:"sender"`
		TestRecipient  string         `json:"test_recipient"`
	} `json:"start"`
	// Inputs after the start. Key "$wait" stands for the key of the wait
	// the run is in at that moment.
	Inputs []Input `json:"inputs"`
}

type goldenStep struct {
	Input   Input           `json:"input"`
	Changed bool            `json:"changed"`
	Effects []Effect        `json:"effects"`
	State   json.RawMessage `json:"state"`
}

func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/*.case.json")
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".case.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			var gc goldenCase
			require.NoError(t, json.Unmarshal(raw, &gc))
			c := mustCompileFile(t, gc.Flow)

			st := NewState(1, gc.Start.Trigger, gc.Start.Contact, gc.Start.ConversationID, gc.Start.Sender, gc.Start.Now)
			st.TestRecipient = gc.Start.TestRecipient
			inputs := append([]Input{{Kind: InputStart, Now: gc.Start.Now}}, gc.Inputs...)
			var got []goldenStep
			for _, in := range inputs {
				if in.Key == "$wait" && st.Wait != nil {
					in.Key = st.Wait.Key
				}
				next, effects, changed := Advance(c, st, in)
				if changed {
					st = roundTrip(t, next)
				}
				// Marshal now: Advance reuses the state's maps and slices.
				raw, err := json.Marshal(st)
				require.NoError(t, err)
				got = append(got, goldenStep{Input: in, Changed: changed, Effects: effects, State: raw})
			}
			out, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			out = append(out, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, out, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden file: run go test ./internal/flow -run TestGolden -update")
			require.JSONEq(t, string(want), string(out))
		})
	}
}

// roundTrip stores and reloads a state the way the database does.
func roundTrip(t *testing.T, st State) State {
	t.Helper()
	b, err := json.Marshal(st)
	require.NoError(t, err)
	var back State
	require.NoError(t, json.Unmarshal(b, &back))
	return back
}

func mustCompileFile(t *testing.T, path string) *Compiled {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	fl, err := Parse(raw, FormatOf(path))
	require.NoError(t, err)
	c, err := Compile(fl, Options{AI: true})
	require.NoError(t, err)
	return c
}

// TestExamplesAreCanonical: the shipped example files are exactly what
// exporting them gives, in both formats, so import/export round-trips to
// the byte.
func TestExamplesAreCanonical(t *testing.T) {
	files, err := filepath.Glob("examples/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 3)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		fl, err := Parse(raw, YAML)
		require.NoError(t, err)
		_, err = Compile(fl, Options{})
		require.NoError(t, err, f)
		out, err := Export(fl, YAML)
		require.NoError(t, err)
		require.Equal(t, string(raw), string(out), "%s is not in canonical form", f)

		js, err := Export(fl, JSON)
		require.NoError(t, err)
		back, err := Parse(js, JSON)
		require.NoError(t, err)
		require.Equal(t, fl, back, "%s does not survive JSON", f)
		js2, err := Export(back, JSON)
		require.NoError(t, err)
		require.Equal(t, string(js), string(js2))
		y2, err := Export(back, YAML)
		require.NoError(t, err)
		require.Equal(t, string(raw), string(y2), "%s: YAML → JSON → YAML changed it", f)
	}
}
