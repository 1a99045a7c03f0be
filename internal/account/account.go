// Package account keeps WhatsApp Business accounts (F1): the WABA with its
// access token, app secret and verify token, the senders (phone numbers) it
// owns with their status and quality, and its message templates synced
// from the Cloud API.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Account is a WhatsApp Business Account as zapflow knows it. Its secrets
// are decrypted only in memory.
type Account struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	WABAID        string `json:"waba_id"`
	AccessToken   string `json:"-"`
	AppSecret     string `json:"-"`
	VerifyToken   string `json:"-"`
	GraphURL      string `json:"graph_url"`
	GraphVersion  string `json:"graph_version"`
	DefaultRegion string `json:"default_region"`
	Sandbox       bool   `json:"sandbox"`
	// CredentialsError is set when Meta refused the access token (error
	// 190, expired or revoked): every number of the account is unusable
	// until the token is replaced. A successful read clears it.
	CredentialsError   string    `json:"credentials_error"`
	CredentialsErrorAt time.Time `json:"credentials_error_at,omitzero"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Graph is the part of the Cloud API client this package uses.
type Graph interface {
	GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (whatsapp.PhoneNumber, error)
	ListTemplates(ctx context.Context, token, wabaID string) ([]whatsapp.Template, error)
}

// Options configures a Service.
type Options struct {
	DB    store.DB
	Box   *secret.Box
	Queue *jobs.Queue
	// HTTPClient calls the Graph API; default: a netguard client that
	// refuses internal addresses.
	HTTPClient *http.Client
	// CheckURL refuses a graph_url at save time when it can already tell
	// it will be refused (netguard.Guard.CheckURL); nil: no save-time check.
	CheckURL     func(string) error
	GraphURL     string // default for new accounts
	GraphVersion string
	Now          func() time.Time
	Logger       *slog.Logger
	// GraphFor overrides the Cloud API client (tests).
	GraphFor func(Account) Graph
}

// Service manages accounts, senders and templates.
type Service struct {
	db       store.DB
	box      *secret.Box
	queue    *jobs.Queue
	graphFor func(Account) Graph
	checkURL func(string) error
	now      func() time.Time
	log      *slog.Logger
	defaults struct{ url, version string }

	mu      sync.RWMutex
	secrets map[int64]cachedAccount // intake reads secrets on every webhook
	trust   trustTable              // processing checks every event against it
	onReal  []func(context.Context, Account)

	// sandboxOn says whether the built-in sandbox runs in this process.
	// While it does not, the sandbox account and its senders are refused
	// everywhere (see sandbox_state.go). Off until the app says otherwise.
	sandboxOn atomic.Bool
}

type cachedAccount struct {
	acc     Account
	expires time.Time
}

// secretsTTL bounds how long another instance's edit of an account's
// secrets can go unseen here; edits made through this instance apply at once.
const secretsTTL = 30 * time.Second

// New builds a Service.
func New(o Options) *Service {
	s := &Service{db: o.DB, box: o.Box, queue: o.Queue, checkURL: o.CheckURL, now: o.Now, log: o.Logger, secrets: map[int64]cachedAccount{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.defaults.url, s.defaults.version = o.GraphURL, o.GraphVersion
	s.graphFor = o.GraphFor
	if s.graphFor == nil {
		hc := o.HTTPClient
		if hc == nil {
			hc = netguard.New(netguard.Options{}).Client(20 * time.Second)
		}
		s.graphFor = func(a Account) Graph { return whatsapp.NewClient(a.GraphURL, a.GraphVersion, hc) }
	}
	return s
}

// AccountInput is what a caller may set on an account.
type AccountInput struct {
	Name          *string `json:"name"`
	WABAID        *string `json:"waba_id"`
	AccessToken   *string `json:"access_token"`
	AppSecret     *string `json:"app_secret"`
	VerifyToken   *string `json:"verify_token"`
	GraphURL      *string `json:"graph_url"`
	GraphVersion  *string `json:"graph_version"`
	DefaultRegion *string `json:"default_region"`
	Sandbox       bool    `json:"-"`
}

func (in AccountInput) apply(a *Account) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.Name, in.Name)
	set(&a.WABAID, in.WABAID)
	set(&a.AccessToken, in.AccessToken)
	set(&a.AppSecret, in.AppSecret)
	set(&a.VerifyToken, in.VerifyToken)
	set(&a.GraphURL, in.GraphURL)
	set(&a.GraphVersion, in.GraphVersion)
	set(&a.DefaultRegion, in.DefaultRegion)
	a.DefaultRegion = strings.ToUpper(a.DefaultRegion)
	switch {
	case a.Name == "":
		return apperr.Invalid("name", "invalid_account", "name is required")
	case a.WABAID == "" || strings.Trim(a.WABAID, "0123456789") != "":
		return apperr.Invalid("waba_id", "invalid_account", "waba_id is required: the WhatsApp Business Account id (digits)")
	case a.AccessToken == "":
		return apperr.Invalid("access_token", "invalid_account", "access_token is required: a system-user token with whatsapp_business_messaging permission")
	case a.AppSecret == "":
		return apperr.Invalid("app_secret", "invalid_account", "app_secret is required: it verifies the X-Hub-Signature-256 of Meta's webhooks")
	case a.VerifyToken == "":
		return apperr.Invalid("verify_token", "invalid_account", "verify_token is required: the string you type in the App Dashboard's webhook settings")
	case a.DefaultRegion != "" && !phone.ValidRegion(a.DefaultRegion):
		return apperr.Invalid("default_region", "invalid_account", "default_region must be an ISO country code such as BR or GB")
	case !strings.HasPrefix(a.GraphURL, "http://") && !strings.HasPrefix(a.GraphURL, "https://"):
		return apperr.Invalid("graph_url", "invalid_account", "graph_url must be an http(s) URL")
	}
	return nil
}

const accountColumns = `id, name, waba_id, access_token, app_secret, verify_token, graph_url, graph_version, default_region, sandbox, credentials_error, credentials_error_at, created_at, updated_at`

func (s *Service) scanAccount(row store.Row) (Account, error) {
	var a Account
	var created, updated, credAt int64
	var tok, sec, ver string
	if err := row.Scan(&a.ID, &a.Name, &a.WABAID, &tok, &sec, &ver, &a.GraphURL, &a.GraphVersion, &a.DefaultRegion, &a.Sandbox,
		&a.CredentialsError, &credAt, &created, &updated); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt, a.CredentialsErrorAt = store.Time(created), store.Time(updated), store.Time(credAt)
	var err error
	if a.AccessToken, err = s.box.Decrypt(tok); err != nil {
		return a, err
	}
	if a.AppSecret, err = s.box.Decrypt(sec); err != nil {
		return a, err
	}
	a.VerifyToken, err = s.box.Decrypt(ver)
	return a, err
}

// CreateAccount validates and stores a new account.
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (Account, error) {
	a := Account{GraphURL: s.defaults.url, GraphVersion: s.defaults.version, Sandbox: in.Sandbox}
	if err := in.apply(&a); err != nil {
		return a, err
	}
	if err := s.checkGraphURL(a.GraphURL); err != nil {
		return a, err
	}
	now := s.now()
	a.CreatedAt, a.UpdatedAt = now, now
	tok, sec, ver, err := s.encrypt(a)
	if err != nil {
		return a, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, access_token, app_secret, verify_token, graph_url, graph_version, default_region, sandbox, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Name, a.WABAID, tok, sec, ver, a.GraphURL, a.GraphVersion, a.DefaultRegion, a.Sandbox, store.Millis(now), store.Millis(now)).Scan(&a.ID)
	})
	s.trust.reset() // a new account may join a signer's group
	if errors.Is(err, store.ErrConflict) {
		return a, &apperr.Error{Kind: apperr.KindConflict, Code: "account_exists", Field: "waba_id", Message: "an account with this waba_id already exists"}
	}
	if err == nil && !a.Sandbox {
		s.realAccountCreated(ctx, a)
	}
	return a, err
}

// UpdateAccount changes the fields set in in.
func (s *Service) UpdateAccount(ctx context.Context, id int64, in AccountInput) (Account, error) {
	a, err := s.Account(ctx, id)
	if err != nil {
		return a, err
	}
	oldURL, oldToken := a.GraphURL, a.AccessToken
	if err := in.apply(&a); err != nil {
		return a, err
	}
	if !netguard.SameOrigin(oldURL, a.GraphURL) {
		if in.AccessToken == nil {
			return a, apperr.Invalid("access_token", "secret_required",
				"graph_url moves to another host: give access_token again in the same request (the stored token is only sent to the Graph URL it was entered for)")
		}
		if err := s.checkGraphURL(a.GraphURL); err != nil {
			return a, err
		}
	}
	newToken := a.AccessToken != oldToken
	a.UpdatedAt = s.now()
	tok, sec, ver, err := s.encrypt(a)
	if err != nil {
		return a, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE accounts SET name = ?, waba_id = ?, access_token = ?, app_secret = ?, verify_token = ?,
			graph_url = ?, graph_version = ?, default_region = ?, updated_at = ? WHERE id = ?`,
			a.Name, a.WABAID, tok, sec, ver, a.GraphURL, a.GraphVersion, a.DefaultRegion, store.Millis(a.UpdatedAt), a.ID)
		if err != nil || !newToken || a.CredentialsError == "" {
			return err
		}
		// A new token answers a refused one: forget the refusal and read
		// the numbers with it, which records a new refusal if it fails too.
		if err := clearCredentialsError(ctx, tx, a.ID); err != nil {
			return err
		}
		ids, err := senderIDs(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		return s.requestChecks(ctx, tx, ids)
	})
	if newToken && err == nil {
		a.CredentialsError, a.CredentialsErrorAt = "", time.Time{}
	}
	if errors.Is(err, store.ErrConflict) {
		return a, &apperr.Error{Kind: apperr.KindConflict, Code: "account_exists", Field: "waba_id", Message: "an account with this waba_id already exists"}
	}
	s.forget(id)
	return a, err
}

// checkGraphURL refuses, at save time, a Graph URL the outbound guard
// would refuse anyway (a literal internal address not allowed).
func (s *Service) checkGraphURL(u string) error {
	if s.checkURL == nil {
		return nil
	}
	if err := s.checkURL(u); err != nil {
		if d, ok := netguard.AsDenied(err); ok {
			return apperr.Invalid("graph_url", netguard.Code, d.Error())
		}
		return apperr.Invalid("graph_url", "invalid_account", "graph_url must be an http(s) URL")
	}
	return nil
}

// DeleteAccount removes an account with its senders, templates and history.
func (s *Service) DeleteAccount(ctx context.Context, id int64) error {
	var n int64
	err := s.db.InTx(ctx, func(tx store.Tx) (err error) {
		n, err = tx.Exec(ctx, `DELETE FROM accounts WHERE id = ?`, id)
		return err
	})
	s.forget(id)
	if err == nil && n == 0 {
		return apperr.NotFound("account")
	}
	return err
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, id int64) (Account, error) {
	a, err := s.scanAccount(s.db.Read().QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return a, apperr.NotFound("account")
	}
	return a, err
}

// Accounts lists every account.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CachedAccount returns the account for webhook intake and sending, from
// memory when it was read less than secretsTTL ago: intake verifies every
// POST with the app secret, and a database read plus decryption per
// request would cap throughput for nothing. The sandbox account answers
// a not-found with code sandbox_off while the sandbox is off.
func (s *Service) CachedAccount(ctx context.Context, id int64) (Account, error) {
	return s.CachedAccountIn(ctx, s.db.Read(), id)
}

// CachedAccountIn is CachedAccount reading through q on a miss. Inside a
// transaction pass the transaction: taking a second connection from the
// pool while holding one deadlocks once every connection is held that way.
func (s *Service) CachedAccountIn(ctx context.Context, q store.Querier, id int64) (Account, error) {
	now := s.now()
	s.mu.RLock()
	c, ok := s.secrets[id]
	s.mu.RUnlock()
	if ok && now.Before(c.expires) {
		return c.acc, s.usable(c.acc)
	}
	a, err := s.scanAccount(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return a, apperr.NotFound("account")
	}
	if err != nil {
		return a, err
	}
	s.mu.Lock()
	s.secrets[id] = cachedAccount{acc: a, expires: now.Add(secretsTTL)}
	s.mu.Unlock()
	return a, s.usable(a)
}

func (s *Service) forget(id int64) {
	s.mu.Lock()
	delete(s.secrets, id)
	s.mu.Unlock()
	s.trust.reset()
}

func (s *Service) encrypt(a Account) (tok, sec, ver string, err error) {
	if tok, err = s.box.Encrypt(a.AccessToken); err != nil {
		return
	}
	if sec, err = s.box.Encrypt(a.AppSecret); err != nil {
		return
	}
	ver, err = s.box.Encrypt(a.VerifyToken)
	return
}

// HasRealAccount reports whether any non-sandbox account exists; the
// sandbox turns itself on while none does.
func (s *Service) HasRealAccount(ctx context.Context) (bool, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE sandbox = ?`, false).Scan(&n)
	return n > 0, err
}

// graphError turns a Cloud API failure into a user-facing error.
func graphError(what string, err error) error {
	var ae *whatsapp.APIError
	if errors.As(err, &ae) {
		msg := fmt.Sprintf("%s: the Cloud API answered (#%d) %s", what, ae.Code, ae.Message)
		if ae.Details != "" {
			msg += ": " + ae.Details
		}
		code := "cloud_api_error"
		kind := apperr.KindUpstream
		switch {
		case isTokenRefused(ae):
			code, kind = codeInvalidToken, apperr.KindInvalid
		case ae.Code == 100 || ae.Code == 33:
			code, kind = "not_found_at_meta", apperr.KindInvalid
		}
		return &apperr.Error{Kind: kind, Code: code, Message: msg, Err: err}
	}
	if d, ok := netguard.AsDenied(err); ok {
		return &apperr.Error{Kind: apperr.KindConflict, Code: netguard.Code, Message: what + ": " + d.Error(), Err: err}
	}
	return &apperr.Error{Kind: apperr.KindUpstream, Code: "cloud_api_unreachable", Message: what + ": cannot reach the Cloud API", Err: err}
}
