package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/flow"
)

type flowVersionsData struct {
	Chrome   chrome
	Rec      flow.Record
	Versions []flow.VersionInfo
	// A and B are the compared versions (A older), Diff their line diff
	// as YAML files.
	A, B           int
	Diff           []diffRow
	Added, Removed int
}

// flowVersionsPage lists a flow's versions and diffs two of them
// (?a=1&b=3; by default the two newest).
func (u *UI) flowVersionsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := u.Flows.Get(ctx, pathInt(r, "id"))
	if u.flowMissing(w, r, err) {
		return
	}
	vs, err := u.Flows.Versions(ctx, rec.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := flowVersionsData{Chrome: u.chrome(ctx), Rec: rec, Versions: vs, B: rec.Version, A: max(1, rec.Version-1)}
	if a, err := strconv.Atoi(r.URL.Query().Get("a")); err == nil {
		d.A = a
	}
	if b, err := strconv.Atoi(r.URL.Query().Get("b")); err == nil {
		d.B = b
	}
	if d.A > d.B {
		d.A, d.B = d.B, d.A
	}
	texts := [2]string{}
	for i, v := range []int{d.A, d.B} {
		fl, err := u.Flows.Version(ctx, rec.ID, v)
		if u.flowMissing(w, r, err) {
			return
		}
		out, err := flow.Export(fl, flow.YAML)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		texts[i] = string(out)
	}
	diff := lineDiff(texts[0], texts[1])
	d.Added, d.Removed = diffChanged(diff)
	d.Diff = foldUnchanged(diff, 3)
	render(w, r, http.StatusOK, flowVersionsView(d))
}
