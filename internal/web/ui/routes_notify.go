package ui

import "net/http"

// registerNotify adds the bell's pages and actions: every signed-in user
// has their own read and dismissed state of the team's notifications.
func (u *UI) registerNotify(mux *http.ServeMux) {
	mux.Handle("GET /notifications", u.signedIn(u.notificationsPage))
	mux.Handle("GET /notifications/count", u.signedIn(u.notificationCount))
	mux.Handle("GET /notifications/{id}/open", u.signedIn(u.openNotification))
	mux.Handle("POST /notifications/{id}/read", u.guard(u.signedIn(u.readNotification)))
	mux.Handle("POST /notifications/{id}/dismiss", u.guard(u.signedIn(u.dismissNotification)))
	mux.Handle("POST /notifications/read-all", u.guard(u.signedIn(u.readAllNotifications)))
}
