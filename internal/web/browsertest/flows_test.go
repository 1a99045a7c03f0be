package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// definition returns the editor's text.
func (p *page) definition() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("definition").value`))
	require.NoError(p.t, err)
	return s
}

// TestFlowFromGalleryBrokenFixedAndTested creates a flow from the example
// gallery, breaks a step's field and sees the error at that line and
// field with the text kept, fixes it and saves, then runs it once on a
// sandbox recipient and watches the run page reach its final status.
func TestFlowFromGalleryBrokenFixedAndTested(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.login("admin@example.com")
	p.goTo("/flows")
	p.waitVisible(".flows-table")
	p.submit(chromedp.Click(chromedp.CSS(`a[href="/flows/new"]`)))
	p.waitVisible(".gallery")
	p.shot("flows-new")
	p.submit(chromedp.Click(chromedp.CSS(`button[data-example="post_call_followup.yaml"]`)))
	p.waitVisible("#definition")
	require.Regexp(t, `^/flows/\d+$`, p.location())
	p.waitVisible(`svg.flow-diagram g[data-step="follow_up"]`)

	text := p.definition()
	require.Contains(t, text, "duration: 10m")
	broken := strings.Replace(text, "duration: 10m", "duration: ten minutes", 1)
	p.submit(chromedp.SetValue(chromedp.ID("definition"), broken), chromedp.Click(chromedp.ID("save")))
	p.waitText(".problems", "steps[0].duration")
	line := 1 + strings.Count(broken[:strings.Index(broken, "duration: ten minutes")], "\n")
	p.waitText("#L"+strconv.Itoa(line)+".bad .note", "not a duration")
	require.Contains(t, p.definition(), "duration: ten minutes", "the text is kept")
	p.shot("flow-error")

	fixed := strings.Replace(broken, "duration: ten minutes", "duration: 1s", 1)
	p.submit(chromedp.SetValue(chromedp.ID("definition"), fixed), chromedp.Click(chromedp.ID("save")))
	p.waitText(".done", "Saved as version 2")
	p.shot("flow-editor")

	// The test form comes filled with the example's trigger data (a call
	// that went well): the run waits a second, then sends call_followup.
	p.submit(chromedp.SetValue(chromedp.ID("test-to"), "+5511988887777"), chromedp.Click(chromedp.ID("run-test")))
	require.Regexp(t, `^/runs/\d+$`, p.location())
	p.waitVisible(`.timeline [data-step="wait"]`)
	p.waitText("#run-status", "completed")
	p.waitText(`.timeline [data-step="follow_up"]`, "completed")
	p.shot("run")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`), "the one test message went out")

	p.goTo("/runs")
	p.waitText(".runs-table", "+5511988887777")
	p.shot("runs")
}
