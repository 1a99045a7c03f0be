package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// setupSandbox turns on the simulated Cloud API when configured, or in
// "auto" mode while no real account exists, and makes sure its account and
// senders exist. The sandbox is reached over loopback HTTP exactly like
// graph.facebook.com, and it delivers signed webhooks to our own intake.
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
		return nil
	}
	sb := sandbox.New(sandbox.Config{Logger: a.log.With("component", "sandbox")})
	cfg := sb.Config()
	spec := account.SandboxSpec{
		Name: "Sandbox", WABAID: cfg.WABAID, AccessToken: cfg.AccessToken, AppSecret: cfg.AppSecret, VerifyToken: cfg.VerifyToken,
		GraphURL: a.loopbackURL() + "/sandbox/graph", GraphVersion: a.cfg.GraphVersion,
	}
	for _, s := range sb.Senders() {
		spec.Senders = append(spec.Senders, whatsapp.PhoneNumber{
			ID: s.PhoneNumberID, DisplayPhoneNumber: digitsOf(s.DisplayPhoneNumber), VerifiedName: s.VerifiedName,
			QualityRating: s.QualityRating, Status: s.Status,
		})
	}
	acc, err := a.Accounts.EnsureSandbox(ctx, spec)
	if err != nil {
		return fmt.Errorf("set up the sandbox account: %w", err)
	}
	sb.SetWebhookURL(fmt.Sprintf("%s/webhooks/whatsapp/%d", a.loopbackURL(), acc.ID))
	a.Sandbox = sb
	return nil
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
