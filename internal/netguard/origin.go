package netguard

import (
	"net/url"
	"strings"
)

// SameOrigin reports whether two URLs name the same endpoint: scheme,
// host (case-insensitive) and port (default ports filled in). A stored
// secret (an access token, an API key) was entered for one origin; when a
// URL moves to another, the secret must be given again, so it is never
// sent to a host it was not entered for.
func SameOrigin(a, b string) bool {
	oa, okA := origin(a)
	ob, okB := origin(b)
	return okA && okB && oa == ob
}

func origin(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.TrimSuffix(strings.ToLower(u.Hostname()), ".") + ":" + port, true
}
