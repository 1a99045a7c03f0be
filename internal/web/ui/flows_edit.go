package ui

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
)

// The flow editor: the definition as YAML or JSON in a text box, beside
// the diagram the server draws of it. A save that the flow package
// refuses keeps the text and shows each problem at the line holding the
// field it names (flow.FieldLine), in a numbered gutter and a list that
// links to the line; template warnings show the same way.

// lineProblem is an error or warning at a line of the text (0: the
// whole definition).
type lineProblem struct {
	Line    int
	Field   string
	Message string
	Warn    bool
}

// editorLine is one line of the gutter.
type editorLine struct {
	N       int
	Problem *lineProblem
}

type flowEditData struct {
	Chrome   chrome
	Rec      flow.Record
	Text     string
	Format   flow.Format
	Lines    []editorLine
	Problems []lineProblem
	Diagram  flow.Diagram
	Saved    bool
	// The test run form's last input.
	TestTo, TestData, TestSender string
	TestProblem                  string
}

// hasErrors reports whether any problem is an error (not a warning).
func (d flowEditData) hasErrors() bool {
	for _, p := range d.Problems {
		if !p.Warn {
			return true
		}
	}
	return false
}

// addProblem places a problem at the line of its field.
func (d *flowEditData) addProblem(field, msg string, warn bool) {
	line := 0
	if field != "" {
		line = flow.FieldLine([]byte(d.Text), d.Format, field)
	}
	if line == 0 {
		line = yamlErrLine(msg, d.Format)
	}
	d.Problems = append(d.Problems, lineProblem{Line: line, Field: field, Message: msg, Warn: warn})
}

// finish numbers the gutter and ties each line to its first problem.
func (d *flowEditData) finish() {
	sort.SliceStable(d.Problems, func(i, j int) bool { return d.Problems[i].Line < d.Problems[j].Line })
	n := strings.Count(strings.TrimSuffix(d.Text, "\n"), "\n") + 1
	d.Lines = make([]editorLine, n)
	for i := range d.Lines {
		d.Lines[i].N = i + 1
	}
	for i := range d.Problems {
		p := &d.Problems[i]
		if p.Line >= 1 && p.Line <= n && d.Lines[p.Line-1].Problem == nil {
			d.Lines[p.Line-1].Problem = p
		}
	}
}

var parseLine = regexp.MustCompile(`line (\d+)`)

// yamlErrLine finds the line a YAML parse error names ("yaml: line 7:
// …"); JSON's errors give offsets and are shown for the whole text.
func yamlErrLine(msg string, f flow.Format) int {
	if f != flow.YAML {
		return 0
	}
	if m := parseLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// formatOf is the format a page asks for (YAML unless JSON).
func formatOf(s string) flow.Format {
	if s == string(flow.JSON) {
		return flow.JSON
	}
	return flow.YAML
}

// editorFromRecord is the editor showing a stored flow.
func (u *UI) editorFromRecord(r *http.Request, rec flow.Record, f flow.Format) flowEditData {
	text, err := flow.Export(rec.Definition, f)
	if err != nil {
		u.Log.Error("exporting a flow", "flow", rec.ID, "err", err)
	}
	d := flowEditData{Chrome: u.chrome(r.Context()), Rec: rec, Text: string(text), Format: f, Diagram: flow.Layout(rec.Definition)}
	d.TestTo = "+5511999990000"
	d.TestData = exampleTriggerData(rec.Definition)
	return d
}

// exampleTriggerData prefills the test form with the trigger data the
// flow's description shows, when it shows one ({"type": …, "data": {…}}).
func exampleTriggerData(fl flow.Flow) string {
	i := strings.Index(fl.Description, `"data": {`)
	if i < 0 {
		return "{}"
	}
	rest := fl.Description[i+len(`"data": `):]
	depth := 0
	for j, c := range rest {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				var v map[string]any
				if json.Unmarshal([]byte(rest[:j+1]), &v) == nil {
					return rest[:j+1]
				}
				return "{}"
			}
		}
	}
	return "{}"
}

// flowEditPage opens a flow in the editor (?format=json for JSON).
func (u *UI) flowEditPage(w http.ResponseWriter, r *http.Request) {
	rec, err := u.Flows.Get(r.Context(), pathInt(r, "id"))
	if u.flowMissing(w, r, err) {
		return
	}
	d := u.editorFromRecord(r, rec, formatOf(r.URL.Query().Get("format")))
	d.Saved = r.URL.Query().Get("saved") == "1"
	d.finish()
	render(w, r, http.StatusOK, flowEditView(d))
}

// saveFlow stores the edited text as the flow's next version. Refused,
// the page comes back with the text as typed and its problems at their
// lines; saved, with the stored version and its warnings.
func (u *UI) saveFlow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := u.Flows.Get(ctx, pathInt(r, "id"))
	if u.flowMissing(w, r, err) {
		return
	}
	d := u.editorFromRecord(r, rec, formatOf(r.PostFormValue("format")))
	d.Text = r.PostFormValue("definition")
	fl, err := flow.Parse([]byte(d.Text), d.Format)
	if err == nil {
		d.Diagram = flow.Layout(fl)
		var saved flow.Record
		saved, err = u.Flows.Update(ctx, rec.ID, fl)
		if err == nil {
			d.Rec, d.Saved = saved, true
			for _, wn := range saved.Warnings {
				d.addProblem(wn.Field, wn.Message, true)
			}
			d.Diagram = flow.Layout(saved.Definition)
			d.finish()
			render(w, r, http.StatusOK, flowEditView(d))
			return
		}
	}
	ae, ok := apperr.As(err)
	if !ok || ae.Kind == apperr.KindInternal {
		u.fail(w, r, err)
		return
	}
	if ae.Kind == apperr.KindNotFound || ae.Code == "flow_archived" {
		u.flowMissing(w, r, err)
		return
	}
	d.addProblem(ae.Field, ae.Message, false)
	d.finish()
	render(w, r, http.StatusUnprocessableEntity, flowEditView(d))
}

// convertFlow shows the edited text in the other format without saving
// (the toggle between YAML and JSON keeps unsaved edits).
func (u *UI) convertFlow(w http.ResponseWriter, r *http.Request) {
	rec, err := u.Flows.Get(r.Context(), pathInt(r, "id"))
	if u.flowMissing(w, r, err) {
		return
	}
	from := formatOf(r.PostFormValue("format"))
	d := u.editorFromRecord(r, rec, from)
	d.Text = r.PostFormValue("definition")
	fl, err := flow.Parse([]byte(d.Text), from)
	if err != nil {
		ae, _ := apperr.As(err)
		msg := err.Error()
		field := ""
		if ae != nil {
			msg, field = ae.Message, ae.Field
		}
		d.addProblem(field, msg, false)
		d.finish()
		render(w, r, http.StatusUnprocessableEntity, flowEditView(d))
		return
	}
	to := flow.JSON
	if from == flow.JSON {
		to = flow.YAML
	}
	out, err := flow.Export(fl, to)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Text, d.Format, d.Diagram = string(out), to, flow.Layout(fl)
	d.finish()
	render(w, r, http.StatusOK, flowEditView(d))
}

// testFlow runs the flow's current version once for one recipient (F17)
// and opens the run.
func (u *UI) testFlow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := u.Flows.Get(ctx, pathInt(r, "id"))
	if u.flowMissing(w, r, err) {
		return
	}
	req := flow.TestRunRequest{To: strings.TrimSpace(r.PostFormValue("to")), Sender: strings.TrimSpace(r.PostFormValue("sender"))}
	data := strings.TrimSpace(r.PostFormValue("trigger"))
	var problem string
	if data != "" {
		if err := json.Unmarshal([]byte(data), &req.Trigger); err != nil {
			problem = t(ctx, "flows.test.bad_data")
		}
	}
	if problem == "" {
		var id int64
		id, err = u.Flows.TestRun(ctx, rec.ID, req)
		if err == nil {
			http.Redirect(w, r, runURL(id), http.StatusSeeOther)
			return
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Kind == apperr.KindInternal {
			u.fail(w, r, err)
			return
		}
		problem = problemText(ae)
	}
	d := u.editorFromRecord(r, rec, flow.YAML)
	d.TestTo, d.TestData, d.TestSender, d.TestProblem = req.To, data, req.Sender, problem
	d.finish()
	render(w, r, http.StatusUnprocessableEntity, flowEditView(d))
}
