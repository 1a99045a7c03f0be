package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
)

// TestResult is a test send's message.
type TestResult struct {
	MessageID int64             `json:"message_id"`
	To        string            `json:"to"`
	Variables map[string]string `json:"variables"`
}

// Test sends the campaign's template to one chosen number with the
// variables the mapping gives it (from its contact, or its CSV row). A
// success is what Start asks for; changing the senders, template or
// mapping asks for another.
func (s *Service) Test(ctx context.Context, id int64, to string) (TestResult, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	t, err := s.target(ctx, s.db.Read(), c)
	if err != nil {
		return TestResult{}, err
	}
	e164, err := phone.Normalize(to, t.region)
	if err != nil {
		return TestResult{}, apperr.Invalid("to", "invalid_phone", err.Error())
	}
	m := member{phone: e164, csv: map[string]string{}}
	var cols string
	if err := s.db.Read().QueryRow(ctx, `SELECT phone, columns FROM campaign_csv_rows WHERE campaign_id = ? AND (phone = ? OR phone = ?) ORDER BY row_no LIMIT 1`,
		id, to, e164).Scan(&m.phone, &cols); err == nil {
		_ = json.Unmarshal([]byte(cols), &m.csv)
	} else if !errors.Is(err, store.ErrNotFound) {
		return TestResult{}, err
	}
	var name, profile string
	err = s.db.Read().QueryRow(ctx, `SELECT id, name, profile_name FROM contacts WHERE wa_id = ?`, phone.WAID(e164)).Scan(&m.contactID, &name, &profile)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return TestResult{}, err
	}
	m.name = cmpOr(name, cmpOr(profile, m.csv["name"]))
	if m.contactID > 0 {
		one := []member{m}
		if err := s.details(ctx, one); err != nil {
			return TestResult{}, err
		}
		m = one[0]
	}
	vars, missing := resolve(c.Mapping, t.placeholders, m)
	if len(missing) > 0 {
		return TestResult{}, apperr.Invalid("mapping", "missing_variable", "the mapping gives this recipient no value for {{"+missing[0]+"}}; add a default or choose another recipient")
	}
	msg, err := s.outbox.Send(ctx, messaging.SendRequest{Type: "template", SenderID: c.SenderIDs[0], To: e164,
		Template: &messaging.TemplateRef{Name: c.Template.Name, Language: c.Template.Language}, Variables: vars,
		Source: "campaign-test:" + strconv.FormatInt(id, 10)})
	if err != nil {
		return TestResult{}, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE campaigns SET test_signature = ?, test_message_id = ?, updated_at = ? WHERE id = ?`,
			c.Config.signature(), msg.ID, store.Millis(s.now()), id)
		return err
	})
	return TestResult{MessageID: msg.ID, To: e164, Variables: vars}, err
}

// Start starts a draft: now, or at its start time (scheduled). It is
// refused until a test send succeeded with the current mapping.
func (s *Service) Start(ctx context.Context, id int64) (Campaign, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != StatusDraft {
		return c, apperr.New(apperr.KindConflict, "campaign_not_draft", "only a draft campaign can be started; this one is "+c.Status)
	}
	if !c.TestPassed {
		return c, apperr.New(apperr.KindConflict, "test_send_required", "send a test to one recipient with the current template and mapping before starting")
	}
	var testStatus string
	if err := s.db.Read().QueryRow(ctx, `SELECT m.status FROM campaigns c JOIN messages m ON m.id = c.test_message_id WHERE c.id = ?`, id).Scan(&testStatus); err != nil && !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	if testStatus == "failed" || testStatus == "" {
		return c, apperr.New(apperr.KindConflict, "test_send_required", "the last test send failed; fix it and send another test before starting")
	}
	t, err := s.target(ctx, s.db.Read(), c)
	if err != nil {
		return c, err
	}
	if !c.Expanded {
		if err := s.expand(ctx, c, t); err != nil {
			return c, err
		}
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		status, started := StatusRunning, store.Millis(now)
		var startAt int64
		if c.StartAt != nil && c.StartAt.After(now) {
			status, started, startAt = StatusScheduled, 0, store.Millis(*c.StartAt)
		}
		n, err := tx.Exec(ctx, `UPDATE campaigns SET status = ?, start_at = ?, started_at = ?, updated_at = ? WHERE id = ? AND status = 'draft'`,
			status, startAt, started, store.Millis(now), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.KindConflict, "campaign_not_draft", "the campaign was started or changed meanwhile")
		}
		return s.enqueue(ctx, tx, id)
	})
	if err != nil {
		return c, err
	}
	return s.Get(ctx, id)
}

// Pause stops releasing recipients; the runner sees it at its next
// round (within Options.Tick).
func (s *Service) Pause(ctx context.Context, id int64, reason string) (Campaign, error) {
	if reason == "" {
		reason = "paused by hand"
	}
	return s.transition(ctx, id, []string{StatusRunning, StatusScheduled}, StatusPaused, reason, "campaign_not_running", "only a running or scheduled campaign can be paused")
}

// Resume continues a paused campaign where it stopped: its recipients
// still queued are the ones not yet sent.
func (s *Service) Resume(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, []string{StatusPaused}, StatusRunning, "", "campaign_not_paused", "only a paused campaign can be resumed")
}

// Cancel ends a campaign for good: recipients not yet released are never
// sent.
func (s *Service) Cancel(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, []string{StatusDraft, StatusScheduled, StatusRunning, StatusPaused}, StatusCancelled, "",
		"campaign_finished", "the campaign has already finished")
}

func (s *Service) transition(ctx context.Context, id int64, from []string, to, reason, code, msg string) (Campaign, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Campaign{}, err
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		args := []any{to, reason, store.Millis(s.now()), id}
		marks := ""
		for i, f := range from {
			if i > 0 {
				marks += ", "
			}
			marks += "?"
			args = append(args, f)
		}
		finished := ""
		if to == StatusCancelled {
			finished = ", finished_at = " + strconv.FormatInt(store.Millis(s.now()), 10)
		}
		n, err := tx.Exec(ctx, `UPDATE campaigns SET status = ?, pause_reason = ?, updated_at = ?`+finished+` WHERE id = ? AND status IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.KindConflict, code, msg)
		}
		if to == StatusRunning {
			return s.enqueue(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}
