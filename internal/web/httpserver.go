package web

import (
	"net/http"
	"time"
)

// Timeouts bound how long a client may take to send a request. There is
// deliberately no write timeout: the inbox's event streams stay open for
// hours, so a handler that needs a write deadline sets its own through
// http.ResponseController.
type Timeouts struct {
	ReadHeader time.Duration // request line and headers
	Read       time.Duration // the whole request, headers and body
	Idle       time.Duration // a keep-alive connection between requests
}

// DefaultTimeouts fit API and webhook bodies of at most a few MiB on a slow
// mobile link, and drop a client that trickles them.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 60 * time.Second, Idle: 120 * time.Second}
}

// NewServer is the http.Server for h with t's limits.
//
// ReadTimeout cuts off a client that sends its body one byte every few
// seconds. It does not cut a handler that runs longer (a slow AI call, a
// send that waits, an event stream): net/http lifts the connection's read
// deadline once the body has been read, before it watches the connection
// for the client going away (TestBodyDeadlineDoesNotCutSlowHandlers holds
// this against a future Go).
func NewServer(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, IdleTimeout: t.Idle}
}
