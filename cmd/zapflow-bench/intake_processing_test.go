package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The processing figures come from the server's /metrics: both results
// of the processed counter add up, and the pending gauge is read as is.
func TestEventCounters(t *testing.T) {
	pending := 7
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/metrics", r.URL.Path)
		_, _ = w.Write([]byte("# HELP zapflow_events_pending Stored webhook events not yet processed.\n" +
			"# TYPE zapflow_events_pending gauge\n" +
			"zapflow_events_pending " + string(rune('0'+pending)) + "\n" +
			"zapflow_events_processed_total{result=\"error\"} 3\n" +
			"zapflow_events_processed_total{result=\"ok\"} 1.5e+06\n" +
			"zapflow_events_stored_total 9\n"))
		pending = 0
	}))
	defer srv.Close()
	ctx := context.Background()
	processed, p, ok := eventCounters(ctx, srv.Client(), srv.URL+"/webhooks/whatsapp/1")
	require.True(t, ok)
	require.Equal(t, int64(1_500_003), processed)
	require.Equal(t, int64(7), p)
	require.GreaterOrEqual(t, waitDrained(ctx, srv.Client(), srv.URL+"/webhooks/whatsapp/1", 10*time.Second), 0.0, "the next scrape says 0")

	none := httptest.NewServer(http.NotFoundHandler())
	defer none.Close()
	_, _, ok = eventCounters(ctx, none.Client(), none.URL+"/webhooks/whatsapp/1")
	require.False(t, ok, "no metrics: no processing figures")
}

// The writer's figures come from the growth of its busy counter between
// two scrapes, in all and by work; a server without the counter
// (PostgreSQL) gives none.
func TestWriterWindow(t *testing.T) {
	scrapes := []string{
		"zapflow_db_writer_busy_seconds_total{work=\"webhooks\"} 1\nzapflow_db_writer_busy_seconds_total{work=\"sends\"} 0.25\n",
		"zapflow_db_writer_busy_seconds_total{work=\"webhooks\"} 3\nzapflow_db_writer_busy_seconds_total{work=\"sends\"} 0.75\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("# TYPE zapflow_db_writer_busy_seconds_total counter\n" + scrapes[0]))
		scrapes = scrapes[1:]
	}))
	defer srv.Close()
	ctx := context.Background()
	win := startWriterWindow(ctx, srv.Client(), srv.URL+"/webhooks/whatsapp/1")
	st := win.stop(ctx, 10_000)
	require.NotNil(t, st)
	require.InDelta(t, 250, st.UsPer, 1e-9, "2.5 s held over 10,000 messages")
	require.Len(t, st.ByWork, 2)
	require.InDelta(t, 4, st.ByWork["webhooks"]/st.ByWork["sends"], 1e-9, "2 s of webhooks against 0.5 s of sends")
	require.InDelta(t, st.BusyPct, st.ByWork["webhooks"]+st.ByWork["sends"], 1e-9)

	pg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("zapflow_events_pending 0\n"))
	}))
	defer pg.Close()
	require.Nil(t, startWriterWindow(ctx, pg.Client(), pg.URL+"/x").stop(ctx, 10), "no single writer, no figure")
}

// The report names the works that filled the writer, the largest first.
func TestWriterStatsString(t *testing.T) {
	st := &writerStats{BusyPct: 96, ByWork: map[string]float64{"sends": 20, "webhooks": 70, "search": 5.6, "log": 0.2}}
	require.Equal(t, "96% (webhooks 70%, sends 20%, search 6%)", st.String())
}
