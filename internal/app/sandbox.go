package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// setupSandbox turns on the simulated Cloud API when configured, or in
// "auto" mode while no real account exists, and makes sure its account and
// senders exist. The sandbox is reached over loopback HTTP exactly like
// graph.facebook.com, and it delivers signed webhooks to our own intake.
//
// The sandbox is a demo, never a door: its secrets are random per
// installation (kept on the sandbox account row, so restarts and other
// instances sign alike), its account and numbers are refused while it is
// off, and in "auto" mode the first real account turns it off at once.
func (a *App) setupSandbox(ctx context.Context) error {
	on := a.cfg.Sandbox == "true"
	if a.cfg.Sandbox == "auto" {
		real, err := a.Accounts.HasRealAccount(ctx)
		if err != nil {
			return err
		}
		on = !real
	}
	if !on {
		// The demo's assistant must not answer real customers.
		if _, err := a.AI.DisableSandboxAssistant(ctx); err != nil {
			return fmt.Errorf("switch off the sandbox assistant: %w", err)
		}
		return nil
	}
	// A throwaway sandbox supplies the default numbers and fresh random
	// secrets; EnsureSandbox keeps the installation's own if it has them.
	defaults := sandbox.New(sandbox.Config{}).Config()
	spec := account.SandboxSpec{
		Name: "Sandbox", WABAID: defaults.WABAID, AccessToken: defaults.AccessToken, AppSecret: defaults.AppSecret, VerifyToken: defaults.VerifyToken,
		GraphURL: a.sandboxGraphURL(), GraphVersion: a.cfg.GraphVersion, LegacySecrets: sandbox.LegacySecrets(),
	}
	for _, s := range defaults.Senders {
		spec.Senders = append(spec.Senders, whatsapp.PhoneNumber{
			ID: s.PhoneNumberID, DisplayPhoneNumber: digitsOf(s.DisplayPhoneNumber), VerifiedName: s.VerifiedName,
			QualityRating: s.QualityRating, Status: s.Status,
		})
	}
	acc, err := a.Accounts.EnsureSandbox(ctx, spec)
	if err != nil {
		return fmt.Errorf("set up the sandbox account: %w", err)
	}
	sb := sandbox.New(sandbox.Config{
		Logger:    a.log.With("component", "sandbox"),
		AppSecret: acc.AppSecret, AccessToken: acc.AccessToken, VerifyToken: acc.VerifyToken,
		ControlHosts: a.controlHosts(),
		SenderTaken: func(id string) (bool, error) {
			return a.Accounts.RealSenderExists(context.Background(), id)
		},
	})
	sb.SetWebhookURL(fmt.Sprintf("%s/webhooks/whatsapp/%d", a.loopbackURL(), acc.ID))
	a.Sandbox = sb
	a.sandboxOn.Store(true)
	a.Accounts.SetSandboxActive(true)
	if a.cfg.Sandbox == "auto" {
		a.Accounts.OnRealAccountCreated(func(ctx context.Context, real account.Account) {
			a.turnOffSandbox(context.WithoutCancel(ctx), real)
		})
	}
	return nil
}

// SandboxOn reports whether the sandbox runs now (it may have turned off
// since start).
func (a *App) SandboxOn() bool { return a.sandboxOn.Load() }

// turnOffSandbox runs when a real account is created in "auto" mode (real
// is zero when another instance created it): from
// this moment /sandbox/* answers 404, the sandbox account's webhooks are
// refused and its numbers cannot send, the sandbox model is no longer
// used, and the demo's assistant stops answering, all without a restart.
func (a *App) turnOffSandbox(ctx context.Context, real account.Account) {
	if !a.sandboxOn.CompareAndSwap(true, false) {
		return
	}
	a.Accounts.SetSandboxActive(false)
	a.AI.SetSandboxURL("")
	a.Sandbox.Close()
	if _, err := a.AI.DisableSandboxAssistant(ctx); err != nil {
		a.log.Error("switching off the sandbox assistant", "err", err)
	}
	a.log.Warn("a real account exists: the sandbox is off (ZAPFLOW_SANDBOX=auto)", "account_id", real.ID)
}

// sandboxRecheckEvery is how soon an instance notices a real account that
// another instance created (that one turns its own sandbox off at once).
const sandboxRecheckEvery = 10 * time.Second

// RecheckSandbox turns the sandbox off when a real account exists; in
// "auto" mode Run calls it every sandboxRecheckEvery, so with several
// instances on one database the others follow the one that created it.
func (a *App) RecheckSandbox(ctx context.Context) error {
	if a.cfg.Sandbox != "auto" || !a.sandboxOn.Load() {
		return nil
	}
	real, err := a.Accounts.HasRealAccount(ctx)
	if err != nil || !real {
		return err
	}
	a.turnOffSandbox(ctx, account.Account{})
	return nil
}

// watchSandbox runs RecheckSandbox until ctx ends or the sandbox is off.
func (a *App) watchSandbox(ctx context.Context) {
	if a.cfg.Sandbox != "auto" || !a.sandboxOn.Load() {
		return
	}
	t := time.NewTicker(sandboxRecheckEvery)
	defer t.Stop()
	for a.sandboxOn.Load() {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.RecheckSandbox(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("checking for a real account", "err", err)
			}
		}
	}
}

// sandboxHandler serves the sandbox while it is on and 404 once it is off.
func (a *App) sandboxHandler() http.Handler {
	h := a.Sandbox.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.sandboxOn.Load() {
			httpx.Fail(w, http.StatusNotFound, account.CodeSandboxOff,
				"the sandbox is off: a real account exists (ZAPFLOW_SANDBOX=auto)")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// controlHosts are the host names, besides loopback ones, that the
// sandbox control API accepts in a Host header: the address the server
// listens on and its public URL's host.
func (a *App) controlHosts() []string {
	var hosts []string
	if h, _, err := net.SplitHostPort(a.cfg.Addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	if a.cfg.BaseURL != "" {
		if u, err := url.Parse(a.cfg.PublicURL()); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

// SandboxExposed reports whether the sandbox is on while the server
// listens on an address other machines can reach: then anyone who reaches
// it can drive the simulated customers, and serve warns loudly.
func (a *App) SandboxExposed() bool {
	if !a.SandboxOn() {
		return false
	}
	addr, ok := a.listener.Addr().(*net.TCPAddr)
	return ok && !addr.IP.IsLoopback()
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// sandboxPaths are what zapflow may request from its own address: the
// sandbox's Graph API and AI model, reached like any remote endpoint. Its
// REST API and the sandbox's control API stay out of reach of flows and
// settings.
func sandboxPaths() []string { return []string{"/sandbox/graph/", "/sandbox/openai/"} }
