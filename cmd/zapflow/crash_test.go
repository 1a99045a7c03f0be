package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// The sandbox account a fresh database gets, and what Meta would put in its
// webhooks (see internal/sandbox). Its app secret is random per
// installation: sandboxSecret reads it.
const (
	sandboxAccountID = 1
	sandboxWABA      = "100000000000001"
)

// sandboxSecret is what `zapflow sandbox secret` prints for env's installation.
func sandboxSecret(t *testing.T, env map[string]string) string {
	t.Helper()
	code, out, errOut := runCmd(t, env, "sandbox", "secret")
	require.Equal(t, 0, code, errOut)
	return strings.TrimSpace(out)
}

var sandboxPhoneIDs = []string{"100000000000011", "100000000000012"}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// zapflowBinary builds this command once per test run (without -race: it is
// the product under test, not the test).
func zapflowBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "zapflow-crash-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "zapflow")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// proc is a zapflow process.
type proc struct {
	cmd            *exec.Cmd
	url            string
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when the process has exited
	err            error         // Wait's result, set before done closes
}

// startBinary starts `zapflow serve` with env (plus PATH and HOME) on a fresh
// port, unless env sets ZAPFLOW_ADDR, and waits until /healthz answers 200.
// The process is killed at the end of the test if it is still running.
func startBinary(t *testing.T, env map[string]string) *proc {
	t.Helper()
	addr := env["ZAPFLOW_ADDR"]
	if addr == "" {
		addr = freeAddr(t)
	}
	cmd := exec.Command(zapflowBinary(t), "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "ZAPFLOW_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, url: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("zapflow %d stdout:\n%s\nstderr:\n%s", cmd.Process.Pid, p.stdout, p.stderr)
		}
	})

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(processBound)
	for {
		resp, err := client.Get(p.url + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("zapflow exited before it was healthy: %v\nstdout:\n%s\nstderr:\n%s", p.err, p.stdout, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zapflow not healthy within the process bound (last error %v)\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// webhookBody is a Meta Cloud API "messages" notification carrying one text
// message n from one of 40 customers to one of the sandbox's two numbers.
// The same n always gives the same bytes, as a Meta retry would.
func webhookBody(n int, unix int64) []byte {
	phoneID := sandboxPhoneIDs[n%len(sandboxPhoneIDs)]
	waID := strconv.Itoa(5511900000000 + n%40)
	type obj = map[string]any
	body, err := json.Marshal(obj{
		"object": "whatsapp_business_account",
		"entry": []obj{{
			"id": sandboxWABA,
			"changes": []obj{{
				"field": "messages",
				"value": obj{
					"messaging_product": "whatsapp",
					"metadata":          obj{"display_phone_number": "551140000001", "phone_number_id": phoneID},
					"contacts":          []obj{{"profile": obj{"name": "Cliente " + strconv.Itoa(n%40)}, "wa_id": waID}},
					"messages": []obj{{
						"from":      waID,
						"id":        crashWAMID(n),
						"timestamp": strconv.FormatInt(unix, 10),
						"type":      "text",
						"text":      obj{"body": "Olá, pedido #" + strconv.Itoa(n)},
					}},
				},
			}},
		}},
	})
	if err != nil {
		panic(err)
	}
	return body
}

func crashWAMID(n int) string { return "wamid.crash-" + strconv.Itoa(n) }

// postWebhook sends message n signed with the sandbox secret. It returns the
// status code, or an error when no answer came (connection refused or cut).
func postWebhook(client *http.Client, baseURL, secret string, n int, unix int64) (int, []byte, error) {
	body := webhookBody(n, unix)
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/webhooks/whatsapp/%d", baseURL, sandboxAccountID), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(secret, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, nil
}

// TestCrashKeepsAcknowledgedMessages: a server killed with SIGKILL after it
// answered 200 still has every acknowledged message after a restart, stored
// and processed exactly once, and Meta's retries of the rest are absorbed.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	t.Parallel()
	zapflowBinary(t) // build before the clock of any subtest starts
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testCrash(t, d)
		})
	}
}

func testCrash(t *testing.T, d store.Dialect) {
	start := time.Now()
	dataDir := t.TempDir()
	env := map[string]string{
		"ZAPFLOW_DATA_DIR":  dataDir,
		"ZAPFLOW_LOG_LEVEL": "warn",
		"ZAPFLOW_SANDBOX":   "true",
		// No assistant replies: this test is about intake alone.
		"ZAPFLOW_SANDBOX_ASSISTANT": "false",
	}
	if d == store.Postgres {
		env["ZAPFLOW_DATABASE_URL"] = storetest.URL(t)
	}

	first := startBinary(t, env)
	t.Logf("first start healthy after %v", time.Since(start).Round(time.Millisecond))
	secret := sandboxSecret(t, env)

	// Fire signed webhooks from 16 goroutines until the kill.
	const workers = 16
	const killAfterAcks = 2000
	unix := time.Now().Unix()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	var (
		seq       atomic.Int64
		stop      atomic.Bool
		acks      atomic.Int64
		mu        sync.Mutex
		acked     = map[int]bool{}
		attempted = map[int]bool{}
		unexpect  []string // non-200 answers: there should be none
		connErrs  int
		wg        sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := int(seq.Add(1))
				code, body, err := postWebhook(client, first.url, secret, n, unix)
				mu.Lock()
				attempted[n] = true
				switch {
				case err != nil:
					connErrs++
				case code == http.StatusOK:
					acked[n] = true
					acks.Add(1)
				default:
					unexpect = append(unexpect, fmt.Sprintf("%s: %d %s", crashWAMID(n), code, body))
				}
				mu.Unlock()
			}
		}()
	}
	loadStart := time.Now()
	for time.Since(loadStart) < 1500*time.Millisecond && acks.Load() < killAfterAcks {
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, first.cmd.Process.Kill()) // SIGKILL, requests in flight
	killedAt := time.Now()
	select {
	case <-first.done:
	case <-time.After(10 * time.Second):
		t.Fatal("zapflow did not die of SIGKILL within 10s")
	}
	stop.Store(true)
	wg.Wait()
	var status syscall.WaitStatus
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		status = ws
	}
	require.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "first zapflow should have died of SIGKILL: %v", first.err)

	t.Logf("%s: %d acknowledged, %d attempted, %d connection errors, killed after %v",
		d, len(acked), len(attempted), connErrs, killedAt.Sub(loadStart).Round(time.Millisecond))
	require.Empty(t, unexpect, "every answer before the kill should be 200")
	require.NotEmpty(t, acked, "no webhook was acknowledged before the kill")

	// Restart on the same data and wait until the restarted server has
	// processed every acknowledged message it finds stored.
	second := startBinary(t, env)
	t.Logf("restarted and healthy after %v", time.Since(killedAt).Round(time.Millisecond))

	db, err := store.Open(context.Background(), env["ZAPFLOW_DATABASE_URL"], filepath.Join(dataDir, "zapflow.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	missing := waitForMessages(t, ctx, db, acked, 30*time.Second)
	require.Empty(t, missing, "acknowledged before the kill but not in messages 30s after the restart (showing up to 20)")
	t.Logf("every acknowledged message processed %v after the restart", time.Since(killedAt).Round(time.Millisecond))

	// Meta retries what it got no 200 for; a repeat of an acknowledged one
	// is a duplicate. Every attempted message then ends up stored once.
	retryClient := &http.Client{Timeout: 10 * time.Second}
	defer retryClient.CloseIdleConnections()
	var retried, dups int
	for n := range attempted {
		if acked[n] && retried >= 20 {
			continue
		}
		code, body, err := postWebhook(retryClient, second.url, secret, n, unix)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, "retry of %s: %s", crashWAMID(n), body)
		var res struct{ Stored, Duplicates int }
		require.NoError(t, json.Unmarshal(body, &res), "%s", body)
		require.Equal(t, 1, res.Stored+res.Duplicates, "%s", body)
		if acked[n] {
			require.Equal(t, 1, res.Duplicates, "retry of acknowledged %s: %s", crashWAMID(n), body)
		}
		retried++
		dups += res.Duplicates
	}
	t.Logf("retried %d after the restart (%d of them were already stored)", retried, dups)
	missing = waitForMessages(t, ctx, db, attempted, 15*time.Second)
	require.Empty(t, missing, "retried after the restart but not in messages")

	// A graceful stop of the restarted server.
	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-second.done:
		require.NoError(t, second.err, "zapflow should exit 0 on SIGTERM\nstderr:\n%s", second.stderr)
	case <-time.After(processBound):
		t.Fatal("zapflow did not exit within the process bound of SIGTERM")
	}

	// Exactly once: one stored event and one message per wamid.
	events := countBy(t, ctx, db, `SELECT dedupe_key, COUNT(*) FROM inbound_events WHERE account_id = ? GROUP BY dedupe_key`, sandboxAccountID)
	messages := countBy(t, ctx, db, `SELECT wamid, COUNT(*) FROM messages WHERE direction = 'in' GROUP BY wamid`)
	for n := range attempted {
		w := crashWAMID(n)
		require.Equal(t, 1, events["m:"+w], "inbound_events rows for %s", w)
		require.Equal(t, 1, messages[w], "messages rows for %s", w)
	}
	dupMessages := countBy(t, ctx, db, `SELECT wamid, COUNT(*) FROM messages WHERE wamid IS NOT NULL GROUP BY wamid HAVING COUNT(*) > 1`)
	require.Empty(t, dupMessages, "wamids stored more than once in messages")
	var pending, failed int
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0`).Scan(&pending))
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`).Scan(&failed))
	require.Zero(t, pending, "events left unprocessed")
	require.Zero(t, failed, "events that failed to apply")
	require.Len(t, messages, len(attempted), "no message the test did not send")
	t.Logf("%s: %d acknowledged before SIGKILL, %d stored in all; test took %v",
		d, len(acked), len(messages), time.Since(start).Round(time.Millisecond))
}

// waitForMessages polls until every wamid of want is in messages or the
// timeout passes, and returns (up to 20 of) the missing ones.
func waitForMessages(t *testing.T, ctx context.Context, db store.DB, want map[int]bool, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		have := countBy(t, ctx, db, `SELECT wamid, COUNT(*) FROM messages WHERE direction = 'in' GROUP BY wamid`)
		var missing []string
		for n := range want {
			if have[crashWAMID(n)] == 0 {
				missing = append(missing, crashWAMID(n))
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			sort.Strings(missing)
			return missing[:min(len(missing), 20)]
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countBy runs a "SELECT key, COUNT(*) … GROUP BY key" query.
func countBy(t *testing.T, ctx context.Context, db store.DB, query string, args ...any) map[string]int {
	t.Helper()
	rows, err := db.Read().Query(ctx, query, args...)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k *string
		var n int
		require.NoError(t, rows.Scan(&k, &n))
		key := "<NULL>"
		if k != nil {
			key = *k
		}
		out[key] = n
	}
	require.NoError(t, rows.Err())
	return out
}
