package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// registerDashboard adds the dashboard: for admins and users who may see
// delivery statuses and sender health.
func (u *UI) registerDashboard(mux *http.ServeMux) {
	mux.Handle("GET /dashboard", u.signedIn(u.needs(agent.PermViewStatus, u.dashboardPage)))
}
