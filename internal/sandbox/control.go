package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// controlRoutes registers the simulator's own JSON API under /sandbox/api/.
// It has no auth on purpose: it drives a simulator (play the customer,
// inject failures), never a real account. guardControl keeps it to JSON
// from loopback (or the configured address), never a browser page.
func (s *Sandbox) controlRoutes(root *http.ServeMux) {
	const p = "/sandbox/api/"
	mux := http.NewServeMux()
	root.Handle(p, s.guardControl(mux))
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such sandbox route: " + r.Method + " " + r.URL.Path})
	})
	mux.HandleFunc("POST "+p+"customers/messages", s.handleCustomerMessage)
	mux.HandleFunc("POST "+p+"customers/preferences", s.handleCustomerPreference) // customer_preference.go
	mux.HandleFunc("POST "+p+"senders", s.handleAddSender)                        // control_senders.go
	mux.HandleFunc("GET "+p+"sent/count", s.handleSentCount)                      // control_senders.go
	mux.HandleFunc("POST "+p+"senders/{id}/status", s.handleSenderStatus)
	mux.HandleFunc("POST "+p+"senders/{id}/quality", s.handleSenderQuality)
	mux.HandleFunc("POST "+p+"senders/{id}/fail", s.handleSenderFail)
	mux.HandleFunc("POST "+p+"senders/{id}/throughput", s.handleSenderThroughput)
	mux.HandleFunc("POST "+p+"templates/status", s.handleTemplateStatus)
	mux.HandleFunc("POST "+p+"not-on-whatsapp", s.handleNotOnWhatsApp)
	mux.HandleFunc("POST "+p+"webhooks/duplicate", s.handleDuplicate)
	mux.HandleFunc("GET "+p+"sent", func(w http.ResponseWriter, _ *http.Request) { writeJSONList(w, s.Sent()) })
	mux.HandleFunc("GET "+p+"received", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Received()) })
	mux.HandleFunc("GET "+p+"senders", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Senders()) })
	mux.HandleFunc("GET "+p+"templates", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Templates()) })
}

// decodeControl reads a small JSON body into v, answering 400 itself on error.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

// controlResult answers {"success":true} or the error with 404 for unknown
// objects and 400 for anything else.
func controlResult(w http.ResponseWriter, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	status := http.StatusBadRequest
	if errors.Is(err, ErrUnknownSender) || errors.Is(err, ErrUnknownTemplate) {
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func (s *Sandbox) handleCustomerMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From string `json:"from"`
		Name string `json:"name"`
		To   string `json:"to"`
		Text string `json:"text"`
		customerRich
	}
	if !decodeControl(w, r, &in) {
		return
	}
	wamid, err := s.sendCustomerRich(in.To, in.From, in.Name, in.Text, in.customerRich)
	if err != nil {
		controlResult(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"wamid": wamid})
}

func (s *Sandbox) handleSenderStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if decodeControl(w, r, &in) {
		controlResult(w, s.setSenderStatus(r.PathValue("id"), in.Status))
	}
}

func (s *Sandbox) handleSenderQuality(w http.ResponseWriter, r *http.Request) {
	var in struct {
		QualityRating string `json:"quality_rating"`
	}
	if decodeControl(w, r, &in) {
		controlResult(w, s.setQuality(r.PathValue("id"), in.QualityRating))
	}
}

func (s *Sandbox) handleSenderFail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count *int `json:"count"`
		Code  *int `json:"code"`
	}
	if !decodeControl(w, r, &in) {
		return
	}
	if in.Code == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "code is required"})
		return
	}
	n := 1
	if in.Count != nil {
		n = *in.Count
	}
	controlResult(w, s.failNext(r.PathValue("id"), n, *in.Code))
}

func (s *Sandbox) handleSenderThroughput(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MPS int `json:"mps"`
	}
	if decodeControl(w, r, &in) {
		controlResult(w, s.setThroughput(r.PathValue("id"), in.MPS))
	}
}

func (s *Sandbox) handleTemplateStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Language string `json:"language"`
		Status   string `json:"status"`
	}
	if decodeControl(w, r, &in) {
		controlResult(w, s.setTemplateStatus(in.Name, in.Language, in.Status))
	}
}

func (s *Sandbox) handleNotOnWhatsApp(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Phone string `json:"phone"`
	}
	if decodeControl(w, r, &in) {
		controlResult(w, s.setNotOnWhatsApp(in.Phone))
	}
}

func (s *Sandbox) handleDuplicate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count int `json:"count"`
	}
	if decodeControl(w, r, &in) {
		s.DuplicateNextWebhooks(in.Count)
		controlResult(w, nil)
	}
}
