package sandbox

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// versionRE is the Graph version path segment, per Meta's OpenAPI pattern.
var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

const graphPrefix = "/sandbox/graph/"

func (s *Sandbox) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+graphPrefix+"{version}/{id}", s.graph(s.handleGetMediaOrObject)) // media.go
	mux.HandleFunc("GET "+mediaDownloadPath, s.handleMediaDownload)
	mux.HandleFunc("GET "+graphPrefix+"{version}/{id}/message_templates", s.graph(s.handleListTemplates))
	mux.HandleFunc("GET "+graphPrefix+"{version}/{id}/phone_numbers", s.graph(s.handleListPhoneNumbers))
	mux.HandleFunc("GET "+graphPrefix+"{version}/{id}/subscribed_apps", s.graph(s.handleSubscribedApps)) // subscribed_apps.go
	mux.HandleFunc("POST "+graphPrefix+"{version}/{id}/messages", s.graph(s.handleSend))
	mux.HandleFunc("POST "+graphPrefix+"{version}/{id}/media", s.graph(s.handleUpload)) // upload.go
	mux.HandleFunc(graphPrefix, s.graph(s.handleUnsupported))
	s.controlRoutes(mux)
	s.assistantRoutes(mux)
	mux.HandleFunc("/sandbox/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such sandbox route: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

// graph wraps a Graph route: Meta's response headers, version check and
// Bearer token check (401 code 190), in that order.
func (s *Sandbox) graph(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		trace := newTraceID()
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Header().Set("x-fb-trace-id", trace)
		w.Header().Set("x-fb-request-id", newTraceID())
		rest := strings.TrimPrefix(r.URL.Path, graphPrefix)
		version, _, _ := strings.Cut(rest, "/")
		if !versionRE.MatchString(version) {
			writeGraphError(w, &apiError{status: 400, code: 2500, typ: "OAuthException",
				message: "Unknown path components: /" + rest,
				details: "the path must start with a Graph API version such as v23.0"})
			return
		}
		w.Header().Set("facebook-api-version", version)
		if e := s.checkToken(r); e != nil {
			writeGraphError(w, e)
			return
		}
		h(w, r)
	}
}

// checkToken accepts the configured token as "Authorization: Bearer …"
// (or Graph's older "OAuth …") or as the access_token query parameter.
func (s *Sandbox) checkToken(r *http.Request) *apiError {
	tok := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			tok = strings.TrimSpace(rest)
		}
	}
	if tok == "" {
		return &apiError{status: 401, code: 190, typ: "OAuthException",
			message: "(#190) An access token is required to request this resource.",
			details: "Missing access token: send Authorization: Bearer <token>."}
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AccessToken)) != 1 {
		return &apiError{status: 401, code: 190, subcode: 467, typ: "OAuthException",
			message: "(#190) Invalid OAuth access token - Cannot parse access token",
			details: "The access token is invalid or has expired."}
	}
	return nil
}

// handleUnsupported answers every Graph path or method we do not model the
// way Graph does for an unknown object or operation.
func (s *Sandbox) handleUnsupported(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, graphPrefix), "/"), "/")
	if len(parts) < 2 || parts[1] == "" {
		writeGraphError(w, &apiError{status: 400, code: 2500, typ: "OAuthException",
			message: "Unknown path components: " + r.URL.Path, details: "no object id in the path"})
		return
	}
	writeGraphError(w, unsupportedErr(r.Method, parts[1]))
}

// handleGetObject serves GET /{id} for a phone number, the WABA or a template.
func (s *Sandbox) handleGetObject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	fields := parseFields(r.URL.Query().Get("fields"))
	s.mu.Lock()
	var obj map[string]any
	if snd, ok := s.senders[id]; ok {
		obj = phoneJSON(snd.Sender)
	} else if id == s.cfg.WABAID {
		obj = map[string]any{"id": id, "name": "Zapflow Sandbox", "currency": "BRL",
			"message_template_namespace": "zapflow_sandbox", "account_review_status": "APPROVED"}
	} else if t := s.templateByID(id); t != nil {
		obj = toMap(t)
	}
	s.mu.Unlock()
	if obj == nil {
		writeGraphError(w, unsupportedErr(r.Method, id))
		return
	}
	writeJSON(w, http.StatusOK, filterFields(obj, fields))
}

// phoneJSON is a number as GET /{phone-number-id} reports it.
func phoneJSON(snd Sender) map[string]any {
	level := "STANDARD"
	if snd.ThroughputMPS >= 1000 {
		level = "HIGH"
	}
	return map[string]any{
		"id":                       snd.PhoneNumberID,
		"display_phone_number":     snd.DisplayPhoneNumber,
		"verified_name":            snd.VerifiedName,
		"quality_rating":           snd.QualityRating,
		"status":                   snd.Status,
		"code_verification_status": "VERIFIED",
		"name_status":              "APPROVED",
		"platform_type":            "CLOUD_API",
		"throughput":               map[string]any{"level": level},
		"whatsapp_business_manager_messaging_limit": snd.MessagingLimitTier,
	}
}

// defaultPhoneFields are returned when no fields= is given. Meta returns
// fewer by default; the sandbox is generous so simple clients see status too.
func defaultPhoneFields() []string {
	return []string{"id", "display_phone_number", "verified_name", "quality_rating",
		"status", "code_verification_status", "throughput", "whatsapp_business_manager_messaging_limit"}
}

// handleListPhoneNumbers serves GET /{waba-id}/phone_numbers.
func (s *Sandbox) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id != s.cfg.WABAID {
		writeGraphError(w, unsupportedErr(r.Method, id))
		return
	}
	fields := parseFields(r.URL.Query().Get("fields"))
	s.mu.Lock()
	data := make([]map[string]any, 0, len(s.order))
	for _, pid := range s.order {
		data = append(data, filterFields(phoneJSON(s.senders[pid].Sender), fields))
	}
	s.mu.Unlock()
	resp := map[string]any{"data": data}
	if len(data) > 0 {
		resp["paging"] = map[string]any{"cursors": map[string]string{"before": cursor(0), "after": cursor(len(data) - 1)}}
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleListTemplates serves GET /{waba-id}/message_templates with Meta's
// cursor paging (limit, after, before) and filters (name, status, category,
// language).
func (s *Sandbox) handleListTemplates(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id != s.cfg.WABAID {
		writeGraphError(w, unsupportedErr(r.Method, id))
		return
	}
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeGraphError(w, paramErr("Param limit must be a positive integer"))
			return
		}
		limit = min(n, 1000)
	}
	start := 0
	if v := q.Get("after"); v != "" {
		i, ok := uncursor(v)
		if !ok {
			writeGraphError(w, paramErr("Invalid after cursor"))
			return
		}
		start = i + 1
	} else if v := q.Get("before"); v != "" {
		i, ok := uncursor(v)
		if !ok {
			writeGraphError(w, paramErr("Invalid before cursor"))
			return
		}
		start = max(0, i-limit)
		if i-start < limit {
			limit = i - start
		}
	}
	fields := parseFields(q.Get("fields"))
	s.mu.Lock()
	var matched []Template
	for _, t := range s.templates {
		if templateMatches(t, q) {
			matched = append(matched, t)
		}
	}
	s.mu.Unlock()
	end := min(start+limit, len(matched))
	start = min(start, end)
	data := make([]map[string]any, 0, end-start)
	for i := start; i < end; i++ {
		data = append(data, filterFields(toMap(&matched[i]), fields))
	}
	resp := map[string]any{"data": data}
	if len(data) > 0 {
		paging := map[string]any{"cursors": map[string]string{"before": cursor(start), "after": cursor(end - 1)}}
		if end < len(matched) {
			next := *r.URL
			nq := next.Query()
			nq.Del("before")
			nq.Set("after", cursor(end-1))
			nq.Set("limit", strconv.Itoa(limit))
			next.RawQuery = nq.Encode()
			next.Scheme = requestScheme(r)
			next.Host = r.Host
			paging["next"] = next.String()
		}
		resp["paging"] = paging
	}
	writeJSON(w, http.StatusOK, resp)
}

func templateMatches(t Template, q url.Values) bool {
	if v := q.Get("name"); v != "" && !strings.Contains(t.Name, strings.ToLower(v)) {
		return false
	}
	if v := q.Get("status"); v != "" && !strings.EqualFold(t.Status, v) {
		return false
	}
	if v := q.Get("category"); v != "" && !strings.EqualFold(t.Category, v) {
		return false
	}
	if v := q.Get("language"); v != "" && t.Language != v {
		return false
	}
	return true
}

func requestScheme(r *http.Request) string {
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// cursor encodes a list position as an opaque, URL-safe token.
func cursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sandbox-cursor:" + strconv.Itoa(i)))
}

func uncursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "sandbox-cursor:")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i >= 0
}

// parseFields reads fields=a,b,throughput{level} loosely: top-level names only.
func parseFields(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	depth, startIdx := 0, 0
	flush := func(end int) {
		name := strings.TrimSpace(v[startIdx:end])
		if i := strings.IndexAny(name, "{."); i >= 0 {
			name = name[:i]
		}
		if name != "" {
			out = append(out, name)
		}
	}
	for i, c := range v {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				startIdx = i + 1
			}
		}
	}
	flush(len(v))
	return out
}

// filterFields keeps the requested fields (plus id, which Graph always
// returns). Without fields, phone numbers get defaultPhoneFields and other
// objects everything.
func filterFields(obj map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		if _, isPhone := obj["display_phone_number"]; isPhone {
			fields = defaultPhoneFields()
		} else {
			return obj
		}
	}
	out := map[string]any{"id": obj["id"]}
	for _, f := range fields {
		if v, ok := obj[f]; ok {
			out[f] = v
		}
	}
	return out
}

// toMap turns a struct into its JSON object form so fields can be filtered.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (s *Sandbox) templateByID(id string) *Template {
	for i := range s.templates {
		if s.templates[i].ID == id {
			t := s.templates[i]
			return &t
		}
	}
	return nil
}
