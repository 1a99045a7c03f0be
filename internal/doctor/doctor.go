// Package doctor checks a zapflow installation the way people ask for
// help with it — is the database migrated, does the key open the stored
// tokens, does Meta's webhook point here, is the clock right, is the disk
// full — and says, one line per check, what it found and how to fix it.
// Each check is a small function returning Results; `zapflow doctor`
// prints them and exits 0 only when all pass.
package doctor

import (
	"context"
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Result is one line of the report.
type Result struct {
	OK     bool
	What   string // what was checked: "database", "account 2 (Loja) webhook"
	Detail string // what was found
	Fix    string // what to do about a failure
}

// String is the printed line: "✓ what: detail" or "✗ what: detail — fix: …".
func (r Result) String() string {
	if r.OK {
		return "✓ " + r.What + ": " + r.Detail
	}
	s := "✗ " + r.What + ": " + r.Detail
	if r.Fix != "" {
		s += " — fix: " + r.Fix
	}
	return s
}

func pass(what, detail string) Result      { return Result{OK: true, What: what, Detail: detail} }
func fail(what, detail, fix string) Result { return Result{What: what, Detail: detail, Fix: fix} }

// Graph is the part of the Cloud API client the checks call.
type Graph interface {
	SubscribedApps(ctx context.Context, token, wabaID string) (whatsapp.Subscriptions, error)
	GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (whatsapp.PhoneNumber, error)
}

// Env is what the checks look at.
type Env struct {
	Config config.Config
	DB     store.DB // nil when it could not be opened (DBErr says why)
	DBErr  error
	// SelfURL reaches this installation's server over loopback (the URL
	// the sandbox posts its webhooks to).
	SelfURL string
	// HTTP fetches our own /healthz.
	HTTP *http.Client
	// GraphFor is the Cloud API client of an account, the app's own.
	GraphFor func(graphURL, version string) Graph
	Now      func() time.Time
	// FreeDisk reports the free and total bytes of the file system
	// holding path.
	FreeDisk func(path string) (free, total uint64, err error)
	// MinFree is the least free disk that passes (default 1 GiB).
	MinFree uint64
	// MaxSkew is the largest clock difference with Meta that passes
	// (default 30 s).
	MaxSkew time.Duration
}

// Run runs every check in order and returns their lines.
func Run(ctx context.Context, env Env) []Result {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.MinFree == 0 {
		env.MinFree = 1 << 30
	}
	if env.MaxSkew == 0 {
		env.MaxSkew = 30 * time.Second
	}
	var out []Result
	out = append(out, Database(ctx, env))
	keyResult, box := SecretKey(ctx, env)
	out = append(out, keyResult)
	out = append(out, BaseURL(env), Reachable(ctx, env))
	accounts, clock := Accounts(ctx, env, box)
	out = append(out, accounts...)
	out = append(out, Clock(clock, env.MaxSkew))
	out = append(out, Disk(env))
	out = append(out, Permissions(env)...)
	out = append(out, DebugAddr(env))
	return out
}

// Failed counts the failing results.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if !r.OK {
			n++
		}
	}
	return n
}
