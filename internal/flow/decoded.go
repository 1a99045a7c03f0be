package flow

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// decodedCopy returns a deep copy of st exactly as json.Unmarshal would
// give it back from json.Marshal(st): what a run read from its row looks
// like. Steps see the difference: in memory a trigger's conversation_id
// is an int64, decoded it is a float64; a map kept in two places is two
// maps once decoded; an empty step output is no output; a time loses its
// monotonic reading and its zone becomes UTC. runStates hands this copy
// to the next input instead of decoding the row, so it must be the same
// value to the last bit (TestDecodedCopyIsTheDecodedState).
//
// Values with no shortcut below (a type from outside the engine, invalid
// UTF-8, a time in another zone) go through JSON themselves: encoding is
// per value, so that is what the whole document's round trip gives them.
// ok is false only if that fails, and then the state is not cached.
func decodedCopy(st State) (State, bool) {
	c := copier{ok: true}
	out := State{
		RunID: st.RunID, Status: c.str(st.Status), ConversationID: st.ConversationID, Sender: c.str(st.Sender),
		TestRecipient: c.str(st.TestRecipient), Current: c.str(st.Current), Attempt: st.Attempt, Visits: st.Visits,
		Reason: c.str(st.Reason), StartedAt: c.time(st.StartedAt), EndedAt: c.time(st.EndedAt),
		Trigger: c.field(st.Trigger), Contact: c.field(st.Contact), Vars: c.field(st.Vars), Outputs: c.field(st.Outputs),
		Error: c.stepError(st.Error), EarlyReply: c.omitEmpty(st.EarlyReply),
	}
	if w := st.Wait; w != nil {
		out.Wait = &Wait{Kind: c.str(w.Kind), Step: c.str(w.Step), Key: c.str(w.Key), Until: c.time(w.Until)}
	}
	if st.Log != nil {
		out.Log = make([]StepRecord, len(st.Log))
		for i, r := range st.Log {
			out.Log[i] = StepRecord{Step: c.str(r.Step), Type: c.str(r.Type), Status: c.str(r.Status),
				Input: c.omitEmpty(r.Input), Output: c.omitEmpty(r.Output), Attempts: r.Attempts,
				StartedAt: c.time(r.StartedAt), EndedAt: c.time(r.EndedAt), Error: c.stepError(r.Error)}
			if len(r.Warnings) > 0 {
				ws := make([]Warning, len(r.Warnings))
				for j, w := range r.Warnings {
					ws[j] = Warning{Code: c.str(w.Code), Message: c.str(w.Message)}
				}
				out.Log[i].Warnings = ws
			}
		}
	}
	return out, c.ok
}

type copier struct{ ok bool }

// field copies a map field without omitempty: nil is null, decoded nil.
func (c *copier) field(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return c.object(m)
}

// omitEmpty copies a map field with omitempty: an empty one is left out,
// decoded nil.
func (c *copier) omitEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return c.object(m)
}

func (c *copier) object(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !utf8.ValidString(k) {
			out, _ := c.viaJSON(m).(map[string]any)
			return out
		}
		out[k] = c.value(v)
	}
	return out
}

// value copies a value held as any, the way it decodes into any.
func (c *copier) value(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if utf8.ValidString(v) {
			return v
		}
	case bool:
		return v
	case float64:
		return v // finite: json.Marshal refuses NaN and ±Inf
	// An integer is written in decimal and read back as the nearest
	// float64, which is what the conversion gives too.
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case uint:
		return float64(v)
	case uint64:
		return float64(v)
	case uint32:
		return float64(v)
	case map[string]any:
		if v == nil {
			return nil
		}
		return c.object(v)
	case []any:
		if v == nil {
			return nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = c.value(e)
		}
		return out
	case map[string]string:
		if v == nil {
			return nil
		}
		out := make(map[string]any, len(v))
		for k, s := range v {
			if !utf8.ValidString(k) || !utf8.ValidString(s) {
				return c.viaJSON(v)
			}
			out[k] = s
		}
		return out
	case []string:
		if v == nil {
			return nil
		}
		out := make([]any, len(v))
		for i, s := range v {
			if !utf8.ValidString(s) {
				return c.viaJSON(v)
			}
			out[i] = s
		}
		return out
	}
	return c.viaJSON(v)
}

// viaJSON is the round trip itself, for what has no shortcut.
func (c *copier) viaJSON(v any) any {
	b, err := json.Marshal(v)
	var out any
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		c.ok = false
	}
	return out
}

func (c *copier) str(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, _ := c.viaJSON(s).(string)
	return out
}

// time is a time as RFC 3339 text gives it back: UTC when its offset is
// zero (the text says "Z"), without the monotonic reading.
func (c *copier) time(t time.Time) time.Time {
	if _, off := t.Zone(); off == 0 {
		return t.UTC().Round(0)
	}
	b, err := t.MarshalJSON()
	var out time.Time
	if err == nil {
		err = out.UnmarshalJSON(b)
	}
	if err != nil {
		c.ok = false
	}
	return out
}

func (c *copier) stepError(e *StepError) *StepError {
	if e == nil {
		return nil
	}
	return &StepError{Code: c.str(e.Code), Field: c.str(e.Field), Message: c.str(e.Message), Retryable: e.Retryable}
}
