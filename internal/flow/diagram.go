package flow

import "strings"

// A flow's diagram, laid out on the server so the web app can draw it as
// inline SVG with no script: the trigger on top, each step a box below
// the one before it, a branch's paths (and a wait's timeout path) side by
// side under it, and every path joining again at the step that follows
// the branch, down to the end. Layout is pure: a definition in, boxes and
// arrows with positions out, so it is tested without a browser and works
// on a definition that does not validate yet (whatever parsed is drawn).

// Diagram sizes in SVG units.
const (
	DiagramNodeW = 170
	DiagramNodeH = 46
	diagramColW  = 200
	diagramRowH  = 86
	diagramPad   = 16
)

// Node kinds of a diagram besides step types.
const (
	NodeTrigger = "trigger"
	NodeEnd     = "end"
)

// DiagramNode is one box: the trigger, a step, or the end.
type DiagramNode struct {
	ID    string // step id; "" for the trigger and the end
	Kind  string // NodeTrigger, NodeEnd or the step type
	Label string // shortened to fit the box; Title is in full
	Note  string // what else a box says: the type, "on error → x"
	Title string
	Col   int
	Row   int
	X, Y  int // top-left corner
}

// DiagramEdge is one arrow from a box's bottom to another's top, drawn
// down, across above the target's row, and down again.
type DiagramEdge struct {
	From, To int    // node indexes
	Label    string // a branch's condition, "else", "reply", "timeout"
	Path     string // SVG path data
	LabelX   int
	LabelY   int
}

// Diagram is a laid-out flow.
type Diagram struct {
	Nodes         []DiagramNode
	Edges         []DiagramEdge
	Width, Height int
}

// exit is where a laid-out list continues: a node and the label of the
// arrow that leaves it.
type exit struct {
	node  int
	label string
}

type layouter struct{ d Diagram }

// Layout lays out fl.
func Layout(fl Flow) Diagram {
	l := &layouter{}
	label := strings.TrimPrefix(fl.Trigger.Type, "whatsapp.")
	if fl.Trigger.Type == TriggerEvent && fl.Trigger.Event != "" {
		label = fl.Trigger.Event
	}
	trigger := l.node(DiagramNode{Kind: NodeTrigger, Label: short(label, 18), Note: "trigger", Title: fl.Trigger.Type + " " + fl.Trigger.Event})
	exits, width, height := l.list(fl.Steps, 0, 1, []exit{{node: trigger}})
	end := l.node(DiagramNode{Kind: NodeEnd, Label: "end", Row: 1 + height})
	for _, e := range exits {
		l.edge(e.node, end, e.label)
	}
	for i := range l.d.Nodes {
		n := &l.d.Nodes[i]
		n.X = diagramPad + n.Col*diagramColW
		n.Y = diagramPad + n.Row*diagramRowH
	}
	for i := range l.d.Edges {
		l.route(&l.d.Edges[i])
	}
	l.d.Width = 2*diagramPad + max(1, width)*diagramColW - (diagramColW - DiagramNodeW)
	l.d.Height = 2*diagramPad + (height+1)*diagramRowH + DiagramNodeH
	return l.d
}

func (l *layouter) node(n DiagramNode) int {
	l.d.Nodes = append(l.d.Nodes, n)
	return len(l.d.Nodes) - 1
}

func (l *layouter) edge(from, to int, label string) {
	l.d.Edges = append(l.d.Edges, DiagramEdge{From: from, To: to, Label: label})
}

// list lays out steps from (col, row), each reached from the exits
// before it; it returns the exits after the list and the columns and rows
// it used.
func (l *layouter) list(steps []Step, col, row int, in []exit) ([]exit, int, int) {
	width, r := 1, row
	for i := range steps {
		s := &steps[i]
		note := stepNote(s)
		n := l.node(DiagramNode{ID: s.ID, Kind: s.Type, Label: short(s.ID, 18), Note: short(note, 26), Title: s.ID + " · " + note, Col: col, Row: r})
		for _, e := range in {
			l.edge(e.node, n, e.label)
		}
		out, w, h := l.step(s, n, col, r)
		in, width, r = out, max(width, w), r+h
	}
	return in, width, r - row
}

// step lays out what hangs under step s (node n): a branch's paths, a
// wait's timeout path. It returns the step's exits, columns and rows.
func (l *layouter) step(s *Step, n, col, row int) ([]exit, int, int) {
	type path struct {
		label string
		steps []Step
	}
	var paths []path
	var out []exit
	switch s.Type {
	case StepBranch:
		for _, b := range s.Branches {
			paths = append(paths, path{short(b.When, 28), b.Steps})
		}
		paths = append(paths, path{"else", s.Else}) // no else: the run goes on
	case StepWaitForReply:
		out = append(out, exit{n, "reply"})
		if len(s.OnTimeout) > 0 {
			paths = append(paths, path{"timeout", s.OnTimeout})
		}
	case StepStop:
		return nil, 1, 1
	default:
		return []exit{{n, ""}}, 1, 1
	}
	width, height := 0, 0
	for _, p := range paths {
		if len(p.steps) == 0 {
			out = append(out, exit{n, p.label})
			continue
		}
		exits, w, h := l.list(p.steps, col+width, row+1, []exit{{n, p.label}})
		out = append(out, exits...)
		width, height = width+w, max(height, h)
	}
	return out, max(1, width), 1 + height
}

// route draws e: down from the middle of its source's bottom, across in
// the gap above the target's row, down into the target's top.
func (l *layouter) route(e *DiagramEdge) {
	a, b := l.d.Nodes[e.From], l.d.Nodes[e.To]
	x1, y1 := a.X+DiagramNodeW/2, a.Y+DiagramNodeH
	x2, y2 := b.X+DiagramNodeW/2, b.Y
	mid := y2 - (diagramRowH-DiagramNodeH)/2
	e.Path = "M" + itoa(x1) + " " + itoa(y1) + " V" + itoa(mid) + " H" + itoa(x2) + " V" + itoa(y2)
	e.LabelX, e.LabelY = x2+6, mid+13
}

// stepNote is the second line of a step's box.
func stepNote(s *Step) string {
	note := s.Type
	if target, ok := strings.CutPrefix(s.OnError, "goto:"); ok {
		note += " · on error → " + target
	}
	return note
}

// short keeps a label to n characters, what fits in a box or beside an
// arrow.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
