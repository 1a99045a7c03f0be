package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// F14: every row of the error table reaches the API caller (or the stored
// message) with its exact code and the words telling the user what to do,
// whether our own validation caught it before queueing or Meta answered
// the send with an error. Each test runs once per database, in parallel, on
// a whole zapflow with the sandbox as the Cloud API.

// The sandbox's well-known senders (see internal/sandbox/data.go).
const (
	phone1 = "100000000000011" // sender id 1
	phone2 = "100000000000012" // sender id 2
)

// Send retries that fit in a test: a throttled or failed send is retried
// after 200 ms (River's scheduler then picks a snoozed job up within 5 s).
func fastRetries(c *config.Config) {
	c.SendRetryWait = 200 * time.Millisecond
	c.SendMaxAttempts = 3
}

// each runs fn once per dialect, in parallel, each on a fresh zapflow.
func each(t *testing.T, opts []apptest.Option, fn func(t *testing.T, env *apptest.Env)) {
	t.Helper()
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, apptest.Start(t, d, opts...))
		})
	}
}

// errorBody is the API's error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// sendResult is one POST /api/v1/messages.
type sendResult struct {
	status int
	msg    messaging.Message
	err    errorBody
	raw    string
}

// client bounds every call, so a request that hangs fails the test instead
// of the whole package timing out.
var client = &http.Client{Timeout: 30 * time.Second}

// post calls the API without the testing helpers, so it can run in any
// goroutine, and returns the status and the raw body.
func post(env *apptest.Env, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+env.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func send(t *testing.T, env *apptest.Env, body map[string]any) sendResult {
	t.Helper()
	status, raw, err := post(env, http.MethodPost, "/api/v1/messages", body)
	require.NoError(t, err)
	r := sendResult{status: status, raw: string(raw)}
	if status >= 400 {
		require.NoError(t, json.Unmarshal(raw, &r.err), "body: %s", raw)
	} else {
		require.NoError(t, json.Unmarshal(raw, &r.msg), "body: %s", raw)
	}
	return r
}

// requireRefused checks a send was refused at once with 422 and code, and
// returns the error's message.
func requireRefused(t *testing.T, r sendResult, code string) string {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.raw)
	require.Equal(t, code, r.err.Error.Code, "body: %s", r.raw)
	require.NotEmpty(t, r.err.Error.Message)
	return r.err.Error.Message
}

// appointment is a valid send of the approved appointment_confirmation
// template (4 body placeholders) from sender 1.
func appointment(to string) map[string]any {
	return map[string]any{
		"type": "template", "sender": 1, "to": to,
		"template":  map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
		"variables": map[string]string{"1": "Ana", "2": "Dra. Beatriz", "3": "12/03 às 14h", "4": "Av. Paulista, 1000"},
	}
}

func textTo(to, body string) map[string]any {
	return map[string]any{"type": "text", "sender": 1, "to": to, "text": body}
}

func withWait(b map[string]any) map[string]any {
	b["wait"] = true
	return b
}

func getMessage(t *testing.T, env *apptest.Env, id int64) messaging.Message {
	t.Helper()
	var m messaging.Message
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/messages/"+strconv.FormatInt(id, 10), nil, &m))
	return m
}

// accepted says Meta accepted the message (its status webhooks may have
// moved it on to delivered or read since).
func accepted(m messaging.Message) bool {
	switch m.Status {
	case messaging.StatusSent, messaging.StatusDelivered, messaging.StatusRead:
		return m.WAMID != "" && !m.SentAt.IsZero()
	}
	return false
}

// waitUntil polls cond until it holds, with a message formatted only on
// failure (a lazy argument is described then). Its bound, two minutes, is
// a hang guard, not a speed assertion: River's scheduler runs snoozed send
// retries only every 5 s, and a CI machine running every package at once
// may take many times longer than an idle one.
func waitUntil(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	const d = 2 * time.Minute
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting: %s", d, fmt.Sprintf(format, args...))
}

// lazy is a description computed when printed.
type lazy func() string

func (l lazy) String() string { return l() }

// waitTemplates waits for the template sync job the sandbox account runs at start.
func waitTemplates(t *testing.T, env *apptest.Env) []account.Template {
	t.Helper()
	var out struct {
		Templates []account.Template `json:"templates"`
	}
	env.Eventually(func() bool {
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/templates", nil, &out))
		return len(out.Templates) > 0
	}, "templates synced")
	return out.Templates
}

func contactByPhone(t *testing.T, env *apptest.Env, e164 string) (messaging.Contact, bool) {
	t.Helper()
	var out struct {
		Contacts []messaging.Contact `json:"contacts"`
	}
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/contacts?phone="+url.QueryEscape(e164), nil, &out))
	if len(out.Contacts) == 0 {
		return messaging.Contact{}, false
	}
	require.Len(t, out.Contacts, 1)
	return out.Contacts[0], true
}

func getSender(t *testing.T, env *apptest.Env, id int64) account.Sender {
	t.Helper()
	var s account.Sender
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/senders/"+strconv.FormatInt(id, 10), nil, &s))
	return s
}

func notifications(t *testing.T, env *apptest.Env) []notify.Notification {
	t.Helper()
	var out struct {
		Notifications []notify.Notification `json:"notifications"`
	}
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/notifications", nil, &out))
	return out.Notifications
}

func hasNotification(list []notify.Notification, kind, ref string) bool {
	for _, n := range list {
		if n.Kind == kind && n.Ref == ref {
			return true
		}
	}
	return false
}

// sentTo counts what the sandbox accepted from sender phoneID to the E.164 number to.
func sentTo(env *apptest.Env, phoneID, to string) int {
	n := 0
	for _, s := range env.App.Sandbox.Sent() {
		if s.PhoneNumberID == phoneID && s.WaID == strings.TrimPrefix(to, "+") {
			n++
		}
	}
	return n
}

// attempts is how many send attempts the message recorded.
func attempts(env *apptest.Env, id int64) int {
	return env.Count(`SELECT attempts FROM messages WHERE id = ?`, id)
}

func TestSendTemplateNotFound(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)

		t.Run("unknown template", func(t *testing.T) {
			b := appointment("+5511987650001")
			b["template"] = map[string]any{"name": "no_such_template", "language": "pt_BR"}
			msg := requireRefused(t, send(t, env, b), "template_not_found")
			require.True(t, strings.HasPrefix(msg, "template not found"), msg)
			require.Contains(t, msg, "no_such_template")
			require.Contains(t, msg, "check the template is approved", "F14: what the user is told to do")
		})
		t.Run("wrong language", func(t *testing.T) {
			b := appointment("+5511987650001")
			b["template"] = map[string]any{"name": "appointment_confirmation", "language": "en_US"}
			msg := requireRefused(t, send(t, env, b), "template_not_found")
			require.True(t, strings.HasPrefix(msg, "template not found"), msg)
		})
		t.Run("paused template", func(t *testing.T) {
			msg := requireRefused(t, send(t, env, map[string]any{
				"type": "template", "sender": 1, "to": "+5511987650001",
				"template":  map[string]any{"name": "reactivation_offer", "language": "pt_BR"},
				"variables": map[string]string{"1": "Ana"},
			}), "template_not_found")
			require.True(t, strings.HasPrefix(msg, "template not found"), msg)
			require.Contains(t, msg, "paused")
		})
		t.Run("rejected template", func(t *testing.T) {
			msg := requireRefused(t, send(t, env, map[string]any{
				"type": "template", "sender": 1, "to": "+5511987650001",
				"template": map[string]any{"name": "mega_blast", "language": "pt_BR"},
			}), "template_not_found")
			require.True(t, strings.HasPrefix(msg, "template not found"), msg)
			require.Contains(t, msg, "rejected")
		})
		t.Run("missing variables", func(t *testing.T) {
			b := appointment("+5511987650001")
			b["variables"] = map[string]string{"1": "Ana", "2": "Dra. Beatriz"}
			msg := requireRefused(t, send(t, env, b), "invalid_variables")
			require.Contains(t, msg, "missing template variables: {{3}}, {{4}}")
			require.NotContains(t, msg, "missing template variables: {{1}}")
		})
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`), "a refused send stores nothing")

		t.Run("Meta answers 132001", func(t *testing.T) {
			const to = "+5511987650002"
			env.App.Sandbox.FailNext(phone1, 1, 132001)
			r := send(t, env, withWait(appointment(to)))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.raw)
			require.Equal(t, messaging.StatusFailed, r.msg.Status)
			require.Equal(t, "template_not_found", r.msg.ErrorCode)
			require.True(t, strings.HasPrefix(r.msg.ErrorMessage, "template not found: check the template is approved"), r.msg.ErrorMessage)
			require.Contains(t, r.msg.ErrorDetail, "132001")

			// Permanent: never retried. The dispatcher claims only queued
			// messages with a send time, and this one has neither.
			require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE id = ? AND (status = 'queued' OR send_at <> 0)`, r.msg.ID),
				"nothing left for the dispatcher to claim")
			m := getMessage(t, env, r.msg.ID)
			require.Equal(t, messaging.StatusFailed, m.Status)
			require.Equal(t, "template_not_found", m.ErrorCode)
			require.Contains(t, m.ErrorDetail, "132001")
			require.Empty(t, m.WAMID)
			require.False(t, m.FailedAt.IsZero())
			require.Equal(t, 1, attempts(env, m.ID))
			require.Zero(t, sentTo(env, phone1, to), "the sandbox never accepted it")
			require.False(t, hasNotification(notifications(t, env), notify.KindSendFailed, "message:"+strconv.FormatInt(m.ID, 10)),
				"a permanent error is the caller's to fix, not a failed retry")
		})
	})
}

func TestSendSenderOffline(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)

		t.Run("known offline", func(t *testing.T) {
			env.App.Sandbox.SetSenderStatus(phone2, "DISCONNECTED")
			var sn account.Sender
			require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/senders/2/check", nil, &sn))
			require.Equal(t, "DISCONNECTED", sn.Status)
			require.False(t, sn.Online)

			for _, ref := range []any{2, phone2} {
				b := appointment("+5511987650011")
				b["sender"] = ref
				msg := requireRefused(t, send(t, env, b), "sender_offline")
				require.True(t, strings.HasPrefix(msg, "sender offline"), msg)
				require.Contains(t, msg, "DISCONNECTED")
				require.Contains(t, msg, "check the sender's status and connection", "F14")
			}
			require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`))
		})

		t.Run("Meta answers 133010", func(t *testing.T) {
			const to = "+5511987650012"
			require.True(t, getSender(t, env, 1).Online)
			env.App.Sandbox.FailNext(phone1, 1, 133010)
			r := send(t, env, withWait(appointment(to)))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.raw)
			require.Equal(t, messaging.StatusFailed, r.msg.Status)
			require.Equal(t, "sender_offline", r.msg.ErrorCode)
			require.True(t, strings.HasPrefix(r.msg.ErrorMessage, "sender offline"), r.msg.ErrorMessage)
			require.Contains(t, r.msg.ErrorMessage, "check the sender's status and connection")
			require.Contains(t, r.msg.ErrorDetail, "133010")
			require.Equal(t, 1, attempts(env, r.msg.ID))
			require.Zero(t, sentTo(env, phone1, to))

			sn := getSender(t, env, 1)
			require.False(t, sn.Online, "the sender is marked offline")
			require.Equal(t, "DISCONNECTED", sn.Status)
			require.Contains(t, sn.CheckError, "check the sender's status and connection")
			require.True(t, hasNotification(notifications(t, env), notify.KindSenderOffline, "sender:1"), "the team is told")

			// The next send is refused at once.
			msg := requireRefused(t, send(t, env, appointment("+5511987650013")), "sender_offline")
			require.Contains(t, msg, "check the sender's status and connection")
		})
	})
}

func TestSendInvalidPhone(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)

		t.Run("not E.164", func(t *testing.T) {
			r := send(t, env, appointment("(11) 9999-9999"))
			msg := requireRefused(t, r, "invalid_phone")
			require.Equal(t, "to", r.err.Error.Field)
			require.Contains(t, msg, "invalid phone number: use +<country code><number>")
			require.Contains(t, r.raw, "invalid phone number: use +<country code><number>", "JSON must not HTML-escape < and >")
			require.NotContains(t, r.raw, `\u003c`)

			for _, to := range []string{"", "abc", "+55 11 9999", "+999123456789"} {
				requireRefused(t, send(t, env, appointment(to)), "invalid_phone")
			}
			require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`))
		})

		t.Run("not on WhatsApp", func(t *testing.T) {
			const to = "+5511955554444"
			env.App.Sandbox.SetNotOnWhatsApp(to)
			r := send(t, env, withWait(appointment(to)))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.raw)
			require.Equal(t, messaging.StatusFailed, r.msg.Status)
			require.Equal(t, "invalid_phone", r.msg.ErrorCode)
			require.True(t, strings.HasPrefix(r.msg.ErrorMessage, "invalid phone number"), r.msg.ErrorMessage)
			require.Contains(t, r.msg.ErrorMessage, "+<country code><number>")
			require.Contains(t, r.msg.ErrorDetail, "131026")
			require.Equal(t, 1, attempts(env, r.msg.ID))
			require.Zero(t, sentTo(env, phone1, to))

			c, ok := contactByPhone(t, env, to)
			require.True(t, ok)
			require.True(t, c.NotOnWhatsApp)

			// Known now: refused at once, nothing queued.
			n := env.Count(`SELECT COUNT(*) FROM messages`)
			r2 := send(t, env, appointment(to))
			msg := requireRefused(t, r2, "invalid_phone")
			require.True(t, strings.HasPrefix(msg, "invalid phone number"), msg)
			require.Contains(t, msg, "not on WhatsApp")
			require.Equal(t, "to", r2.err.Error.Field)
			require.Equal(t, n, env.Count(`SELECT COUNT(*) FROM messages`))
		})
	})
}

func TestSendOutsideWindow(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955551111"
		const outside = "outside the 24-hour window: use a template message"

		const text = "Olá, tudo bem? Podemos remarcar?"
		r := send(t, env, textTo(to, text))
		require.Equal(t, outside, requireRefused(t, r, "outside_window"))
		require.Equal(t, "type", r.err.Error.Field)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`))

		// The customer writes: our own record of the window opens.
		_, err := env.App.Sandbox.CustomerWrites(phone1, to, "Ana", "Oi, quero remarcar")
		require.NoError(t, err)
		env.Eventually(func() bool {
			var page messaging.ConversationPage
			require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?sender_id=1&phone="+url.QueryEscape(to), nil, &page))
			return len(page.Conversations) == 1 && page.Conversations[0].WindowOpen
		}, "the conversation's window opens")

		r = send(t, env, withWait(textTo(to, text)))
		require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, r.status, "body: %s", r.raw)
		waitUntil(t, func() bool { return accepted(getMessage(t, env, r.msg.ID)) }, "text inside the window is sent")
		require.Equal(t, 1, sentTo(env, phone1, to))
		sent := env.App.Sandbox.Sent()
		require.Equal(t, text, sent[len(sent)-1].Text)

		t.Run("Meta answers 131047", func(t *testing.T) {
			env.App.Sandbox.FailNext(phone1, 1, 131047)
			r := send(t, env, withWait(textTo(to, "Ainda está aí?")))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.raw)
			require.Equal(t, messaging.StatusFailed, r.msg.Status)
			require.Equal(t, "outside_window", r.msg.ErrorCode)
			require.Equal(t, outside, r.msg.ErrorMessage)
			require.Contains(t, r.msg.ErrorDetail, "131047")
			require.Equal(t, 1, attempts(env, r.msg.ID))
			require.Equal(t, 1, sentTo(env, phone1, to), "only the first text reached the sandbox")
		})
	})
}

func TestSendRateLimitedRetried(t *testing.T) {
	each(t, []apptest.Option{fastRetries}, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		const to = "+5511987650031"
		env.App.Sandbox.FailNext(phone1, 1, 130429)

		r := send(t, env, withWait(appointment(to)))
		// The first attempt's answer: still queued, with the F14 words.
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.raw)
		require.Equal(t, messaging.StatusQueued, r.msg.Status)
		require.Equal(t, "rate_limited", r.msg.ErrorCode)
		require.True(t, strings.HasPrefix(r.msg.ErrorMessage, "rate limited"), r.msg.ErrorMessage)
		require.Contains(t, r.msg.ErrorMessage, "space sends out; the platform retries")
		require.Contains(t, r.msg.ErrorMessage, "attempt 1 of 3")
		require.Contains(t, r.msg.ErrorDetail, "130429")

		var m messaging.Message
		waitUntil(t, func() bool {
			m = getMessage(t, env, r.msg.ID)
			return accepted(m)
		}, "the retried message is sent")
		require.Empty(t, m.ErrorCode, "the retry succeeded: no error left")
		require.Equal(t, 2, attempts(env, m.ID))
		require.Equal(t, 1, sentTo(env, phone1, to), "sent exactly once")
		// 130429 asks the whole sender to back off for at least a second,
		// longer than the 200 ms retry wait.
		// (sent_at is Meta's, to the second, when its status webhook
		// recorded the send before our own record of it.)
		require.GreaterOrEqual(t, m.SentAt.Sub(m.CreatedAt.Truncate(time.Second)), time.Second, "created %s, sent %s", m.CreatedAt, m.SentAt)
	})
}

func TestSendTransientFailsAfterLastAttempt(t *testing.T) {
	each(t, []apptest.Option{fastRetries}, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		const to = "+5511987650041"
		env.App.Sandbox.FailNext(phone1, 3, 131000)

		r := send(t, env, withWait(appointment(to)))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.raw)
		require.Equal(t, messaging.StatusQueued, r.msg.Status)
		require.Equal(t, "transient", r.msg.ErrorCode)
		// The answer shows the first attempt's outcome; on a busy machine
		// the 200 ms retry may already have failed too by the time it is
		// read.
		require.Regexp(t, `attempt [12] of 3`, r.msg.ErrorMessage)

		var m messaging.Message
		waitUntil(t, func() bool {
			m = getMessage(t, env, r.msg.ID)
			return m.Status == messaging.StatusFailed
		}, "the message fails after its last attempt")
		require.Equal(t, "transient", m.ErrorCode)
		require.Contains(t, m.ErrorMessage, "temporary WhatsApp error")
		require.Contains(t, m.ErrorDetail, "131000")
		require.Equal(t, 3, attempts(env, m.ID), "SendMaxAttempts attempts in all")
		require.Zero(t, sentTo(env, phone1, to))
		require.True(t, hasNotification(notifications(t, env), notify.KindSendFailed, "message:"+strconv.FormatInt(m.ID, 10)),
			"the team is told after the last attempt")
	})
}

func TestSendOptOut(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955552222"
		var marketing account.Template
		for _, tp := range waitTemplates(t, env) {
			if tp.Category == "MARKETING" && tp.Status == "APPROVED" {
				marketing = tp
			}
		}
		require.Equal(t, "promo_offer", marketing.Name, "the sandbox's approved marketing template")
		promo := func() map[string]any {
			return map[string]any{
				"type": "template", "sender": 1, "to": to,
				"template":  map[string]any{"name": marketing.Name, "language": marketing.Language},
				"variables": map[string]string{"header.1": "Ana", "1": "VERAO20", "2": "20%", "3": "31/03", "button.0": "verao"},
			}
		}

		_, err := env.App.Sandbox.CustomerWrites(phone1, to, "Bia", "SAIR")
		require.NoError(t, err)
		var c messaging.Contact
		env.Eventually(func() bool {
			var ok bool
			c, ok = contactByPhone(t, env, to)
			return ok && c.OptedOut
		}, "the contact is opted out")

		n := env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`)
		r := send(t, env, promo())
		msg := requireRefused(t, r, "opted_out")
		require.Contains(t, msg, "opted out")
		require.Equal(t, n, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`))

		// Utility messages still go out.
		r = send(t, env, appointment(to))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.raw)

		var back messaging.Contact
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10)+"/opt-in", nil, &back))
		require.False(t, back.OptedOut)

		r = send(t, env, promo())
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.raw)
		waitUntil(t, func() bool { return accepted(getMessage(t, env, r.msg.ID)) }, "marketing sent after opt-in")
	})
}

func TestSendConcurrentNoneLostNoneTwice(t *testing.T) {
	// Sends that the sandbox throttles (130429) are retried after 1 s rather
	// than the default minute, so a retry is part of the test too: a message
	// retried is still sent exactly once.
	manyRetries := func(c *config.Config) {
		c.SendRetryWait = 200 * time.Millisecond
		c.SendMaxAttempts = 10
	}
	each(t, []apptest.Option{manyRetries}, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		// Warm the account cache with one send first: a burst on a cold cache
		// is TestSendBurstOnColdStart's subject.
		warm := send(t, env, appointment("+5511987600000"))
		require.Equal(t, http.StatusAccepted, warm.status, "body: %s", warm.raw)

		const n = 200
		ids := make([]int64, n)
		errs := make(chan error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				status, raw, err := post(env, http.MethodPost, "/api/v1/messages", appointment(fmt.Sprintf("+55119876%05d", i+1)))
				if err != nil {
					errs <- err
					return
				}
				var m messaging.Message
				if status != http.StatusAccepted || json.Unmarshal(raw, &m) != nil || m.ID == 0 {
					errs <- fmt.Errorf("send %d: %d %s", i, status, raw)
					return
				}
				ids[i] = m.ID
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		const total = n + 1 // with the warm-up
		waitUntil(t, func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND wamid IS NOT NULL AND status IN ('sent', 'delivered', 'read')`) == total
		}, "all %d messages sent; %s", total, lazy(func() string { return describeUnsent(env) }))
		require.Equal(t, total, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`))

		stored := map[string]int64{}
		rows, err := env.App.DB.Read().Query(context.Background(), `SELECT id, wamid FROM messages WHERE direction = 'out'`)
		require.NoError(t, err)
		for rows.Next() {
			var id int64
			var wamid string
			require.NoError(t, rows.Scan(&id, &wamid))
			stored[wamid] = id
		}
		require.NoError(t, rows.Err())
		rows.Close()
		require.Len(t, stored, total, "distinct stored wamids")

		sent := env.App.Sandbox.Sent()
		require.Len(t, sent, total, "the sandbox accepted each message exactly once")
		seen := map[string]bool{}
		to := map[string]bool{}
		for _, s := range sent {
			require.False(t, seen[s.WAMID], "wamid %s twice", s.WAMID)
			seen[s.WAMID] = true
			to[s.WaID] = true
			_, ok := stored[s.WAMID]
			require.True(t, ok, "sandbox wamid %s is stored", s.WAMID)
		}
		require.Len(t, to, total, "each recipient got exactly one")
		retried := 0
		for _, id := range ids {
			_, ok := stored[getMessage(t, env, id).WAMID]
			require.True(t, ok, "message %d has its sandbox wamid", id)
			if attempts(env, id) > 1 {
				retried++
			}
		}
		t.Logf("%s: %d of %d messages needed a retry", env.Dialect, retried, n)
	})
}

// A burst of sends right after start, while the account cache is cold, must
// not wedge the database pool. SendTx holds a transaction's connection while
// Accounts.CachedAccount, on a cache miss, reads the account through
// DB.Read(), i.e. a second connection from the same pool: once as many
// concurrent sends as the pool has connections (16 on PostgreSQL) have begun
// their transactions, each waits for a connection none will release.
func TestSendBurstOnColdStart(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		const n = 64
		// A bound for a wedged pool (which never finishes), not a speed
		// check: generous for a busy machine.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, err := env.App.Outbox.Send(ctx, messaging.SendRequest{
					Type: "template", SenderID: 1, To: fmt.Sprintf("+55119872%05d", i), Source: "test",
					Template:  &messaging.TemplateRef{Name: "appointment_confirmation", Language: "pt_BR"},
					Variables: messaging.Variables{"1": "Ana", "2": "Dra. Beatriz", "3": "12/03 às 14h", "4": "Av. Paulista, 1000"},
				})
				if err != nil {
					errs <- err
				}
			})
		}
		began := time.Now()
		if env.Dialect == store.Postgres {
			// Force the interleaving a burst produces by chance: hold the
			// senders table for a moment, so the sends' transactions have
			// all begun (each holding a pool connection) before any of them
			// reaches the account lookup.
			locked, release := make(chan struct{}), make(chan struct{})
			go func() {
				_ = env.App.DB.InTx(context.Background(), func(tx store.Tx) error {
					if _, err := tx.Exec(context.Background(), `LOCK TABLE senders IN ACCESS EXCLUSIVE MODE`); err != nil {
						return err
					}
					close(locked)
					<-release
					return nil
				})
			}()
			<-locked
			close(start)
			time.Sleep(500 * time.Millisecond)
			close(release)
		} else {
			close(start)
		}
		wg.Wait()
		close(errs)
		failed := 0
		var first error
		for err := range errs {
			if first == nil {
				first = err
			}
			failed++
		}
		require.Zero(t, failed, "%d of %d concurrent sends on a cold account cache failed after %s; first: %v",
			failed, n, time.Since(began).Round(time.Millisecond), first)
		waitUntil(t, func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND wamid IS NOT NULL`) == n
		}, "all %d sent; %s", n, lazy(func() string { return describeUnsent(env) }))
		require.Len(t, env.App.Sandbox.Sent(), n)
	})
}

// describeUnsent summarises the outbound messages not (yet) sent, for failures.
func describeUnsent(env *apptest.Env) string {
	rows, err := env.App.DB.Read().Query(context.Background(), `SELECT status, error_code, attempts, COUNT(*) FROM messages
		WHERE direction = 'out' AND wamid IS NULL GROUP BY status, error_code, attempts`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var status, code string
		var att, n int
		if err := rows.Scan(&status, &code, &att, &n); err != nil {
			return err.Error()
		}
		parts = append(parts, fmt.Sprintf("%d %s (error %q, %d attempts)", n, status, code, att))
	}
	return "unsent: " + strings.Join(parts, ", ")
}

// TestSendRespectsTheCustomersWhatsAppChoice: a customer who stops
// marketing messages in WhatsApp (the sandbox posts Meta's
// user_preferences webhook) is opted out, so a marketing template to them
// is refused before it reaches Meta; when they resume, it goes out again.
func TestSendRespectsTheCustomersWhatsAppChoice(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955553333"
		waitTemplates(t, env)
		promo := map[string]any{
			"type": "template", "sender": 1, "to": to,
			"template":  map[string]any{"name": "promo_offer", "language": "pt_BR"},
			"variables": map[string]string{"header.1": "Ana", "1": "VERAO20", "2": "20%", "3": "31/03", "button.0": "verao"},
		}
		require.NoError(t, env.App.Sandbox.CustomerSetsMarketing(phone1, to, "Ana", true))
		env.Eventually(func() bool { c, ok := contactByPhone(t, env, to); return ok && c.OptedOut }, "opted out by the webhook")
		requireRefused(t, send(t, env, promo), "opted_out")

		require.NoError(t, env.App.Sandbox.CustomerSetsMarketing(phone1, to, "Ana", false))
		env.Eventually(func() bool { c, ok := contactByPhone(t, env, to); return ok && !c.OptedOut }, "opted back in")
		r := send(t, env, promo)
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.raw)
		env.Eventually(func() bool { return accepted(getMessage(t, env, r.msg.ID)) }, "marketing sent after resuming")
	})
}
