package doctor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// ClockSample is Meta's Date header and this machine's time when the
// answer came.
type ClockSample struct {
	Server, Local time.Time
}

// Accounts checks, for every account, that Meta accepts its token and
// that its webhooks come here, then each of its numbers' status and
// quality, all through the Cloud API client the app uses (so the sandbox
// answers for the sandbox account). It also returns the first Date Meta
// sent, for the clock check.
func Accounts(ctx context.Context, env Env, box *secret.Box) ([]Result, ClockSample) {
	var clock ClockSample
	if env.DB == nil || box == nil {
		return []Result{fail("accounts", "not checked", "fix the database and the secret key first")}, clock
	}
	svc := account.New(account.Options{DB: env.DB, Box: box})
	accounts, err := svc.Accounts(ctx)
	if err != nil {
		return []Result{fail("accounts", fmt.Sprintf("cannot read them: %v", err), "fix the database first")}, clock
	}
	real, err := svc.HasRealAccount(ctx)
	if err != nil {
		return []Result{fail("accounts", fmt.Sprintf("cannot read them: %v", err), "fix the database first")}, clock
	}
	if len(accounts) == 0 {
		return []Result{fail("accounts", "none yet", "add your WhatsApp Business Account in Settings → WhatsApp")}, clock
	}
	sandboxOn := env.Config.Sandbox == "true" || (env.Config.Sandbox == "auto" && !real)
	var out []Result
	for _, acc := range accounts {
		name := fmt.Sprintf("account %d (%s)", acc.ID, acc.Name)
		if acc.Sandbox && !sandboxOn {
			out = append(out, pass(name, "the built-in sandbox is off: not checked"))
			continue
		}
		graph := env.GraphFor(acc.GraphURL, acc.GraphVersion)
		subs, err := graph.SubscribedApps(ctx, acc.AccessToken, acc.WABAID)
		if clock.Server.IsZero() && !subs.ServerDate.IsZero() {
			clock = ClockSample{Server: subs.ServerDate, Local: env.Now()}
		}
		r, ok := tokenResult(name, acc, err)
		out = append(out, r)
		if !ok {
			continue
		}
		out = append(out, webhookResult(name, env, acc, subs.Apps))
		out = append(out, senderResults(ctx, svc, graph, acc)...)
	}
	return out, clock
}

// tokenResult judges the subscribed_apps call as a token check; ok is
// false when the account's other checks cannot run.
func tokenResult(name string, acc account.Account, err error) (Result, bool) {
	what := name + " token"
	if err == nil {
		return pass(what, "accepted by the Cloud API at "+acc.GraphURL), true
	}
	var ae *whatsapp.APIError
	if errors.As(err, &ae) && account.TokenRefused(err) {
		return fail(what, fmt.Sprintf("refused (code %d: %s)", ae.Code, ae.Message),
			"create a new System User access token in Meta Business Settings and save it on the account (Settings → WhatsApp)"), false
	}
	if errors.As(err, &ae) {
		return fail(what, fmt.Sprintf("the Cloud API refused WABA %s (code %d: %s)", acc.WABAID, ae.Code, ae.Message),
			"check the account's WABA id and that the token has whatsapp_business_management permission"), false
	}
	return fail(what, fmt.Sprintf("could not reach the Cloud API: %v", err),
		"check this machine's connection to "+acc.GraphURL+" (firewall, DNS, ZAPFLOW_OUTBOUND_ALLOW)"), false
}

// webhookResult checks that an app is subscribed to the WABA's webhooks
// and, when its callback is visible (an alternate callback URL), that it
// is this server's.
func webhookResult(name string, env Env, acc account.Account, apps []whatsapp.SubscribedApp) Result {
	what := name + " webhook"
	path := fmt.Sprintf("/webhooks/whatsapp/%d", acc.ID)
	want := env.Config.PublicURL() + path
	ours := map[string]bool{want: true}
	if acc.Sandbox && env.SelfURL != "" {
		ours[env.SelfURL+path] = true
	}
	subscribe := fmt.Sprintf("curl -X POST '%s/%s/%s/subscribed_apps' -H 'Authorization: Bearer <token>'", acc.GraphURL, acc.GraphVersion, acc.WABAID)
	if len(apps) == 0 {
		return fail(what, "no app is subscribed to WABA "+acc.WABAID+"'s webhooks, so no message arrives", "subscribe your app: "+subscribe)
	}
	var elsewhere []string
	for _, a := range apps {
		switch {
		case ours[a.OverrideCallbackURI]:
			return pass(what, fmt.Sprintf("app %s (%s) sends webhooks to %s", a.AppID, a.Name, a.OverrideCallbackURI))
		case a.OverrideCallbackURI != "":
			elsewhere = append(elsewhere, a.OverrideCallbackURI)
		}
	}
	if len(elsewhere) > 0 {
		return fail(what, fmt.Sprintf("webhooks go to %v, not %s", elsewhere, want),
			"set the callback URL to "+want+" (Meta App Dashboard → WhatsApp → Configuration, or subscribed_apps with override_callback_uri)")
	}
	return pass(what, fmt.Sprintf("app %s (%s) is subscribed; Meta posts to the callback URL set in its App Dashboard, which must be %s", apps[0].AppID, apps[0].Name, want))
}

// senderResults reads each number's status and quality from the Cloud API.
func senderResults(ctx context.Context, svc *account.Service, graph Graph, acc account.Account) []Result {
	senders, err := svc.Senders(ctx, acc.ID)
	if err != nil {
		return []Result{fail(fmt.Sprintf("account %d numbers", acc.ID), err.Error(), "fix the database first")}
	}
	var out []Result
	for _, sn := range senders {
		what := fmt.Sprintf("number %s (%s)", sn.DisplayPhoneNumber, sn.PhoneNumberID)
		pn, err := graph.GetPhoneNumber(ctx, acc.AccessToken, sn.PhoneNumberID)
		switch {
		case err != nil:
			out = append(out, fail(what, fmt.Sprintf("could not be read: %v", err), "check the number still belongs to WABA "+acc.WABAID+" in WhatsApp Manager"))
		case !account.IsOnline(pn.Status):
			out = append(out, fail(what, "status "+pn.Status+": it cannot send", "open the number in WhatsApp Manager: finish its registration, display name review or payment method"))
		case pn.QualityRating == "RED":
			out = append(out, fail(what, "quality RED: Meta may lower its limit or block it", "pause marketing sends from it and review recent templates and opt-outs"))
		default:
			detail := "status " + pn.Status + ", quality " + pn.QualityRating
			if pn.MessagingLimitTier != "" {
				detail += ", limit " + pn.MessagingLimitTier
			}
			out = append(out, pass(what, detail))
		}
	}
	return out
}

// Clock compares this machine's clock with the Date of a Cloud API
// answer (one-second precision).
func Clock(s ClockSample, maxSkew time.Duration) Result {
	const what = "clock"
	if s.Server.IsZero() {
		return pass(what, "not compared: no Cloud API account answered")
	}
	skew := s.Local.Sub(s.Server)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	side := "ahead of"
	if skew < 0 {
		side = "behind"
	}
	if abs > maxSkew {
		return fail(what, fmt.Sprintf("this machine is %s %s the Cloud API's clock", abs.Round(time.Second), side),
			"turn on time sync (systemd-timesyncd or chrony): schedules, 24-hour windows and signatures depend on it")
	}
	return pass(what, fmt.Sprintf("within %s of the Cloud API's", maxSkew))
}
