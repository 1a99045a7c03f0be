package flow

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFieldLineFindsTheLineOfAPath shows a validation error's path lands
// on the line that holds the field, in YAML and in the same flow exported
// as JSON, and a field that is not written points at its step.
func TestFieldLineFindsTheLineOfAPath(t *testing.T) {
	t.Parallel()
	src := []byte(`name: Demo
trigger:
  type: event
  event: call.completed
steps:
  - id: wait
    type: delay
    duration: 10 minutes
  - id: route
    type: branch
    branches:
      - when: trigger.outcome == "yes"
        steps:
          - id: hello
            type: send_text
            text: hi
`)
	cases := map[string]int{
		"name":                                 1,
		"trigger.event":                        4,
		"steps[0].duration":                    8,
		"steps[1].branches[0].when":            12,
		"steps[1].branches[0].steps[0].text":   16,
		"steps[1].branches[0].steps[0].sender": 14, // not written: its step
		"steps[1].branches[0].steps[0]":        14,
		"steps[7].id":                          5, // no such step: the list
	}
	for path, line := range cases {
		require.Equal(t, line, FieldLine(src, YAML, path), path)
	}

	fl, err := Parse(src, YAML)
	require.NoError(t, err)
	js, err := Export(fl, JSON)
	require.NoError(t, err)
	lines := splitLines(string(js))
	for _, path := range []string{"trigger.event", "steps[0].duration", "steps[1].branches[0].when", "steps[1].branches[0].steps[0].text"} {
		n := FieldLine(js, JSON, path)
		require.Positive(t, n, path)
		key := path[len(path)-len(lastKey(path)):]
		require.Contains(t, lines[n-1], `"`+key+`"`, "%s is on line %d: %s", path, n, lines[n-1])
	}
	n := FieldLine(js, JSON, "steps[1].branches[0].steps[0]")
	require.Contains(t, lines[n-1], "{", "an array element points at its opening brace")
	require.Contains(t, lines[n], `"id": "hello"`)

	require.Zero(t, FieldLine([]byte("name: [unclosed"), YAML, "name"), "text that does not parse has no lines")
	require.Zero(t, FieldLine([]byte(`{"name": `), JSON, "name"))
}

func lastKey(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' {
			return path[i+1:]
		}
	}
	return path
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
