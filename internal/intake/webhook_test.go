package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// The sandbox account's well-known values (see apptest.Start); its secrets
// are random per installation (appSecret(env), verifyToken(env)).
const (
	accountID = 1
	wabaID    = "100000000000001"
	senderA   = "100000000000011"
	senderB   = "100000000000012"
)

// appSecret is what env's sandbox signs its webhooks with.
func appSecret(env *apptest.Env) string { return env.App.Sandbox.Config().AppSecret }

// verifyToken is env's sandbox account's verify token.
func verifyToken(env *apptest.Env) string { return env.App.Sandbox.Config().VerifyToken }

// each runs fn once per dialect, in parallel, on a fresh zapflow.
func each(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Helper()
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, d)
			// Runs before the app stops: a keep-alive connection the client
			// dialed but never used would hold the server's graceful
			// shutdown for 5 s (net/http treats it as active until then).
			t.Cleanup(http.DefaultClient.CloseIdleConnections)
			fn(t, env)
		})
	}
}

// inMsg is one inbound text message of a payload.
type inMsg struct {
	from, id, body string
	noID           bool // leave "id" out (a malformed message)
}

// change is one entry[].changes[] item.
type change map[string]any

// messagesChange is a "messages" change of sender phoneID carrying msgs.
func messagesChange(phoneID string, msgs ...inMsg) change {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	contacts := []any{}
	messages := []any{}
	seen := map[string]bool{}
	for _, m := range msgs {
		if !seen[m.from] {
			seen[m.from] = true
			contacts = append(contacts, map[string]any{"profile": map[string]any{"name": "Cliente " + m.from[len(m.from)-4:]}, "wa_id": m.from})
		}
		wm := map[string]any{"from": m.from, "timestamp": now, "type": "text", "text": map[string]any{"body": m.body}}
		if !m.noID {
			wm["id"] = m.id
		}
		messages = append(messages, wm)
	}
	return change{"field": "messages", "value": map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "551140000001", "phone_number_id": phoneID},
		"contacts":          contacts,
		"messages":          messages,
	}}
}

// statusesChange is a "messages" change carrying one status of an outbound message.
func statusesChange(phoneID, wamid, status, recipient string) change {
	return change{"field": "messages", "value": map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "551140000001", "phone_number_id": phoneID},
		"statuses": []any{map[string]any{
			"id": wamid, "status": status, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "recipient_id": recipient,
		}},
	}}
}

// entry is one entry[] item of the WABA; time is left out when zero.
func entry(at int64, changes ...change) map[string]any {
	e := map[string]any{"id": wabaID, "changes": changes}
	if at != 0 {
		e["time"] = at
	}
	return e
}

// payload builds a whole webhook body.
func payload(t *testing.T, entries ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": entries})
	require.NoError(t, err)
	return b
}

// textPayload is a body with one text message to sender A.
func textPayload(t *testing.T, from, id, body string) []byte {
	return payload(t, entry(0, messagesChange(senderA, inMsg{from: from, id: id, body: body})))
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func decodeError(t *testing.T, body string) apiError {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal([]byte(body), &e), "body: %s", body)
	return e
}

// requireError asserts an error answer's status and code.
func requireError(t *testing.T, wantStatus int, wantCode string, status int, body string) apiError {
	t.Helper()
	require.Equal(t, wantStatus, status, "body: %s", body)
	e := decodeError(t, body)
	require.Equal(t, wantCode, e.Error.Code, "body: %s", body)
	require.NotEmpty(t, e.Error.Message)
	return e
}

type postResult struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
}

// postOK posts a signed body and requires a 200.
func postOK(t *testing.T, env *apptest.Env, body []byte) postResult {
	t.Helper()
	status, raw := env.PostWebhook(accountID, appSecret(env), body)
	require.Equal(t, http.StatusOK, status, "body: %s", raw)
	var res postResult
	require.NoError(t, json.Unmarshal([]byte(raw), &res), raw)
	return res
}

// rawPost posts body to path with the given signature header ("" = none).
// It returns errors instead of failing, so goroutines can use it.
func rawPost(base, path string, body []byte, sig string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(whatsapp.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

func get(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// waid returns a distinct Brazilian mobile wa_id for n.
func waid(n int) string { return fmt.Sprintf("55119%08d", n) }

func counts(env *apptest.Env) (events, messages int) {
	return env.Count(`SELECT COUNT(*) FROM inbound_events`), env.Count(`SELECT COUNT(*) FROM messages`)
}

func TestWebhookVerify(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		verify := func(account, token string) (int, string) {
			q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"123"}}
			return get(t, env.URL+"/webhooks/whatsapp/"+account+"?"+q.Encode())
		}
		status, body := verify("1", verifyToken(env))
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "123", body)

		status, body = verify("1", "wrong-token")
		requireError(t, http.StatusForbidden, "verify_token_mismatch", status, body)
		require.NotContains(t, body, "123")
		require.NotContains(t, body, verifyToken(env))

		// The right token with another mode is no subscription either.
		status, body = get(t, env.URL+"/webhooks/whatsapp/1?hub.mode=unsubscribe&hub.verify_token="+verifyToken(env)+"&hub.challenge=123")
		requireError(t, http.StatusForbidden, "verify_token_mismatch", status, body)

		status, body = verify("999", verifyToken(env))
		requireError(t, http.StatusNotFound, "unknown_account", status, body)
		status, body = verify("abc", verifyToken(env))
		requireError(t, http.StatusNotFound, "unknown_account", status, body)

		// POST to an unknown account is refused the same way.
		body2 := textPayload(t, waid(1), "wamid.UNKNOWNACC", "oi")
		status, body = env.PostWebhook(999, appSecret(env), body2)
		requireError(t, http.StatusNotFound, "unknown_account", status, body)
	})
}

func TestWebhookRejectsBadSignature(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		body := textPayload(t, waid(1), "wamid.SIG1", "oi")

		// Signed with another app's secret.
		status, raw := env.PostWebhook(accountID, "another-app-secret", body)
		requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)

		// No signature header at all.
		status, raw = env.PostWebhook(accountID, "", body)
		requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)

		// Signed correctly, then altered in transit (same length).
		sig := whatsapp.Sign(appSecret(env), body)
		altered := bytes.Replace(body, []byte(`"oi"`), []byte(`"io"`), 1)
		require.NotEqual(t, body, altered)
		status, raw, err := rawPost(env.URL, "/webhooks/whatsapp/1", altered, sig)
		require.NoError(t, err)
		requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)

		// Garbage and prefix-less headers.
		for _, bad := range []string{"sha256=", "sha256=zz", strings.TrimPrefix(sig, "sha256="), "sha1=" + strings.TrimPrefix(sig, "sha256=")} {
			status, raw, err = rawPost(env.URL, "/webhooks/whatsapp/1", body, bad)
			require.NoError(t, err)
			requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)
		}
		// The signature check runs before the parser: a malformed body
		// with a bad signature is a signature failure, not a 400.
		status, raw = env.PostWebhook(accountID, "another-app-secret", []byte(`{not json`))
		requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)

		time.Sleep(100 * time.Millisecond)
		events, messages := counts(env)
		require.Zero(t, events)
		require.Zero(t, messages)

		// The untouched body with its signature is accepted.
		status, raw, err = rawPost(env.URL, "/webhooks/whatsapp/1", body, sig)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, raw)
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?`, "wamid.SIG1") == 1 },
			"the correctly signed message is stored")
	})
}

func TestWebhookRejectsMalformed(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		cases := []struct {
			name  string
			body  []byte
			where string // must appear in the message
		}{
			{"not JSON", []byte(`{"object": "whatsapp_business_account", "entry": [`), "body"},
			{"wrong object", []byte(`{"object":"page","entry":[{"id":"1","changes":[]}]}`), "object"},
			{"missing entry", []byte(`{"object":"whatsapp_business_account"}`), `"entry"`},
			{"message without id", payload(t,
				entry(0, messagesChange(senderA, inMsg{from: waid(1), id: "wamid.OK1", body: "a"})),
				entry(0, messagesChange(senderA,
					inMsg{from: waid(2), id: "wamid.OK2", body: "b"},
					inMsg{from: waid(3), body: "c", noID: true}))),
				`entry[1].changes[0].value.messages[1]: missing "id"`},
		}
		for _, c := range cases {
			status, raw := env.PostWebhook(accountID, appSecret(env), c.body)
			e := requireError(t, http.StatusBadRequest, "malformed_payload", status, raw)
			require.Contains(t, e.Error.Message, c.where, c.name)
		}
		time.Sleep(100 * time.Millisecond)
		events, messages := counts(env)
		require.Zero(t, events)
		require.Zero(t, messages)
	})
}

func TestWebhookBodyTooLarge(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		// A valid payload padded with whitespace to one byte past Meta's
		// 3 MiB ceiling. (Exactly one: the server stops reading there, and a
		// client still writing a bigger body would hold the connection
		// open and slow the server's shutdown.)
		body := textPayload(t, waid(1), "wamid.BIG", "oi")
		body = append(body, bytes.Repeat([]byte(" "), 3<<20+1-len(body))...)
		status, raw := env.PostWebhook(accountID, appSecret(env), body)
		requireError(t, http.StatusRequestEntityTooLarge, "body_too_large", status, raw)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events`))

		// Exactly 3 MiB is within the limit: it gets as far as the
		// signature check.
		body = body[:3<<20]
		status, raw = env.PostWebhook(accountID, "forged", body)
		requireError(t, http.StatusUnauthorized, "invalid_signature", status, raw)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events`))
	})
}

func TestWebhookDuplicates(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		body := textPayload(t, waid(1), "wamid.DUP1", "primeira")
		first := postOK(t, env, body)
		require.Equal(t, postResult{Stored: 1}, first)
		second := postOK(t, env, body)
		require.Equal(t, postResult{Stored: 0, Duplicates: 1}, second)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE dedupe_key = ?`, "m:wamid.DUP1"))

		// Ten concurrent deliveries of another body: one stores, nine are duplicates.
		body = textPayload(t, waid(2), "wamid.DUP2", "segunda")
		sig := whatsapp.Sign(appSecret(env), body)
		const n = 10
		var wg sync.WaitGroup
		results := make([]postResult, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				status, raw, err := rawPost(env.URL, "/webhooks/whatsapp/1", body, sig)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d: %s", status, raw)
				}
				if err == nil {
					err = json.Unmarshal([]byte(raw), &results[i])
				}
				errs[i] = err
			})
		}
		wg.Wait()
		var total postResult
		for i := range n {
			require.NoError(t, errs[i], "request %d", i)
			total.Stored += results[i].Stored
			total.Duplicates += results[i].Duplicates
		}
		require.Equal(t, postResult{Stored: 1, Duplicates: n - 1}, total)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE dedupe_key = ?`, "m:wamid.DUP2"))
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM inbound_events`))

		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0`) == 0 &&
				env.Count(`SELECT COUNT(*) FROM messages`) == 2
		}, "both messages processed")
		// After processing, more redeliveries change nothing.
		require.Equal(t, postResult{Duplicates: 1}, postOK(t, env, body))
		time.Sleep(100 * time.Millisecond)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?`, "wamid.DUP1"))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?`, "wamid.DUP2"))
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM messages`))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`))
	})
}

// batch builds a payload of 300 messages over 3 entries × 2 changes × 50
// messages, to both senders from 40 customers each; with broken set, one
// message in the middle has no id.
func batch(t *testing.T, prefix string, broken bool) []byte {
	var entries []map[string]any
	k := 0
	for e := range 3 {
		var changes []change
		for c := range 2 {
			sender, base := senderA, 0
			if c == 1 {
				// Other customers: see TestWebhookCustomerWritesToBothSenders.
				sender, base = senderB, 100
			}
			var msgs []inMsg
			for range 50 {
				msgs = append(msgs, inMsg{from: waid(base + k%40), id: fmt.Sprintf("wamid.%s%03d", prefix, k), body: fmt.Sprintf("mensagem %d", k)})
				k++
			}
			if broken && e == 1 && c == 0 {
				msgs = append(msgs[:25], append([]inMsg{{from: waid(7), body: "sem id", noID: true}}, msgs[25:]...)...)
			}
			changes = append(changes, messagesChange(sender, msgs...))
		}
		entries = append(entries, entry(0, changes...))
	}
	return payload(t, entries...)
}

func TestWebhookBatchAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		broken := batch(t, "B", true)
		status, raw := env.PostWebhook(accountID, appSecret(env), broken)
		e := requireError(t, http.StatusBadRequest, "malformed_payload", status, raw)
		require.Contains(t, e.Error.Message, `entry[1].changes[0].value.messages[25]: missing "id"`)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events`))

		res := postOK(t, env, batch(t, "B", false))
		require.Equal(t, postResult{Stored: 300}, res)
		require.Equal(t, 300, env.Count(`SELECT COUNT(*) FROM inbound_events`))
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages`) == 300 }, "300 messages processed")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0 OR last_error <> ''`))
		// 40 customers wrote to each of the two senders.
		require.Equal(t, 80, env.Count(`SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 80, env.Count(`SELECT COUNT(*) FROM conversations`))

		// The broken batch again (now all duplicates but one) still stores nothing.
		status, raw = env.PostWebhook(accountID, appSecret(env), broken)
		requireError(t, http.StatusBadRequest, "malformed_payload", status, raw)
		// And a broken batch of new ids neither.
		status, raw = env.PostWebhook(accountID, appSecret(env), batch(t, "C", true))
		requireError(t, http.StatusBadRequest, "malformed_payload", status, raw)
		time.Sleep(100 * time.Millisecond)
		require.Equal(t, 300, env.Count(`SELECT COUNT(*) FROM inbound_events`))
		require.Equal(t, 300, env.Count(`SELECT COUNT(*) FROM messages`))
	})
}

// TestWebhookCustomerWritesToBothSenders: the same customers writing to
// both numbers of the account (a sales and a support line) in one burst.
// A customer's events share one partition whichever number they came
// through, so on PostgreSQL no two lanes update one contact at once (they
// used to, and deadlocked), and every message is stored.
func TestWebhookCustomerWritesToBothSenders(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		// 20 customers write 2 messages to each sender, in opposite orders.
		var toA, toB []inMsg
		for k := range 40 {
			toA = append(toA, inMsg{from: waid(k % 20), id: fmt.Sprintf("wamid.SA%02d", k), body: "para a loja"})
			toB = append(toB, inMsg{from: waid(19 - k%20), id: fmt.Sprintf("wamid.SB%02d", k), body: "para o suporte"})
		}
		body := payload(t, entry(0, messagesChange(senderA, toA...), messagesChange(senderB, toB...)))
		require.Equal(t, postResult{Stored: 80}, postOK(t, env, body))
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0`) == 0 },
			"all events processed")
		var failed []string
		rows, err := env.App.DB.Read().Query(context.Background(), `SELECT dedupe_key, last_error FROM inbound_events WHERE last_error <> '' ORDER BY id`)
		require.NoError(t, err)
		for rows.Next() {
			var k, e string
			require.NoError(t, rows.Scan(&k, &e))
			failed = append(failed, k+": "+e)
		}
		rows.Close()
		require.Empty(t, failed, "events that failed to apply (their messages are lost)")
		require.Equal(t, 80, env.Count(`SELECT COUNT(*) FROM messages`))
		require.Equal(t, 20, env.Count(`SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 40, env.Count(`SELECT COUNT(*) FROM conversations`))
	})
}

type template struct {
	ID           int64    `json:"id"`
	MetaID       string   `json:"meta_id"`
	Name         string   `json:"name"`
	Language     string   `json:"language"`
	Status       string   `json:"status"`
	Placeholders []string `json:"placeholders"`
}

func templates(t *testing.T, env *apptest.Env, query string) []template {
	t.Helper()
	var out struct {
		Templates []template `json:"templates"`
	}
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/templates"+query, nil, &out))
	return out.Templates
}

func TestWebhookStatusesAndTemplateStatus(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		// A status for a message we have no record of (yet) waits.
		res := postOK(t, env, payload(t, entry(0, statusesChange(senderA, "wamid.OUT1", "delivered", waid(1)))))
		require.Equal(t, postResult{Stored: 1}, res)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM pending_statuses WHERE wamid = ? AND status = ?`, "wamid.OUT1", "delivered") == 1
		}, "the status waits in pending_statuses")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`))

		// Template status: wait for the initial sync, then pause one.
		env.Eventually(func() bool { return len(templates(t, env, "")) > 0 }, "initial template sync")
		list := templates(t, env, "?name=appointment_confirmation")
		require.Len(t, list, 1)
		tpl := list[0]
		require.Equal(t, "APPROVED", tpl.Status)
		require.NotEmpty(t, tpl.MetaID)
		metaID, err := strconv.ParseInt(tpl.MetaID, 10, 64)
		require.NoError(t, err)

		body := payload(t, entry(time.Now().Unix(), change{"field": "message_template_status_update", "value": map[string]any{
			"event": "PAUSED", "message_template_id": metaID, "message_template_name": "appointment_confirmation",
			"message_template_language": "pt_BR", "reason": "LOW_QUALITY",
		}}))
		require.Equal(t, postResult{Stored: 1}, postOK(t, env, body))
		env.Eventually(func() bool {
			l := templates(t, env, "?name=appointment_confirmation")
			return len(l) == 1 && l[0].Status == "PAUSED"
		}, "the template becomes PAUSED")
		other := templates(t, env, "?name=order_confirmation")
		require.Len(t, other, 1)
		require.Equal(t, "APPROVED", other[0].Status, "only the named template changed")
	})
}

type conversation struct {
	ID           int64  `json:"id"`
	ContactPhone string `json:"contact_phone"`
	ContactName  string `json:"contact_name"`
	WindowOpen   bool   `json:"window_open"`
	Messages     []struct {
		Direction string `json:"direction"`
		WAMID     string `json:"wamid"`
		Type      string `json:"type"`
		Summary   string `json:"summary"`
		Status    string `json:"status"`
	} `json:"messages"`
}

func TestWebhookFromSandbox(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		require.NotNil(t, env.App.Sandbox)
		wamid, err := env.App.Sandbox.CustomerWrites(senderA, "+5511988887777", "Ana", "Olá")
		require.NoError(t, err)

		var page struct {
			Conversations []conversation `json:"conversations"`
		}
		env.Eventually(func() bool {
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations", nil, &page))
			return len(page.Conversations) == 1
		}, "the sandbox's webhook becomes a conversation")
		c := page.Conversations[0]
		require.Equal(t, "+5511988887777", c.ContactPhone)
		require.Equal(t, "Ana", c.ContactName)
		require.True(t, c.WindowOpen)

		var full conversation
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations/"+strconv.FormatInt(c.ID, 10), nil, &full))
		require.Len(t, full.Messages, 1)
		m := full.Messages[0]
		require.Equal(t, "Olá", m.Summary)
		require.Equal(t, "in", m.Direction)
		require.Equal(t, wamid, m.WAMID)
		require.Equal(t, "text", m.Type)
		require.Equal(t, "received", m.Status)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM inbound_events`))
	})
}

// metricValue reads one sample of the Prometheus text format.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	require.NotNil(t, m, "no %s in /metrics", series)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

func TestWebhookMetrics(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		postOK(t, env, textPayload(t, waid(1), "wamid.M1", "a"))
		postOK(t, env, textPayload(t, waid(1), "wamid.M1", "a")) // a duplicate is still ok
		postOK(t, env, textPayload(t, waid(2), "wamid.M2", "b"))
		for range 2 {
			status, _ := env.PostWebhook(accountID, "forged", textPayload(t, waid(3), "wamid.M3", "c"))
			require.Equal(t, http.StatusUnauthorized, status)
		}
		status, _ := env.PostWebhook(accountID, "", textPayload(t, waid(3), "wamid.M3", "c"))
		require.Equal(t, http.StatusUnauthorized, status)
		status, _ = env.PostWebhook(accountID, appSecret(env), []byte(`[]`))
		require.Equal(t, http.StatusBadRequest, status)

		status, text := get(t, env.URL+"/metrics")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, 3.0, metricValue(t, text, `zapflow_webhook_requests_total{result="ok"}`))
		require.Equal(t, 3.0, metricValue(t, text, `zapflow_webhook_requests_total{result="bad_signature"}`))
		require.Equal(t, 1.0, metricValue(t, text, `zapflow_webhook_requests_total{result="malformed"}`))
		require.Equal(t, 1.0, metricValue(t, text, `zapflow_webhook_events_duplicate_total`))
	})
}
