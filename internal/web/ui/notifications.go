package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// notificationsData is what the notifications page shows.
type notificationsData struct {
	Chrome    chrome
	Items     []notify.Item
	Dismissed bool // the list includes dismissed ones
}

// notificationsPage lists the latest notifications with the user's read
// state; ?dismissed=1 shows the dismissed ones too.
func (u *UI) notificationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	withDismissed := r.URL.Query().Get("dismissed") == "1"
	items, err := notify.ForUser(ctx, u.DB.Read(), userFrom(ctx).ID, 100, withDismissed)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, notificationsView(notificationsData{Chrome: u.chrome(ctx), Items: items, Dismissed: withDismissed}))
}

// notificationCount answers the bell's script with the unread count.
func (u *UI) notificationCount(w http.ResponseWriter, r *http.Request) {
	n, err := notify.Unread(r.Context(), u.DB.Read(), userFrom(r.Context()).ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"unread":` + strconv.Itoa(n) + `}`))
}

// openNotification marks a notification read and goes to what it is
// about.
func (u *UI) openNotification(w http.ResponseWriter, r *http.Request) {
	id, ok := u.notificationAction(w, r, notify.MarkRead)
	if !ok {
		return
	}
	var ref string
	err := u.DB.Read().QueryRow(r.Context(), `SELECT ref FROM notifications WHERE id = ?`, id).Scan(&ref)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	target, err := u.refTarget(r.Context(), ref)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (u *UI) readNotification(w http.ResponseWriter, r *http.Request) {
	if _, ok := u.notificationAction(w, r, notify.MarkRead); ok {
		http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	}
}

func (u *UI) dismissNotification(w http.ResponseWriter, r *http.Request) {
	if _, ok := u.notificationAction(w, r, notify.Dismiss); ok {
		http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	}
}

func (u *UI) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	err := u.DB.InTx(r.Context(), func(tx store.Tx) error {
		return notify.MarkAllRead(r.Context(), tx, userFrom(r.Context()).ID)
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// notificationAction applies act to the {id} notification for the
// signed-in user; it answers 404 for an unknown one.
func (u *UI) notificationAction(w http.ResponseWriter, r *http.Request,
	act func(ctx context.Context, q store.Querier, userID, id int64, now time.Time) (bool, error)) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return 0, false
	}
	var found bool
	err = u.DB.InTx(r.Context(), func(tx store.Tx) error {
		found, err = act(r.Context(), tx, userFrom(r.Context()).ID, id, u.Now())
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return 0, false
	}
	if !found {
		http.NotFound(w, r)
		return 0, false
	}
	return id, true
}

// backTo is where an action returns: the notifications page, keeping its
// "show dismissed" choice.
func backTo(r *http.Request) string {
	if r.FormValue("dismissed") == "1" {
		return "/notifications?dismissed=1"
	}
	return "/notifications"
}

// refTarget is the page a notification's ref ("<type>:<id>") points at: a
// message opens its chat at the message, a run its run page, a number
// its account's page, a template the templates. Anything else stays on
// the list.
func (u *UI) refTarget(ctx context.Context, ref string) (string, error) {
	kind, idText, _ := strings.Cut(ref, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "/notifications", nil
	}
	switch kind {
	case "message":
		var conv int64
		err := u.DB.Read().QueryRow(ctx, `SELECT conversation_id FROM messages WHERE id = ?`, id).Scan(&conv)
		if errors.Is(err, store.ErrNotFound) {
			return "/notifications", nil // deleted since (history cleanup)
		}
		if err != nil {
			return "", err
		}
		return "/inbox/" + strconv.FormatInt(conv, 10) + "#m" + idText, nil
	case "conversation":
		return "/inbox/" + idText, nil
	case "run":
		return "/runs/" + idText, nil
	case "template": // Meta's template id
		return "/templates", nil
	case "sender":
		var acc int64
		err := u.DB.Read().QueryRow(ctx, `SELECT account_id FROM senders WHERE id = ?`, id).Scan(&acc)
		if errors.Is(err, store.ErrNotFound) {
			return "/notifications", nil
		}
		if err != nil {
			return "", err
		}
		return "/accounts/" + strconv.FormatInt(acc, 10), nil
	}
	return "/notifications", nil
}

// unreadLabel is the bell's count: 99+ past 99.
func unreadLabel(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}
