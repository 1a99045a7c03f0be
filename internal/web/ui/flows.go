package ui

import (
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
)

// maxFlowForm bounds a flow form post: a definition of up to a flow
// file's size, and the other fields.
const maxFlowForm = flow.MaxFileSize + 64<<10

// flowsRoute serves a flows or runs page or action: a session of an
// admin (the REST API's flow writes need one too; anyone else gets 403),
// in the user's language, with a posted form parsed and bounded.
func (u *UI) flowsRoute(fn func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return u.signedIn(func(w http.ResponseWriter, r *http.Request) {
		ctx := withLocale(r.Context(), locale(r))
		r = r.WithContext(ctx)
		if userFrom(ctx).Role != agent.RoleAdmin {
			render(w, r, http.StatusForbidden, forbiddenView(u.chrome(ctx)))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFlowForm)
			var err error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				err = r.ParseMultipartForm(maxFlowForm)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				http.Error(w, t(ctx, "flows.err.too_large"), http.StatusRequestEntityTooLarge)
				return
			}
		}
		fn(w, r)
	})
}

// flowRow is one line of the flows list.
type flowRow struct {
	Rec    flow.Record
	Counts flow.RunCounts
}

type flowsData struct {
	Chrome  chrome
	Flows   []flowRow
	Problem string
}

// flowsPage lists the flows with today's runs and failures (one query
// for every flow's counts).
func (u *UI) flowsPage(w http.ResponseWriter, r *http.Request) {
	u.renderFlows(w, r, http.StatusOK, "")
}

func (u *UI) renderFlows(w http.ResponseWriter, r *http.Request, status int, problem string) {
	ctx := r.Context()
	list, err := u.Flows.List(ctx, false)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	now := u.Now().UTC()
	counts, err := u.Flows.RunCountsSince(ctx, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := flowsData{Chrome: u.chrome(ctx), Problem: problem}
	for _, rec := range list {
		d.Flows = append(d.Flows, flowRow{Rec: rec, Counts: counts[rec.ID]})
	}
	render(w, r, status, flowsView(d))
}

// example is one flow of the gallery.
type example struct {
	File, Name, Description string
	Steps                   int
}

type newFlowData struct {
	Chrome   chrome
	Examples []example
}

// newFlowPage offers the example gallery and a blank flow.
func (u *UI) newFlowPage(w http.ResponseWriter, r *http.Request) {
	d := newFlowData{Chrome: u.chrome(r.Context())}
	files := flow.Examples()
	for name, data := range files {
		fl, err := flow.Parse(data, flow.YAML)
		if err != nil {
			continue
		}
		n := 0
		flow.Walk(fl.Steps, "steps", func(*flow.Step, string, int) { n++ })
		d.Examples = append(d.Examples, example{File: name, Name: fl.Name, Description: fl.Description, Steps: n})
	}
	sort.Slice(d.Examples, func(i, j int) bool { return d.Examples[i].Name < d.Examples[j].Name })
	render(w, r, http.StatusOK, newFlowView(d))
}

// blankFlow is where a flow started from nothing begins: the smallest
// definition that validates, for the user to replace.
func blankFlow() flow.Flow {
	return flow.Flow{Name: "New flow", Description: "Describe what this flow does.",
		Trigger: flow.Trigger{Type: flow.TriggerEvent, Event: "example.event"},
		Steps:   []flow.Step{{ID: "done", Type: flow.StepStop, Reason: "replace this step with the flow's steps"}}}
}

// createFlow creates a flow from an example of the gallery or blank,
// disabled, and opens it in the editor. A name already taken gets a
// number ("Lead qualification (2)"), so the gallery always works.
func (u *UI) createFlow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fl := blankFlow()
	if name := r.PostFormValue("example"); name != "" {
		data, ok := flow.Examples()[name]
		if !ok {
			http.Error(w, "no such example", http.StatusNotFound)
			return
		}
		var err error
		if fl, err = flow.Parse(data, flow.YAML); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	fl.Enabled = false
	base := fl.Name
	for i := 2; ; i++ {
		rec, err := u.Flows.Create(ctx, fl)
		if ae, ok := apperr.As(err); ok && ae.Code == "flow_exists" && i < 100 {
			fl.Name = base + " (" + strconv.Itoa(i) + ")"
			continue
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		http.Redirect(w, r, flowURL(rec.ID), http.StatusSeeOther)
		return
	}
}

// importFlow creates a flow from an uploaded file (or, with "replace",
// stores it as the next version of the flow of that name).
func (u *UI) importFlow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		u.renderFlows(w, r, http.StatusUnprocessableEntity, t(ctx, "flows.import.none"))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, flow.MaxFileSize+1))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	rec, err := u.Flows.Import(ctx, data, flow.FormatOf(hdr.Filename), r.PostFormValue("replace") != "")
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || ae.Kind == apperr.KindInternal {
			u.fail(w, r, err)
			return
		}
		u.renderFlows(w, r, http.StatusUnprocessableEntity, hdr.Filename+": "+problemText(ae))
		return
	}
	http.Redirect(w, r, flowURL(rec.ID)+"?saved=1", http.StatusSeeOther)
}

// exportFlow downloads a flow as a file.
func (u *UI) exportFlow(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	f := flow.Format(r.URL.Query().Get("format"))
	if f != flow.JSON {
		f = flow.YAML
	}
	rec, err := u.Flows.Get(r.Context(), id)
	if u.flowMissing(w, r, err) {
		return
	}
	out, err := flow.Export(rec.Definition, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ct := "application/json"
	if f == flow.YAML {
		ct = "application/yaml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(rec.Name)+"."+string(f)+`"`)
	_, _ = w.Write(out)
}

func (u *UI) enableFlow(w http.ResponseWriter, r *http.Request)  { u.setFlowEnabled(w, r, true) }
func (u *UI) disableFlow(w http.ResponseWriter, r *http.Request) { u.setFlowEnabled(w, r, false) }

// setFlowEnabled turns a flow on or off; a refusal (a template that
// cannot be sent) shows on the editor at the field it names.
func (u *UI) setFlowEnabled(w http.ResponseWriter, r *http.Request, on bool) {
	id := pathInt(r, "id")
	_, err := u.Flows.SetEnabled(r.Context(), id, on)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
		rec, gerr := u.Flows.Get(r.Context(), id)
		if u.flowMissing(w, r, gerr) {
			return
		}
		d := u.editorFromRecord(r, rec, flow.YAML)
		d.addProblem(ae.Field, ae.Message, false)
		d.finish()
		render(w, r, http.StatusUnprocessableEntity, flowEditView(d))
		return
	}
	if u.flowMissing(w, r, err) {
		return
	}
	back := r.PostFormValue("back")
	if back != "/flows" {
		back = flowURL(id)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// flowMissing answers a failed read or change of a flow: 404 for an
// unknown one, 409 for a deleted one, 500 otherwise. It reports whether
// it answered.
func (u *UI) flowMissing(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return false
	}
	if ae, ok := apperr.As(err); ok {
		switch ae.Kind {
		case apperr.KindNotFound:
			http.Error(w, t(r.Context(), "flows.err.not_found"), http.StatusNotFound)
			return true
		case apperr.KindConflict:
			http.Error(w, ae.Message, http.StatusConflict)
			return true
		}
	}
	u.fail(w, r, err)
	return true
}

// problemText is a named error as the pages show it.
func problemText(ae *apperr.Error) string {
	if ae.Field != "" && !strings.Contains(ae.Message, ae.Field) {
		return ae.Field + ": " + ae.Message
	}
	return ae.Message
}

// pathInt is a numeric path value; 0 when it is not one.
func pathInt(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func flowURL(id int64) string { return "/flows/" + strconv.FormatInt(id, 10) }
func runURL(id int64) string  { return "/runs/" + strconv.FormatInt(id, 10) }

// fileName makes a flow name safe as a download's file name.
func fileName(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "flow"
	}
	return s
}
