package ui

import (
	"strconv"

	"github.com/zapflow/zapflow/internal/flow"
)

// Small helpers of the flows templates.

func triggerLabel(tr flow.Trigger) string {
	if tr.Type == flow.TriggerEvent {
		return "event: " + tr.Event
	}
	return tr.Type
}

// enableAction is the action that flips a flow's state.
func enableAction(on bool) string {
	if on {
		return "disable"
	}
	return "enable"
}

func formatName(f flow.Format) string {
	if f == flow.JSON {
		return "JSON"
	}
	return "YAML"
}

func otherFormat(f flow.Format) flow.Format {
	if f == flow.JSON {
		return flow.YAML
	}
	return flow.JSON
}

func ariaBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func diffClass(op byte) string {
	switch op {
	case '+':
		return "add"
	case '-':
		return "del"
	}
	return "same"
}

func lineNo(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
