package forward

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Key is the settings section (and audit section) of forwarding.
const Key = "forwarding"

// Methods of sending a delivery.
const (
	MethodGET  = "GET"
	MethodPOST = "POST"
)

// maxURL bounds the endpoint's length.
const maxURL = 2000

// secretPrefix marks a forwarding signing secret, so it is recognisable
// in a CRM's configuration.
const secretPrefix = "zfwhsec_"

// Settings is the stored section. Secret is encrypted with the secret box
// and never leaves the server after it was shown once.
type Settings struct {
	Enabled bool   `json:"enabled"`
	Method  string `json:"method"`
	URL     string `json:"url"`
	Secret  string `json:"secret"`
}

func defaultSettings() Settings { return Settings{Method: MethodPOST} }

// View is what the API and the settings page show: the secret only as set
// or not and its last four characters. NewSecret carries the secret the
// one time it is shown: in the answer of the request that generated it.
type View struct {
	Enabled    bool   `json:"enabled"`
	Method     string `json:"method"`
	URL        string `json:"url"`
	SecretSet  bool   `json:"secret_set"`
	SecretHint string `json:"secret_hint,omitempty"`
	NewSecret  string `json:"secret,omitempty"`
}

// Input changes the section; omitted fields keep their value.
type Input struct {
	Enabled *bool   `json:"enabled"`
	Method  *string `json:"method"`
	URL     *string `json:"url"`
}

func (s *Service) settings(ctx context.Context, q store.Querier) (Settings, error) {
	return settings.Get(ctx, s.Settings, q, Key, defaultSettings())
}

// View returns the section as the API shows it.
func (s *Service) View(ctx context.Context) (View, error) {
	st, err := s.settings(ctx, nil)
	if err != nil {
		return View{}, err
	}
	return s.viewOf(st)
}

func (s *Service) viewOf(st Settings) (View, error) {
	sec, err := s.Box.Decrypt(st.Secret)
	if err != nil {
		return View{}, err
	}
	v := View{Enabled: st.Enabled, Method: st.Method, URL: st.URL, SecretSet: sec != ""}
	if len(sec) >= 12 {
		v.SecretHint = "…" + sec[len(sec)-4:]
	}
	return v, nil
}

// Update validates and saves a change. The first save that switches
// forwarding on generates the signing secret, returned in View.NewSecret
// (the only time it is shown).
func (s *Service) Update(ctx context.Context, in Input) (View, error) {
	st, err := s.settings(ctx, nil)
	if err != nil {
		return View{}, err
	}
	if in.Enabled != nil {
		st.Enabled = *in.Enabled
	}
	if in.Method != nil {
		m := strings.ToUpper(strings.TrimSpace(*in.Method))
		if m != MethodGET && m != MethodPOST {
			return View{}, apperr.Invalid("method", "invalid_request", `method must be "GET" or "POST"`)
		}
		st.Method = m
	}
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if u != "" {
			if err := s.checkEndpoint(u); err != nil {
				return View{}, err
			}
		}
		st.URL = u
	}
	if st.Enabled && st.URL == "" {
		return View{}, apperr.Invalid("url", "url_required", "url is required to switch forwarding on: the address of your endpoint, e.g. https://crm.example.com/zapflow")
	}
	fresh := ""
	if st.Enabled && st.Secret == "" {
		if fresh, st.Secret, err = s.newSecret(); err != nil {
			return View{}, err
		}
	}
	if err := settings.Put(ctx, s.Settings, Key, st); err != nil {
		return View{}, err
	}
	v, err := s.viewOf(st)
	v.NewSecret = fresh
	if st.Enabled {
		s.Wake() // held deliveries go out now
	}
	return v, err
}

// RotateSecret replaces the signing secret with a new one and returns it
// in View.NewSecret (the only time it is shown). Deliveries sent from now
// on, retries included, are signed with it.
func (s *Service) RotateSecret(ctx context.Context) (View, error) {
	st, err := s.settings(ctx, nil)
	if err != nil {
		return View{}, err
	}
	fresh, sealed, err := s.newSecret()
	if err != nil {
		return View{}, err
	}
	st.Secret = sealed
	if err := settings.Put(ctx, s.Settings, Key, st); err != nil {
		return View{}, err
	}
	v, err := s.viewOf(st)
	v.NewSecret = fresh
	return v, err
}

// newSecret generates a signing secret and its encrypted form.
func (s *Service) newSecret() (plain, sealed string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	plain = secretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sealed, err = s.Box.Encrypt(plain)
	return plain, sealed, err
}

// checkEndpoint refuses what is not an http(s) URL with a host, and what
// the outbound guard refuses already (a literal private or loopback
// address not allowed by ZAPFLOW_OUTBOUND_ALLOW).
func (s *Service) checkEndpoint(u string) error {
	if len(u) > maxURL {
		return apperr.Invalid("url", "invalid_url", "url must be at most 2000 characters")
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Fragment != "" {
		return apperr.Invalid("url", "invalid_url", "url must be an http or https address of your endpoint, e.g. https://crm.example.com/zapflow")
	}
	if s.CheckURL != nil {
		if err := s.CheckURL(u); err != nil {
			if d, ok := netguard.AsDenied(err); ok {
				return apperr.Invalid("url", netguard.Code, d.Error())
			}
			return apperr.Invalid("url", "invalid_url", "url must be an http or https address of your endpoint")
		}
	}
	return nil
}
