package web

import (
	"context"
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// Notifications are the team's; read and dismissed are the caller's own
// (the user the API key belongs to).

// listNotifications answers GET /api/v1/notifications: the latest, with
// the caller's read state and unread count; ?dismissed=true includes the
// ones the caller dismissed.
func (s *server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	dismissed, err := queryBool(r, "dismissed")
	if err != nil {
		return err
	}
	uid := callerID(r)
	list, err := notify.ForUser(r.Context(), s.DB.Read(), uid, int(limit), dismissed != nil && *dismissed)
	if err != nil {
		return err
	}
	unread, err := notify.Unread(r.Context(), s.DB.Read(), uid)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"notifications": list, "unread": unread})
	return nil
}

// readNotification answers POST /api/v1/notifications/{id}/read.
func (s *server) readNotification(w http.ResponseWriter, r *http.Request) error {
	return s.notificationAction(w, r, notify.MarkRead)
}

// dismissNotification answers POST /api/v1/notifications/{id}/dismiss.
func (s *server) dismissNotification(w http.ResponseWriter, r *http.Request) error {
	return s.notificationAction(w, r, notify.Dismiss)
}

func (s *server) notificationAction(w http.ResponseWriter, r *http.Request,
	act func(ctx context.Context, q store.Querier, userID, id int64, now time.Time) (bool, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var found bool
	err = s.DB.InTx(r.Context(), func(tx store.Tx) error {
		found, err = act(r.Context(), tx, callerID(r), id, s.Outbox.Now())
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return apperr.NotFound("notification")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readAllNotifications answers POST /api/v1/notifications/read-all.
func (s *server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	err := s.DB.InTx(r.Context(), func(tx store.Tx) error {
		return notify.MarkAllRead(r.Context(), tx, callerID(r))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// callerID is the user behind the request's API key or session.
func callerID(r *http.Request) int64 {
	p, _ := agent.PrincipalFrom(r.Context())
	return p.UserID
}
