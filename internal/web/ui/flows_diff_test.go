package ui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func render3(d []diffLine) string {
	var b strings.Builder
	for _, l := range d {
		b.WriteByte(l.Op)
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestLineDiff shows unchanged lines kept, a changed line as removed then
// added, insertions and deletions in the middle, and line numbers of both
// sides; applying the diff's sides gives back each text.
func TestLineDiff(t *testing.T) {
	t.Parallel()
	a := "name: x\nsteps:\n  - id: a\n    type: delay\n    duration: 10m\n  - id: b\n"
	b := "name: x\nsteps:\n  - id: a\n    type: delay\n    duration: 1s\n  - id: new\n  - id: b\n"
	d := lineDiff(a, b)
	require.Equal(t, " name: x\n steps:\n   - id: a\n     type: delay\n-    duration: 10m\n+    duration: 1s\n+  - id: new\n   - id: b\n", render3(d))
	require.Equal(t, diffLine{Op: ' ', Text: "  - id: b", Old: 6, New: 7}, d[len(d)-1])
	require.Equal(t, diffLine{Op: '+', Text: "  - id: new", New: 6}, d[6])
	added, removed := diffChanged(d)
	require.Equal(t, [2]int{2, 1}, [2]int{added, removed})

	require.Empty(t, lineDiff("", ""))
	require.Equal(t, "+a\n+b\n", render3(lineDiff("", "a\nb")))
	require.Equal(t, "-a\n", render3(lineDiff("a\n", "")))
	require.Equal(t, " a\n-b\n c\n-d\n+e\n", render3(lineDiff("a\nb\nc\nd", "a\nc\ne")))

	for _, pair := range [][2]string{{"a\nb\nc\nd\ne", "e\nd\nc\nb\na"}, {"x\ny\nx\ny", "y\nx\ny\nx\nz"}} {
		var old, nw []string
		for _, l := range lineDiff(pair[0], pair[1]) {
			if l.Op != '+' {
				old = append(old, l.Text)
			}
			if l.Op != '-' {
				nw = append(nw, l.Text)
			}
		}
		require.Equal(t, pair[0], strings.Join(old, "\n"))
		require.Equal(t, pair[1], strings.Join(nw, "\n"))
	}
}

// TestFoldUnchanged shows long unchanged runs folded to a count with
// context kept around each change, and a diff without changes kept whole.
func TestFoldUnchanged(t *testing.T) {
	t.Parallel()
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10"
	b := "1\n2\n3\n4\n5\n6\n7\n8\nnine\n10"
	rows := foldUnchanged(lineDiff(a, b), 2)
	require.Equal(t, 6, rows[0].Skip, "lines 1-6 are folded")
	var shown []string
	for _, r := range rows[1:] {
		require.Zero(t, r.Skip)
		shown = append(shown, string(r.Op)+r.Text)
	}
	require.Equal(t, []string{" 7", " 8", "-9", "+nine", " 10"}, shown)
	whole := foldUnchanged(lineDiff(a, a), 2)
	require.Len(t, whole, 10)
}
