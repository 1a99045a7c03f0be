package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// verifySig checks the signature the way an intake must: over the raw bytes.
func verifySig(t *testing.T, c captured) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(testAppSecret))
	mac.Write(c.body)
	require.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), c.sig)
	require.Equal(t, "application/json", c.ctype)
}

func TestInboundWebhookSignedAndASCII(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	text := "Olá 😀 ação <b>&amp;</b> \"aspas\" / fim"
	wamid, err := e.sb.CustomerWrites(loja, ana, "Zoë Ñandú", text)
	require.NoError(t, err)
	e.waitIdle(t)

	reqs := e.in.requests()
	require.Len(t, reqs, 1)
	c := reqs[0]
	verifySig(t, c)
	for i, b := range c.body {
		require.Less(t, b, byte(0x80), "non-ASCII byte at %d", i)
	}
	body := string(c.body)
	require.Contains(t, body, `Ol\u00e1`)
	require.Contains(t, body, `\ud83d\ude00`) // astral rune as a lowercase surrogate pair
	require.Contains(t, body, `Zo\u00eb \u00d1and\u00fa`)
	require.NotRegexp(t, regexp.MustCompile(`\\u[0-9a-f]{0,3}[A-F]`), body, "hex digits must be lowercase")
	require.Contains(t, body, `<b>&amp;</b>`, "HTML characters are not escaped")

	p := decodePayload(t, c.body)
	require.Len(t, p.Entry, 1)
	require.Equal(t, DefaultWABAID, p.Entry[0].ID)
	require.Nil(t, p.Entry[0].Time, "messages entries carry no time")
	require.Len(t, p.Entry[0].Changes, 1)
	require.Equal(t, "messages", p.Entry[0].Changes[0].Field)
	vals := e.in.messageValues(t)
	require.Len(t, vals, 1)
	v := vals[0]
	require.Equal(t, "whatsapp", v.MessagingProduct)
	require.Equal(t, "551140000001", v.Metadata.DisplayPhoneNumber)
	require.Equal(t, loja, v.Metadata.PhoneNumberID)
	require.Len(t, v.Contacts, 1)
	require.Equal(t, "Zoë Ñandú", v.Contacts[0].Profile.Name)
	require.Equal(t, anaWaID, v.Contacts[0].WaID)
	require.Len(t, v.Messages, 1)
	m := v.Messages[0]
	require.Equal(t, wamid, m.ID)
	require.Equal(t, anaWaID, m.From)
	require.Equal(t, "text", m.Type)
	require.Equal(t, text, m.Text.Body)
	require.Equal(t, strconv.FormatInt(e.clock.Now().Unix(), 10), m.Timestamp)

	got := e.sb.Received()
	require.Len(t, got, 1)
	require.Equal(t, wamid, got[0].WAMID)
}

func TestStatusCallbacksInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.StatusDelay = 3 * time.Millisecond })
	opaque := map[string]any{}
	for k, v := range apptMsg(ana) {
		opaque[k] = v
	}
	opaque["biz_opaque_callback_data"] = "run:7:step:2"
	resp, out := e.send(t, loja, opaque)
	require.Equal(t, 200, resp.StatusCode, out)
	wamid := out["messages"].([]any)[0].(map[string]any)["id"].(string)
	e.waitIdle(t)

	for _, c := range e.in.requests() {
		verifySig(t, c)
	}
	sts := e.in.statuses(t)
	require.Len(t, sts, 3)
	base := e.clock.Now().Unix()
	for i, want := range []string{"sent", "delivered", "read"} {
		require.Equal(t, want, sts[i].Status)
		require.Equal(t, wamid, sts[i].ID)
		require.Equal(t, anaWaID, sts[i].RecipientID)
		ts, err := strconv.ParseInt(sts[i].Timestamp, 10, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, ts, base)
	}
	sent := sts[0]
	require.NotNil(t, sent.Conversation)
	require.Len(t, sent.Conversation.ID, 32)
	require.Equal(t, strconv.FormatInt(base+86400, 10), sent.Conversation.ExpirationTimestamp)
	require.Equal(t, "utility", sent.Conversation.Origin.Type)
	require.NotNil(t, sent.Pricing)
	require.True(t, sent.Pricing.Billable)
	require.Equal(t, "PMP", sent.Pricing.PricingModel)
	require.Equal(t, "regular", sent.Pricing.Type)
	require.Equal(t, "utility", sent.Pricing.Category)
	require.NotNil(t, sts[1].Pricing)
	require.Nil(t, sts[2].Pricing)
	require.Nil(t, sts[2].Conversation)

	var raw map[string]any
	require.NoError(t, json.Unmarshal(e.in.requests()[0].body, &raw))
	require.Contains(t, mustJSON(t, raw), `"biz_opaque_callback_data":"run:7:step:2"`)
}

func TestFreeFormReplyIsFreeService(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	resp, _ := e.send(t, loja, textMsg(ana, "olá!"))
	require.Equal(t, 200, resp.StatusCode)
	e.waitIdle(t)
	sts := e.in.statuses(t)
	require.Len(t, sts, 3)
	require.Equal(t, "service", sts[0].Pricing.Category)
	require.Equal(t, "free_customer_service", sts[0].Pricing.Type)
	require.False(t, sts[0].Pricing.Billable)
}

func TestWebhookRetriedAfter500(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.in.setFail(1)
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	e.waitIdle(t)
	reqs := e.in.requests()
	require.Len(t, reqs, 2)
	require.True(t, reqs[0].answeredErr)
	require.False(t, reqs[1].answeredErr)
	require.Equal(t, reqs[0].body, reqs[1].body, "a retry resends the same bytes")
	require.Equal(t, reqs[0].sig, reqs[1].sig)
	verifySig(t, reqs[1])
	require.Len(t, e.in.messageValues(t), 1)
}

func TestWebhookGivesUpThenContinues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 3 })
	e.in.setFail(3)
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "perdida")
	require.NoError(t, err)
	e.waitIdle(t)
	require.Len(t, e.in.requests(), 3)

	_, err = e.sb.CustomerWrites(loja, ana, "Ana", "entregue")
	require.NoError(t, err)
	e.waitIdle(t)
	vals := e.in.messageValues(t)
	require.Len(t, vals, 1)
	require.Equal(t, "entregue", vals[0].Messages[0].Text.Body)
}

func TestWebhookBatching(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	for _, c := range []struct{ from, text string }{{ana, "um"}, {"+5511977776666", "dois"}, {ana, "três"}} {
		_, err := e.sb.CustomerWrites(loja, c.from, "Cliente", c.text)
		require.NoError(t, err)
	}
	_, err := e.sb.CustomerWrites(suporte, ana, "Ana", "suporte")
	require.NoError(t, err)
	e.sb.SetQuality(loja, "YELLOW")
	e.start(t)
	e.waitIdle(t)

	reqs := e.in.requests()
	require.Len(t, reqs, 1, "events queued together go out in one POST")
	p := decodePayload(t, reqs[0].body)
	require.Len(t, p.Entry, 2)
	require.Len(t, p.Entry[0].Changes, 2, "one change per phone number")
	require.Equal(t, "phone_number_quality_update", p.Entry[1].Changes[0].Field)
	require.NotNil(t, p.Entry[1].Time)
	vals := e.in.messageValues(t)
	require.Len(t, vals, 2)
	require.Equal(t, loja, vals[0].Metadata.PhoneNumberID)
	require.Len(t, vals[0].Messages, 3)
	require.Len(t, vals[0].Contacts, 2)
	require.Equal(t, []string{"um", "dois", "três"}, []string{vals[0].Messages[0].Text.Body, vals[0].Messages[1].Text.Body, vals[0].Messages[2].Text.Body})
	require.Equal(t, suporte, vals[1].Metadata.PhoneNumberID)

	// Status callbacks due together share one POST and one change, in order.
	resp, out := e.send(t, loja, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode, out)
	e.waitIdle(t)
	reqs = e.in.requests()
	require.Len(t, reqs, 2)
	p = decodePayload(t, reqs[1].body)
	require.Len(t, p.Entry, 1)
	require.Len(t, p.Entry[0].Changes, 1)
	var v tValue
	require.NoError(t, json.Unmarshal(p.Entry[0].Changes[0].Value, &v))
	require.Len(t, v.Statuses, 3)
	require.Equal(t, []string{"sent", "delivered", "read"}, []string{v.Statuses[0].Status, v.Statuses[1].Status, v.Statuses[2].Status})
}

// A backlog goes out in POSTs of up to 1,000 updates (Meta's ceiling), so
// delivery keeps up with a busy number's callbacks while it still posts
// one request at a time, in order.
func TestWebhookBatchesUpToMetasCeiling(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	const n = 1500
	for i := range n {
		_, err := e.sb.CustomerWrites(loja, fmt.Sprintf("+55119%08d", i), "Cliente", fmt.Sprintf("m%d", i))
		require.NoError(t, err)
	}
	e.start(t)
	e.waitIdle(t)

	var sizes []int
	var texts []string
	for _, r := range e.in.requests() {
		size := 0
		for _, v := range e.in.valuesOf(t, r) {
			size += len(v.Messages)
			for _, m := range v.Messages {
				texts = append(texts, m.Text.Body)
			}
		}
		sizes = append(sizes, size)
	}
	require.Equal(t, []int{1000, 500}, sizes)
	require.Len(t, texts, n)
	for i, text := range texts {
		require.Equal(t, fmt.Sprintf("m%d", i), text, "in queue order")
	}
}

// However many updates are due, a POST stays within Meta's 3 MB: 1,000
// long messages go out in several, every one of them once and in order.
func TestWebhookBatchesStayWithin3MB(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil)
	const n = 1000
	long := strings.Repeat("x", 4000)
	for i := range n {
		_, err := e.sb.CustomerWrites(loja, fmt.Sprintf("+55119%08d", i), "Cliente", fmt.Sprintf("%d %s", i, long))
		require.NoError(t, err)
	}
	e.start(t)
	e.waitIdle(t)

	reqs := e.in.requests()
	require.Greater(t, len(reqs), 1, "4 MB of messages cannot go in one POST")
	var texts []string
	for _, r := range reqs {
		require.LessOrEqual(t, len(r.body), 3<<20)
		for _, v := range e.in.valuesOf(t, r) {
			for _, m := range v.Messages {
				texts = append(texts, m.Text.Body)
			}
		}
	}
	require.Len(t, texts, n)
	for i, text := range texts {
		require.Equal(t, fmt.Sprintf("%d %s", i, long), text, "in queue order")
	}
}

func TestDuplicateWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sb.DuplicateNextWebhooks(1)
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	e.waitIdle(t)
	reqs := e.in.requests()
	require.Len(t, reqs, 2)
	require.Equal(t, reqs[0].body, reqs[1].body)
}

func TestAsyncUndeliverable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.AsyncUndeliverable = true })
	e.sb.SetNotOnWhatsApp("5511911112222")
	resp, out := e.send(t, loja, apptMsg("+5511911112222"))
	require.Equal(t, 200, resp.StatusCode, out)
	e.waitIdle(t)
	sts := e.in.statuses(t)
	require.Len(t, sts, 1)
	require.Equal(t, "failed", sts[0].Status)
	require.Len(t, sts[0].Errors, 1)
	require.Equal(t, 131026, sts[0].Errors[0].Code)
}

func TestTemplateStatusWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sb.SetTemplateStatus("promo_offer", "pt_BR", "PAUSED")
	e.waitIdle(t)
	reqs := e.in.requests()
	require.Len(t, reqs, 1)
	verifySig(t, reqs[0])
	p := decodePayload(t, reqs[0].body)
	require.NotNil(t, p.Entry[0].Time, "template updates carry an integer entry time")
	require.Equal(t, e.clock.Now().Unix(), *p.Entry[0].Time)
	ch := p.Entry[0].Changes[0]
	require.Equal(t, "message_template_status_update", ch.Field)
	var v struct {
		Event    string `json:"event"`
		ID       int64  `json:"message_template_id"`
		Name     string `json:"message_template_name"`
		Language string `json:"message_template_language"`
		Reason   string `json:"reason"`
	}
	require.NoError(t, json.Unmarshal(ch.Value, &v))
	require.Equal(t, "PAUSED", v.Event)
	require.Equal(t, int64(1000000000000104), v.ID)
	require.Equal(t, "promo_offer", v.Name)
	require.Equal(t, "pt_BR", v.Language)
	require.Equal(t, "NONE", v.Reason)
}

func TestSenderSwitchWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sb.SetSenderStatus(loja, "DISCONNECTED")
	e.waitIdle(t)
	e.sb.SetQuality(suporte, "RED")
	e.waitIdle(t)
	reqs := e.in.requests()
	require.Len(t, reqs, 2)
	p := decodePayload(t, reqs[0].body)
	require.Equal(t, "account_update", p.Entry[0].Changes[0].Field)
	require.JSONEq(t, `{"phone_number":"551140000001","event":"ACCOUNT_OFFBOARDED"}`, string(p.Entry[0].Changes[0].Value))
	p = decodePayload(t, reqs[1].body)
	require.Equal(t, "phone_number_quality_update", p.Entry[0].Changes[0].Field)
	require.JSONEq(t, `{"display_phone_number":"551140000002","event":"FLAGGED","current_limit":"TIER_2K"}`, string(p.Entry[0].Changes[0].Value))

	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.ErrorIs(t, err, ErrSenderNotConnected)
}

func TestNoWebhookURLDropsAndStaysIdle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.WebhookURL = "" })
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	e.waitIdle(t)
	require.Empty(t, e.in.requests())
	e.sb.SetWebhookURL(e.in.srv.URL)
	_, err = e.sb.CustomerWrites(loja, ana, "Ana", "de novo")
	require.NoError(t, err)
	e.waitIdle(t)
	require.Len(t, e.in.requests(), 1)
}

func TestWaitIdleHonoursContext(t *testing.T) {
	t.Parallel()
	e := newStoppedEnv(t, nil) // never started: nothing is delivered
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, e.sb.WaitIdle(ctx), context.DeadlineExceeded)
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	require.NoError(t, e.sb.VerifyWebhook(context.Background()))
	bad := newEnv(t, func(c *Config) { c.VerifyToken = "other" })
	require.Error(t, bad.sb.VerifyWebhook(context.Background()))
}
