package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeFlowServer stands in for zapflow with the sandbox, for `flows`: it
// verifies each webhook's signature and, as if the flow ran, records a
// sandbox send from the number the customer wrote to, SendDelay after the
// webhook arrived, and a completed 3-step run. The fault knobs make it
// lose, double, misroute or fail specific customers' flows.
type fakeFlowServer struct {
	t      testing.TB
	key    string
	secret string

	noCount   bool // no GET /sandbox/api/sent/count (an older sandbox)
	dropEvery int  // every k-th webhook is acknowledged but nothing happens
	dupEvery  int  // every k-th webhook's reply is sent twice (and has two runs)
	failEvery int  // every k-th webhook's run fails without a send
	wrongFrom int  // every k-th webhook is answered from another number
	sendDelay time.Duration

	mu         sync.Mutex
	senders    []apiSender      // the account's, in zapflow
	sandboxNum map[string]bool  // numbers the sandbox has
	mps        map[string]int   // sandbox throughput per number
	rate       map[int64]int    // rate_limit per sender id
	flowYAML   string           // the created flow
	flowCT     string           // its Content-Type
	enabled    map[int64]bool   // flow id -> enabled
	disabled   int              // disable calls
	webhooks   int              // signed webhooks received
	badSig     int              // webhooks with a wrong signature
	byPhone    map[string]int   // webhooks per phone_number_id
	customers  map[string]bool  // distinct wa_ids that wrote
	sent       []sandboxSent    // GET /sandbox/api/sent
	runs       []map[string]any // GET /api/v1/runs, oldest first
	fullReads  int              // GET /sandbox/api/sent calls
	countReads int
}

const fakeFlowID = 9

func newFakeFlowServer(t testing.TB, setup func(*fakeFlowServer)) (*fakeFlowServer, *httptest.Server) {
	f := &fakeFlowServer{
		t: t, key: "zf_test", secret: "sandbox-app-secret", sendDelay: 5 * time.Millisecond,
		senders: []apiSender{
			{ID: 1, PhoneNumberID: "100000000000011", Status: "CONNECTED", Online: true, RateLimit: 80},
			{ID: 2, PhoneNumberID: "100000000000012", Status: "CONNECTED", Online: true, RateLimit: 80},
		},
		sandboxNum: map[string]bool{"100000000000011": true, "100000000000012": true},
		mps:        map[string]int{}, rate: map[int64]int{}, enabled: map[int64]bool{},
		byPhone: map[string]int{}, customers: map[string]bool{},
	}
	if setup != nil {
		setup(f)
	}
	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+f.key {
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			h(w, r)
		})
	}
	open := func(pattern string, h http.HandlerFunc) { // sandbox control API and webhooks: no API key
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			defer f.mu.Unlock()
			h(w, r)
		})
	}
	api("GET /api/v1/accounts/1/senders", func(w http.ResponseWriter, _ *http.Request) {
		writeFlowJSON(w, http.StatusOK, map[string]any{"senders": f.senders})
	})
	api("POST /api/v1/accounts/1/senders", f.registerSender)
	api("PATCH /api/v1/senders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		var in struct {
			RateLimit int `json:"rate_limit"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.rate[id] = in.RateLimit
		writeFlowJSON(w, http.StatusOK, map[string]any{"id": id, "rate_limit": in.RateLimit})
	})
	api("GET /api/v1/flows", func(w http.ResponseWriter, _ *http.Request) {
		writeFlowJSON(w, http.StatusOK, map[string]any{"flows": []any{}})
	})
	api("POST /api/v1/flows", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.flowYAML, f.flowCT = string(b), r.Header.Get("Content-Type")
		writeFlowJSON(w, http.StatusCreated, map[string]any{"id": fakeFlowID, "enabled": false})
	})
	api("POST /api/v1/flows/{id}/enable", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		f.enabled[id] = true
		writeFlowJSON(w, http.StatusOK, map[string]any{"id": id, "enabled": true})
	})
	api("POST /api/v1/flows/{id}/disable", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		f.enabled[id] = false
		f.disabled++
		writeFlowJSON(w, http.StatusOK, map[string]any{"id": id, "enabled": false})
	})
	api("GET /api/v1/runs", f.listRuns)
	open("POST /sandbox/api/senders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PhoneNumberID      string `json:"phone_number_id"`
			DisplayPhoneNumber string `json:"display_phone_number"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if f.sandboxNum[in.PhoneNumberID] {
			writeFlowJSON(w, http.StatusConflict, map[string]string{"error": "exists"})
			return
		}
		if in.PhoneNumberID == "" || in.DisplayPhoneNumber == "" {
			writeFlowJSON(w, http.StatusBadRequest, map[string]string{"error": "bad"})
			return
		}
		f.sandboxNum[in.PhoneNumberID] = true
		writeFlowJSON(w, http.StatusCreated, map[string]string{"id": in.PhoneNumberID})
	})
	open("POST /sandbox/api/senders/{id}/throughput", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MPS int `json:"mps"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mps[r.PathValue("id")] = in.MPS
		writeFlowJSON(w, http.StatusOK, map[string]bool{"success": true})
	})
	open("GET /sandbox/api/sent", func(w http.ResponseWriter, _ *http.Request) {
		f.fullReads++
		writeFlowJSON(w, http.StatusOK, f.sent)
	})
	open("GET /sandbox/api/sent/count", func(w http.ResponseWriter, _ *http.Request) {
		if f.noCount {
			http.NotFound(w, nil)
			return
		}
		f.countReads++
		writeFlowJSON(w, http.StatusOK, map[string]int{"count": len(f.sent)})
	})
	open("POST /webhooks/whatsapp/1", f.webhook)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func writeFlowJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// registerSender is zapflow's POST /accounts/{id}/senders: it reads the
// number from the (sandbox) Graph API first, so it fails for a number the
// sandbox does not have.
func (f *fakeFlowServer) registerSender(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID string `json:"phone_number_id"`
		RateLimit     int    `json:"rate_limit"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	if !f.sandboxNum[in.PhoneNumberID] {
		writeFlowJSON(w, http.StatusBadGateway, map[string]string{"error": "graph: unknown phone number"})
		return
	}
	s := apiSender{ID: int64(len(f.senders) + 1), PhoneNumberID: in.PhoneNumberID, Status: "CONNECTED", Online: true, RateLimit: in.RateLimit}
	f.senders = append(f.senders, s)
	writeFlowJSON(w, http.StatusCreated, s)
}

func (f *fakeFlowServer) webhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(f.secret))
	mac.Write(body)
	if r.Header.Get("X-Hub-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		f.badSig++
		http.Error(w, `{"error":"invalid_signature"}`, http.StatusUnauthorized)
		return
	}
	var p struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Metadata struct {
						PhoneNumberID string `json:"phone_number_id"`
					} `json:"metadata"`
					Messages []struct {
						From string `json:"from"`
						Text struct {
							Body string `json:"body"`
						} `json:"text"`
					} `json:"messages"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &p); err != nil || len(p.Entry) != 1 || len(p.Entry[0].Changes) != 1 ||
		len(p.Entry[0].Changes[0].Value.Messages) != 1 {
		http.Error(w, `{"error":"malformed"}`, http.StatusBadRequest)
		return
	}
	v := p.Entry[0].Changes[0].Value
	from, phone := v.Messages[0].From, v.Metadata.PhoneNumberID
	f.webhooks++
	k := f.webhooks
	f.byPhone[phone]++
	f.customers[from] = true
	writeFlowJSON(w, http.StatusOK, map[string]int{"stored": 1})

	hits := func(every int) bool { return every > 0 && k%every == 0 }
	if hits(f.dropEvery) || !f.enabled[fakeFlowID] {
		return
	}
	run := map[string]any{"id": len(f.runs) + 1, "flow_id": fakeFlowID, "status": "completed",
		"trigger": map[string]any{"customer_phone": "+" + from, "message": v.Messages[0].Text.Body},
		"steps":   []map[string]string{{"status": "completed"}, {"status": "completed"}, {"status": "completed"}}}
	if hits(f.failEvery) {
		run["status"], run["error"] = "failed", map[string]string{"code": "template_paused"}
		f.runs = append(f.runs, run)
		return
	}
	if hits(f.wrongFrom) {
		phone = "100000000000099"
	}
	at := time.Now().Add(f.sendDelay)
	f.sent = append(f.sent, sandboxSent{PhoneNumberID: phone, WaID: from, Time: at})
	f.runs = append(f.runs, run)
	if hits(f.dupEvery) {
		f.sent = append(f.sent, sandboxSent{PhoneNumberID: phone, WaID: from, Time: at.Add(time.Millisecond)})
		dup := map[string]any{}
		for k, v := range run {
			dup[k] = v
		}
		dup["id"] = len(f.runs) + 1
		f.runs = append(f.runs, dup)
	}
}

// listRuns pages like zapflow: newest first, before=id, limit <= 200.
func (f *fakeFlowServer) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("flow_id") != strconv.Itoa(fakeFlowID) {
		writeFlowJSON(w, http.StatusOK, map[string]any{"runs": []any{}})
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	before, _ := strconv.Atoi(q.Get("before"))
	out := []map[string]any{}
	runs := append([]map[string]any(nil), f.runs...)
	sort.Slice(runs, func(i, j int) bool { return runs[i]["id"].(int) > runs[j]["id"].(int) })
	for _, run := range runs {
		if (before > 0 && run["id"].(int) >= before) || (q.Get("status") != "" && run["status"] != q.Get("status")) {
			continue
		}
		if out = append(out, run); len(out) == limit {
			break
		}
	}
	writeFlowJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// flowArgs is a fast, small `flows` command line against srv.
func flowArgs(srv *httptest.Server, extra ...string) []string {
	args := []string{"flows", "-url", srv.URL, "-key", "zf_test", "-secret", "sandbox-app-secret", "-n", "200", "-concurrency", "8", "-wait", "2s", "-json"}
	return append(args, extra...)
}

func decodeFlowsResult(t *testing.T, stdout string) flowsResult {
	t.Helper()
	var res flowsResult
	line := strings.TrimSpace(stdout)
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("stdout is not one JSON line: %v\n%s", err, line)
	}
	return res
}
