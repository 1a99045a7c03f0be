package web

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// serveWith runs NewServer(h, t) on a loopback port until the test ends.
func serveWith(t *testing.T, h http.Handler, to Timeouts) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(h, to)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// readAllHandler answers 200 with the body's length, or 400 when the body
// could not be read.
var readAllHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = io.WriteString(w, strconv.Itoa(len(b)))
})

// A client that sends its headers and then trickles the body one byte at
// a time is cut off once the body deadline passes, long before it could
// finish (the timeout counts from the request's first byte).
func TestTricklingBodyIsCutOff(t *testing.T) {
	t.Parallel()
	addr := serveWith(t, readAllHandler, Timeouts{ReadHeader: 5 * time.Second, Read: 200 * time.Millisecond, Idle: 5 * time.Second})
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	const size = 1000 // at one byte per 20 ms: 20 s to send it all
	_, err = io.WriteString(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n")
	require.NoError(t, err)

	answered := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(conn).ReadString('\n')
		answered <- line // a status line, or "" when the connection was closed
	}()
	sent := 0
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for sent < size {
		select {
		case line := <-answered:
			require.NotContains(t, line, " 200 ", "the trickled body must not be accepted")
			require.Less(t, sent, size)
			return
		case <-tick.C:
			if _, err := conn.Write([]byte{'x'}); err != nil {
				return // the server closed the connection
			}
			sent++
		}
	}
	t.Fatalf("the server read a %d-byte body trickled over %d writes without cutting it off", size, sent)
}

// The read deadline ends with the body: a handler that runs longer than
// it afterwards (a slow AI call, a send that waits) keeps its context, as
// does a request without a body (an event stream). A net/http that kept
// the read deadline while watching for the client going away would cancel
// both.
func TestBodyDeadlineDoesNotCutSlowHandlers(t *testing.T) {
	t.Parallel()
	const body = 100 * time.Millisecond
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "context cancelled", http.StatusServiceUnavailable)
		case <-time.After(4 * body):
			_, _ = io.WriteString(w, "ok "+strconv.Itoa(len(b)))
		}
	})
	addr := serveWith(t, slow, Timeouts{ReadHeader: 5 * time.Second, Read: body, Idle: 5 * time.Second})
	client := &http.Client{Timeout: 30 * time.Second}
	for _, c := range []struct {
		method, body, want string
	}{
		{http.MethodPost, `{"a":1}`, "ok 7"},
		{http.MethodGet, "", "ok 0"},
		{http.MethodPost, `{"b":2}`, "ok 7"}, // same keep-alive connection
	} {
		var rd io.Reader
		if c.body != "" {
			rd = strings.NewReader(c.body)
		}
		req, err := http.NewRequest(c.method, "http://"+addr+"/", rd)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", c.method, got)
		require.Equal(t, c.want, string(got))
	}
}
