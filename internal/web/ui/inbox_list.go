package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/zapflow/zapflow/internal/messaging"
)

// maxListQuery bounds the inbox search text.
const maxListQuery = 100

// loadList fills the inbox list: one query for the page, whatever its
// size, narrowed to what viewer may see, by ?filter= (mine, unassigned,
// all, resolved) and ?q= (name, number or message text).
func (u *UI) loadList(r *http.Request, viewer messaging.Viewer, d *inboxData) error {
	q := r.URL.Query()
	d.Filter = q.Get("filter")
	switch d.Filter {
	case messaging.FilterMine, messaging.FilterUnassigned, messaging.FilterResolved:
	default:
		d.Filter = messaging.FilterAll
	}
	d.Query = strings.TrimSpace(q.Get("q"))
	if len(d.Query) > maxListQuery {
		d.Query = d.Query[:maxListQuery]
	}
	list, err := u.Messaging.Inbox(r.Context(), messaging.InboxFilter{Viewer: viewer, Filter: d.Filter, Query: d.Query, Limit: 50})
	d.List = list
	return err
}

// listFilters are the tabs over the list, in order.
func listFilters() []string {
	return []string{messaging.FilterAll, messaging.FilterMine, messaging.FilterUnassigned, messaging.FilterResolved}
}

// listLink keeps the list's filter and search on a link to a chat (or to
// the list itself when id is "").
func listLink(d inboxData, id string, filter string) string {
	path := "/inbox"
	if id != "" {
		path += "/" + id
	}
	v := make([]string, 0, 2)
	if filter != "" && filter != messaging.FilterAll {
		v = append(v, "filter="+filter)
	}
	if d.Query != "" && id != "" {
		v = append(v, "q="+url.QueryEscape(d.Query))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + strings.Join(v, "&")
}

// unreadBadge renders an unread count ("99+" past the count's cap).
func unreadBadge(n int) string {
	if n >= 100 {
		return "99+"
	}
	return fmtInt(n)
}
