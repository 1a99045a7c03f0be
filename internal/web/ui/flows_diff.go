package ui

import "strings"

// A line diff of two flow versions, for the versions page: the longest
// common subsequence of lines, kept small and plain (a flow file is at
// most a few thousand lines; past maxDiffCells the diff shows the two
// files as one removed and one added block instead of spending memory).

// diffLine is one line of a diff: Op is ' ' (in both), '-' (only in the
// old text) or '+' (only in the new); Old and New are 1-based line
// numbers (0 where the line is absent).
type diffLine struct {
	Op       byte
	Text     string
	Old, New int
}

// maxDiffCells bounds the LCS table (old lines × new lines).
const maxDiffCells = 4_000_000

// lineDiff diffs a and b line by line.
func lineDiff(a, b string) []diffLine {
	x, y := splitText(a), splitText(b)
	// Common head and tail need no table.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var out []diffLine
	for i := 0; i < pre; i++ {
		out = append(out, diffLine{Op: ' ', Text: x[i], Old: i + 1, New: i + 1})
	}
	out = append(out, middle(x[pre:len(x)-suf], y[pre:len(y)-suf], pre)...)
	for i := 0; i < suf; i++ {
		oi, ni := len(x)-suf+i, len(y)-suf+i
		out = append(out, diffLine{Op: ' ', Text: x[oi], Old: oi + 1, New: ni + 1})
	}
	return out
}

// middle diffs the differing middle parts; off is the lines before them.
func middle(x, y []string, off int) []diffLine {
	var out []diffLine
	if len(x)*len(y) > maxDiffCells {
		for i, s := range x {
			out = append(out, diffLine{Op: '-', Text: s, Old: off + i + 1})
		}
		for j, s := range y {
			out = append(out, diffLine{Op: '+', Text: s, New: off + j + 1})
		}
		return out
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	w := len(y) + 1
	lcs := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, diffLine{Op: ' ', Text: x[i], Old: off + i + 1, New: off + j + 1})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			// Removed lines come before the lines that replace them.
			out = append(out, diffLine{Op: '-', Text: x[i], Old: off + i + 1})
			i++
		default:
			out = append(out, diffLine{Op: '+', Text: y[j], New: off + j + 1})
			j++
		}
	}
	return out
}

// splitText splits text into lines, without a last empty one.
func splitText(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffChanged counts the added and removed lines.
func diffChanged(d []diffLine) (added, removed int) {
	for _, l := range d {
		switch l.Op {
		case '+':
			added++
		case '-':
			removed++
		}
	}
	return added, removed
}

// diffRow is a line of a shown diff, or (Skip > 0) a fold of that many
// unchanged lines.
type diffRow struct {
	diffLine
	Skip int
}

// foldUnchanged keeps the changed lines with context lines around each,
// folding longer runs of unchanged lines; a diff without changes is kept
// whole (it shows one version).
func foldUnchanged(d []diffLine, context int) []diffRow {
	keep := make([]bool, len(d))
	changed := false
	for i, l := range d {
		if l.Op == ' ' {
			continue
		}
		changed = true
		for j := max(0, i-context); j <= min(len(d)-1, i+context); j++ {
			keep[j] = true
		}
	}
	var out []diffRow
	for i := 0; i < len(d); i++ {
		if !changed || keep[i] {
			out = append(out, diffRow{diffLine: d[i]})
			continue
		}
		n := 0
		for i+n < len(d) && !keep[i+n] {
			n++
		}
		out = append(out, diffRow{Skip: n})
		i += n - 1
	}
	return out
}
