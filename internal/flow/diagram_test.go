package flow

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// edgeSet names a diagram's edges as "from -label-> to", nodes by step id
// (trigger and end by kind).
func edgeSet(d Diagram) []string {
	name := func(i int) string {
		if d.Nodes[i].ID != "" {
			return d.Nodes[i].ID
		}
		return d.Nodes[i].Kind
	}
	var out []string
	for _, e := range d.Edges {
		out = append(out, name(e.From)+" -"+e.Label+"-> "+name(e.To))
	}
	return out
}

// TestLayoutDrawsBranchesAndJoins shows each branch path starts from the
// branch with its condition, an empty else goes straight on, paths join
// at the step after the branch, a stop ends its path, and a wait's
// timeout path leaves beside its reply arrow.
func TestLayoutDrawsBranchesAndJoins(t *testing.T) {
	t.Parallel()
	fl := Flow{Name: "x", Trigger: Trigger{Type: TriggerEvent, Event: "call.completed"}, Steps: []Step{
		{ID: "wait", Type: StepDelay, Duration: "1m"},
		{ID: "route", Type: StepBranch, Branches: []Branch{
			{When: `trigger.outcome == "yes"`, Steps: []Step{{ID: "a1", Type: StepSendText}, {ID: "a2", Type: StepSendText}}},
			{When: `trigger.outcome == "no"`, Steps: []Step{{ID: "bye", Type: StepStop}}},
		}},
		{ID: "ask", Type: StepWaitForReply, OnTimeout: []Step{{ID: "late", Type: StepSendText}}},
		{ID: "last_step_with_a_long_identifier", Type: StepSendText},
	}}
	d := Layout(fl)
	for i := range d.Nodes {
		if d.Nodes[i].ID == "last_step_with_a_long_identifier" {
			require.Equal(t, "last_step_with_a_…", d.Nodes[i].Label, "a long id is shortened to fit its box")
			require.Contains(t, d.Nodes[i].Title, "last_step_with_a_long_identifier")
			d.Nodes[i].ID = "last"
		}
	}
	require.ElementsMatch(t, []string{
		"trigger --> wait",
		"wait --> route",
		`route -trigger.outcome == "yes"-> a1`,
		"a1 --> a2",
		`route -trigger.outcome == "no"-> bye`,
		"a2 --> ask",
		"route -else-> ask",
		"ask -timeout-> late",
		"ask -reply-> last",
		"late --> last",
		"last --> end",
	}, edgeSet(d))

	pos := map[string]DiagramNode{}
	for _, n := range d.Nodes {
		pos[n.ID+n.Kind] = n
	}
	require.Equal(t, 0, pos["a1send_text"].Col)
	require.Equal(t, 1, pos["byestop"].Col, "the second path is beside the first")
	require.Equal(t, pos["a2send_text"].Row+1, pos["askwait_for_reply"].Row, "the join is below the longest path")
	require.Greater(t, pos["end"].Row, pos["lastsend_text"].Row)
	require.GreaterOrEqual(t, d.Width, 2*DiagramNodeW, "two paths side by side fit")
	for _, n := range d.Nodes {
		require.LessOrEqual(t, n.X+DiagramNodeW, d.Width)
		require.LessOrEqual(t, n.Y+DiagramNodeH, d.Height)
	}
	for _, e := range d.Edges {
		require.NotEmpty(t, e.Path)
	}
}

// TestLayoutOfABranchAtTheEnd shows paths of a final branch end the flow.
func TestLayoutOfABranchAtTheEnd(t *testing.T) {
	t.Parallel()
	fl := Flow{Trigger: Trigger{Type: TriggerMessageReceived}, Steps: []Step{
		{ID: "route", Type: StepBranch, Branches: []Branch{{When: "true", Steps: []Step{{ID: "x", Type: StepSendText}}}},
			Else: []Step{{ID: "y", Type: StepSendText, OnError: "goto:x"}}},
	}}
	d := Layout(fl)
	require.ElementsMatch(t, []string{"trigger --> route", "route -true-> x", "route -else-> y", "x --> end", "y --> end"}, edgeSet(d))
	require.Equal(t, "message_received", d.Nodes[0].Label)
	require.Contains(t, d.Nodes[0].Title, "whatsapp.message_received")
	for _, n := range d.Nodes {
		if n.ID == "y" {
			require.Contains(t, n.Note, "on error → x")
		}
	}
}
