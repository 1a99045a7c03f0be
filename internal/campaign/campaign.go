package campaign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Statuses of a campaign.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusRunning   = "running"
	StatusPaused    = "paused"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Template names the approved template a campaign sends.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
}

// Source fills one placeholder: From is contact.name, contact.<field>,
// lead.status, lead.source, csv.<column> or text:<fixed text>; Default is
// used when the source is empty.
type Source struct {
	From    string `json:"from"`
	Default string `json:"default,omitempty"`
}

// Audience selects recipients: contacts matching every filter given, or
// (Kind "csv") the rows of the uploaded CSV file.
type Audience struct {
	Kind              string     `json:"kind"` // contacts | csv
	Tags              []string   `json:"tags,omitempty"`
	LeadStatus        []string   `json:"lead_status,omitempty"`
	LeadSource        []string   `json:"lead_source,omitempty"`
	LastMessageAfter  *time.Time `json:"last_message_after,omitempty"`
	LastMessageBefore *time.Time `json:"last_message_before,omitempty"`
	OptedInOnly       bool       `json:"opted_in_only,omitempty"`
}

// Window is the time of day sends are released in, in a named time zone.
type Window struct {
	Start    string `json:"start"` // HH:MM
	End      string `json:"end"`   // HH:MM
	TimeZone string `json:"time_zone"`
}

// PauseRules say when a running campaign pauses itself.
type PauseRules struct {
	Quality    string  `json:"quality"`     // YELLOW or RED (pause at this or worse); "" never
	Offline    bool    `json:"offline"`     // pause when a sender goes offline
	ErrorShare float64 `json:"error_share"` // pause when more than this share of the last 200 sends failed (0: never)
}

// Config is what a campaign sends, to whom and how.
type Config struct {
	SenderIDs []int64           `json:"sender_ids"`
	Template  Template          `json:"template"`
	Mapping   map[string]Source `json:"mapping"`
	Audience  Audience          `json:"audience"`
	StartAt   *time.Time        `json:"start_at,omitempty"`
	Window    *Window           `json:"window,omitempty"`
	Pause     PauseRules        `json:"pause"`
}

// Campaign is one campaign.
type Campaign struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Config
	TestPassed  bool      `json:"test_passed"`
	Expanded    bool      `json:"expanded"`
	PauseReason string    `json:"pause_reason"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	testSignature string
}

// Input creates or changes a draft.
type Input struct {
	Name string `json:"name"`
	Config
}

// signature covers everything a test send proves: changing any of it
// asks for a new test.
func (c Config) signature() string {
	b, _ := json.Marshal(struct {
		S []int64
		T Template
		M map[string]Source
	}{c.SenderIDs, c.Template, c.Mapping})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (in Input) validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return apperr.Invalid("name", "invalid_request", "name is required")
	}
	if len(in.SenderIDs) == 0 {
		return apperr.Invalid("sender_ids", "invalid_request", "at least one sender is required")
	}
	if in.Template.Name == "" || in.Template.Language == "" {
		return apperr.Invalid("template", "invalid_request", "template.name and template.language are required")
	}
	for ph, src := range in.Mapping {
		if _, _, err := parseFrom(src.From); err != nil {
			return apperr.Invalid("mapping."+ph, "invalid_mapping", err.Error())
		}
	}
	switch in.Audience.Kind {
	case "contacts", "csv":
	default:
		return apperr.Invalid("audience.kind", "invalid_request", `audience.kind must be "contacts" or "csv"`)
	}
	if w := in.Window; w != nil {
		if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "" {
			return apperr.Invalid("window.time_zone", "invalid_request", "unknown time zone: "+w.TimeZone)
		}
		if _, ok := minuteOfDay(w.Start); !ok {
			return apperr.Invalid("window.start", "invalid_request", "window.start must be HH:MM")
		}
		if _, ok := minuteOfDay(w.End); !ok {
			return apperr.Invalid("window.end", "invalid_request", "window.end must be HH:MM")
		}
	}
	switch in.Pause.Quality {
	case "", "YELLOW", "RED":
	default:
		return apperr.Invalid("pause.quality", "invalid_request", `pause.quality must be "YELLOW", "RED" or empty`)
	}
	if in.Pause.ErrorShare < 0 || in.Pause.ErrorShare > 1 {
		return apperr.Invalid("pause.error_share", "invalid_request", "pause.error_share is a share between 0 and 1")
	}
	return nil
}

const columns = `id, name, status, config, test_signature, expanded, pause_reason, started_at, finished_at, created_at, updated_at`

func scan(row store.Row) (Campaign, error) {
	var c Campaign
	var cfg string
	var expanded int
	var started, finished, created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Status, &cfg, &c.testSignature, &expanded, &c.PauseReason, &started, &finished, &created, &updated); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return c, err
	}
	c.Expanded = expanded == 1
	c.TestPassed = c.testSignature != "" && c.testSignature == c.Config.signature()
	if started > 0 {
		c.StartedAt = store.Time(started)
	}
	if finished > 0 {
		c.FinishedAt = store.Time(finished)
	}
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	return c, nil
}

func get(ctx context.Context, q store.Querier, id int64) (Campaign, error) {
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("campaign")
	}
	return c, err
}

// Get returns one campaign.
func (s *Service) Get(ctx context.Context, id int64) (Campaign, error) {
	return get(ctx, s.db.Read(), id)
}

// List returns the campaigns, newest first.
func (s *Service) List(ctx context.Context) ([]Campaign, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+columns+` FROM campaigns ORDER BY id DESC LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Create stores a new draft.
func (s *Service) Create(ctx context.Context, userID int64, in Input) (Campaign, error) {
	if err := in.validate(); err != nil {
		return Campaign{}, err
	}
	cfg, err := json.Marshal(in.Config)
	if err != nil {
		return Campaign{}, err
	}
	now := store.Millis(s.now())
	var id int64
	if err := s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO campaigns (name, status, config, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			strings.TrimSpace(in.Name), StatusDraft, string(cfg), userID, now, now).Scan(&id)
	}); err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}

// Update replaces a draft's settings. The expanded audience is dropped
// (the preview computes it again); a changed sender, template or mapping
// needs a new test send.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Campaign, error) {
	if err := in.validate(); err != nil {
		return Campaign{}, err
	}
	cfg, err := json.Marshal(in.Config)
	if err != nil {
		return Campaign{}, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		c, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Status != StatusDraft {
			return apperr.New(apperr.KindConflict, "campaign_not_draft", "only a draft campaign can be changed; this one is "+c.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET name = ?, config = ?, expanded = 0, updated_at = ? WHERE id = ?`,
			strings.TrimSpace(in.Name), string(cfg), store.Millis(s.now()), id); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return Campaign{}, err
	}
	if err := s.clearRecipients(ctx, id); err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}

// Delete removes a draft (or a finished campaign) with its recipients.
func (s *Service) Delete(ctx context.Context, id int64) error {
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	switch c.Status {
	case StatusRunning, StatusScheduled, StatusPaused:
		return apperr.New(apperr.KindConflict, "campaign_active", "cancel the campaign before deleting it")
	}
	if err := s.clearRecipients(ctx, id); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM campaign_csv_rows WHERE campaign_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM campaigns WHERE id = ?`, id)
		return err
	})
}

// clearRecipients deletes a campaign's recipients a batch at a time.
func (s *Service) clearRecipients(ctx context.Context, id int64) error {
	for {
		var n int64
		err := s.db.InTx(ctx, func(tx store.Tx) (err error) {
			n, err = tx.Exec(ctx, `DELETE FROM campaign_recipients WHERE id IN (SELECT id FROM campaign_recipients WHERE campaign_id = ? LIMIT ?)`, id, s.batch)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

func minuteOfDay(hhmm string) (int, bool) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}
