package flow

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// encodeState returns json.Marshal(st), byte for byte, written without
// reflection. A run's state is encoded in the write transaction that
// starts the run and again in each one that moves it on: on SQLite's one
// writer encoding/json was about 7% of the writer's time in bench-flows
// (reflection per value, and a sort of every map's keys through reflect
// values). Anything without a shortcut below (a type from outside the
// engine, a string that needs escaping, a float in exponent form, a time
// outside years 0–9999) is handed to encoding/json itself, so the output
// never differs. A field added to State or its parts must be added here
// too: TestEncodeStateIsJSONMarshal, whose state sets every field, fails
// until it is.
func encodeState(st State) ([]byte, error) {
	e := stateEncoder{b: make([]byte, 0, 2048)}
	e.state(&st)
	return e.b, e.err
}

type stateEncoder struct {
	b   []byte
	err error
}

// The fields in State's order, with its tags' omitempty and omitzero.
func (e *stateEncoder) state(st *State) {
	e.b = append(e.b, `{"run_id":`...)
	e.b = strconv.AppendInt(e.b, st.RunID, 10)
	e.key(`,"status":`)
	e.str(st.Status)
	e.key(`,"trigger":`)
	e.object(st.Trigger)
	e.key(`,"contact":`)
	e.object(st.Contact)
	if st.ConversationID != 0 {
		e.key(`,"conversation_id":`)
		e.b = strconv.AppendInt(e.b, st.ConversationID, 10)
	}
	e.optStr(`,"sender":`, st.Sender)
	e.optStr(`,"test_recipient":`, st.TestRecipient)
	e.key(`,"vars":`)
	e.object(st.Vars)
	e.key(`,"steps":`)
	e.object(st.Outputs)
	e.optStr(`,"current":`, st.Current)
	if st.Attempt != 0 {
		e.key(`,"attempt":`)
		e.b = strconv.AppendInt(e.b, int64(st.Attempt), 10)
	}
	if w := st.Wait; w != nil {
		e.key(`,"wait":{"kind":`)
		e.str(w.Kind)
		e.key(`,"step":`)
		e.str(w.Step)
		e.key(`,"key":`)
		e.str(w.Key)
		e.optTime(`,"until":`, w.Until)
		e.b = append(e.b, '}')
	}
	e.optObject(`,"early_reply":`, st.EarlyReply)
	e.key(`,"visits":`)
	e.b = strconv.AppendInt(e.b, int64(st.Visits), 10)
	e.key(`,"log":`)
	if st.Log == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range st.Log {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.record(&st.Log[i])
		}
		e.b = append(e.b, ']')
	}
	if st.Error != nil {
		e.key(`,"error":`)
		e.viaJSON(st.Error)
	}
	e.optStr(`,"reason":`, st.Reason)
	e.key(`,"started_at":`)
	e.time(st.StartedAt)
	e.optTime(`,"ended_at":`, st.EndedAt)
	e.b = append(e.b, '}')
}

func (e *stateEncoder) record(r *StepRecord) {
	e.key(`{"step":`)
	e.str(r.Step)
	e.key(`,"type":`)
	e.str(r.Type)
	e.key(`,"status":`)
	e.str(r.Status)
	e.optObject(`,"input":`, r.Input)
	e.optObject(`,"output":`, r.Output)
	e.key(`,"attempts":`)
	e.b = strconv.AppendInt(e.b, int64(r.Attempts), 10)
	e.key(`,"started_at":`)
	e.time(r.StartedAt)
	e.optTime(`,"ended_at":`, r.EndedAt)
	if r.Error != nil {
		e.key(`,"error":`)
		e.viaJSON(r.Error)
	}
	if len(r.Warnings) > 0 {
		e.key(`,"warnings":`)
		e.viaJSON(r.Warnings)
	}
	e.b = append(e.b, '}')
}

func (e *stateEncoder) key(k string) { e.b = append(e.b, k...) }

func (e *stateEncoder) optStr(key, s string) {
	if s != "" {
		e.key(key)
		e.str(s)
	}
}

// optObject writes a map field tagged omitempty.
func (e *stateEncoder) optObject(key string, m map[string]any) {
	if len(m) > 0 {
		e.key(key)
		e.object(m)
	}
}

// optTime writes a time field tagged omitzero.
func (e *stateEncoder) optTime(key string, t time.Time) {
	if !t.IsZero() {
		e.key(key)
		e.time(t)
	}
}

// object writes a map as encoding/json does: keys sorted, nil as null.
func (e *stateEncoder) object(m map[string]any) {
	if m == nil {
		e.b = append(e.b, "null"...)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.b = append(e.b, '{')
	for i, k := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(k)
		e.b = append(e.b, ':')
		e.value(m[k])
	}
	e.b = append(e.b, '}')
}

// value writes one value held as any.
func (e *stateEncoder) value(v any) {
	switch v := v.(type) {
	case nil:
		e.b = append(e.b, "null"...)
	case string:
		e.str(v)
	case bool:
		e.b = strconv.AppendBool(e.b, v)
	case int:
		e.b = strconv.AppendInt(e.b, int64(v), 10)
	case int64:
		e.b = strconv.AppendInt(e.b, v, 10)
	case float64:
		// encoding/json writes %f between 1e-6 and 1e21, the exponent
		// form (which it tidies) outside; integers are the common case.
		if a := max(v, -v); a < 1e21 && (a >= 1e-6 || a == 0) {
			e.b = strconv.AppendFloat(e.b, v, 'f', -1, 64)
		} else {
			e.viaJSON(v)
		}
	case map[string]any:
		e.object(v)
	case []any:
		if v == nil {
			e.b = append(e.b, "null"...)
			return
		}
		e.b = append(e.b, '[')
		for i, x := range v {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.value(x)
		}
		e.b = append(e.b, ']')
	default:
		e.viaJSON(v)
	}
}

// str writes a string that needs no escaping as it is; the rest (quotes,
// backslashes, control characters, the HTML characters encoding/json
// escapes, U+2028 and U+2029, invalid UTF-8) through encoding/json.
func (e *stateEncoder) str(s string) {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			e.viaJSON(s)
			return
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && (!utf8.ValidString(s) || strings.ContainsRune(s, '\u2028') || strings.ContainsRune(s, '\u2029')) {
		e.viaJSON(s)
		return
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

// time writes t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds). That refuses years outside 0–9999 and some offsets; only
// UTC times in range take the shortcut.
func (e *stateEncoder) time(t time.Time) {
	if _, off := t.Zone(); off != 0 || t.Year() < 0 || t.Year() > 9999 {
		e.viaJSON(t)
		return
	}
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

func (e *stateEncoder) viaJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil && e.err == nil {
		e.err = err
	}
	e.b = append(e.b, b...)
}
