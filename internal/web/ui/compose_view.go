package ui

import "strconv"

// Small helpers of compose.templ.

// composeAriaInvalid marks the input a refused send or AI call is about.
func composeAriaInvalid(d composeData, field string) string {
	if fieldClass(d, field) != "" {
		return "true"
	}
	return "false"
}

// varInputID is the id of the j-th variable of the i-th template.
func varInputID(i, j int) string { return "tpl-" + strconv.Itoa(i) + "-var-" + strconv.Itoa(j) }

// varValue is what the agent typed for variable f of the chosen template.
func varValue(d composeData, key, f string) string {
	if key != d.Chosen {
		return ""
	}
	return d.Vars[f]
}
