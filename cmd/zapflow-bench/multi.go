package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Several instances (make bench-multi): `zapflow-bench send -also URL,…`
// POSTs round-robin to the -url server and the others, all on one
// PostgreSQL database and one shared sandbox (the -url server's, which
// every instance sends to: ZAPFLOW_SANDBOX_GRAPH_URL), so the sandbox's
// timestamps and its 130429 count cover every instance's sends. With
// -kill-db, once the sandbox has sent -kill-at of the run, the instance
// holding the first sender's lease (its pid is in sender_leases.holder)
// is SIGKILLed, and the run shows whether the others finish every
// message exactly once.

// sandboxCounts is GET /sandbox/api/sent/count.
type sandboxCounts struct {
	Count     int `json:"count"`
	Throttled int `json:"throttled"`
}

// baseURLs are the round-robin targets: -url and the -also servers, or
// (-post-url=false) the -also servers only, so the instance hosting the
// sandbox takes no part in queueing (the failover run kills another).
func (cfg *sendConfig) baseURLs() []string {
	if cfg.SkipURL && len(cfg.Also) > 0 {
		return cfg.Also
	}
	return append([]string{cfg.URL}, cfg.Also...)
}

// killHolder SIGKILLs the process holding sender senderID's lease, read
// from sender_leases in the database at dbURL, and returns its pid.
func killHolder(ctx context.Context, dbURL string, senderID int64, spare int) (int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var holder string
	if err := conn.QueryRow(ctx, `SELECT holder FROM sender_leases WHERE sender_id = $1`, senderID).Scan(&holder); err != nil {
		return 0, fmt.Errorf("lease of sender %d: %w", senderID, err)
	}
	if spare > 0 && strings.Contains(holder, "/"+strconv.Itoa(spare)+"/") {
		return 0, fmt.Errorf("the lease holder %q is the instance hosting the sandbox; not killing it", holder)
	}
	parts := strings.Split(holder, "/") // host/pid/random (messaging.newHolderID)
	if len(parts) < 3 {
		return 0, fmt.Errorf("unexpected lease holder %q", holder)
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("no pid in lease holder %q", holder)
	}
	return pid, syscall.Kill(pid, syscall.SIGKILL)
}

// killWhenDue SIGKILLs the lease holder once the sandbox has sent at
// least at sends, and reports what it did in res.
func killWhenDue(ctx context.Context, c *apiClient, cfg *sendConfig, senderID int64, at int, res *sendResult) {
	for ctx.Err() == nil {
		var n sandboxCounts
		if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &n, http.StatusOK); err == nil && n.Count-res.sandboxBefore.Count >= at {
			pid, err := killHolder(ctx, cfg.KillDB, senderID, cfg.SparePID)
			if err != nil {
				res.Killed = "kill failed: " + err.Error()
				return
			}
			res.KilledPID, res.KilledAt, res.KilledAfter = pid, time.Now(), n.Count-res.sandboxBefore.Count
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}
