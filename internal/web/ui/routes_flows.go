package ui

import "net/http"

// registerFlows adds the flows pages (list, gallery, editor, versions,
// test runs) and the run history to mux. Every page and action needs an
// admin, as the REST API's flow writes do (flowsRoute); every post is
// guarded against other sites.
func (u *UI) registerFlows(mux *http.ServeMux) {
	mux.Handle("GET /flows", u.flowsRoute(u.flowsPage))
	mux.Handle("GET /flows/new", u.flowsRoute(u.newFlowPage))
	mux.Handle("POST /flows", u.guard(u.flowsRoute(u.createFlow)))
	mux.Handle("POST /flows/import", u.guard(u.flowsRoute(u.importFlow)))
	mux.Handle("GET /flows/{id}", u.flowsRoute(u.flowEditPage))
	mux.Handle("POST /flows/{id}", u.guard(u.flowsRoute(u.saveFlow)))
	mux.Handle("POST /flows/{id}/convert", u.guard(u.flowsRoute(u.convertFlow)))
	mux.Handle("POST /flows/{id}/enable", u.guard(u.flowsRoute(u.enableFlow)))
	mux.Handle("POST /flows/{id}/disable", u.guard(u.flowsRoute(u.disableFlow)))
	mux.Handle("GET /flows/{id}/export", u.flowsRoute(u.exportFlow))
	mux.Handle("POST /flows/{id}/test", u.guard(u.flowsRoute(u.testFlow)))
	mux.Handle("GET /flows/{id}/versions", u.flowsRoute(u.flowVersionsPage))

	mux.Handle("GET /runs", u.flowsRoute(u.runsPage))
	mux.Handle("GET /runs/{id}", u.flowsRoute(u.runPage))
	mux.Handle("GET /runs/{id}/live", u.flowsRoute(u.runFragment))
	mux.Handle("POST /runs/{id}/cancel", u.guard(u.flowsRoute(u.cancelRun)))
}
