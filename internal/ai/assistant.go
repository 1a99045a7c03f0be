package ai

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Assistant is a configured AI persona (F7): a model, a system prompt and
// how much of a conversation it remembers.
type Assistant struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	Model        string            `json:"model"` // "" = the AI settings' model
	SystemPrompt string            `json:"system_prompt"`
	Temperature  float64           `json:"temperature"`
	HistoryLimit int               `json:"history_limit"`
	Variables    map[string]string `json:"variables"`
	// Failures counts calls failed in a row since the last success;
	// LastError is the latest failure, kept after a success for history.
	Failures  int             `json:"failures"`
	LastError *AssistantError `json:"last_error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// AssistantError is an assistant's latest failure.
type AssistantError struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// AssistantInput creates or changes an assistant; on update omitted
// fields keep their value.
type AssistantInput struct {
	Name         *string            `json:"name"`
	Model        *string            `json:"model"`
	SystemPrompt *string            `json:"system_prompt"`
	Temperature  *float64           `json:"temperature"`
	HistoryLimit *int               `json:"history_limit"`
	Variables    *map[string]string `json:"variables"`
}

// Assistant defaults and bounds.
const (
	DefaultTemperature  = 0.7
	DefaultHistoryLimit = 20
	MaxHistoryLimit     = 100
)

var variableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,49}$`)

const assistantColumns = `id, name, model, system_prompt, temperature, history_limit, variables, failures,
	last_error_code, last_error, last_error_at, created_at, updated_at`

func scanAssistant(row store.Row) (Assistant, error) {
	var a Assistant
	var vars, code, msg string
	var errAt, created, updated int64
	if err := row.Scan(&a.ID, &a.Name, &a.Model, &a.SystemPrompt, &a.Temperature, &a.HistoryLimit, &vars, &a.Failures,
		&code, &msg, &errAt, &created, &updated); err != nil {
		return a, err
	}
	a.Variables = map[string]string{}
	_ = json.Unmarshal([]byte(vars), &a.Variables)
	if code != "" {
		a.LastError = &AssistantError{Code: code, Message: msg, At: store.Time(errAt)}
	}
	a.CreatedAt, a.UpdatedAt = store.Time(created), store.Time(updated)
	return a, nil
}

// apply validates in onto a; models is the configured model list.
func (in AssistantInput) apply(a *Assistant, models []string) error {
	if in.Name != nil {
		a.Name = strings.TrimSpace(*in.Name)
	}
	if a.Name == "" || utf8.RuneCountInString(a.Name) > 100 {
		return apperr.Invalid("name", "invalid_request", "name is required (at most 100 characters)")
	}
	if in.Model != nil {
		a.Model = strings.TrimSpace(*in.Model)
		if a.Model != "" && !slices.Contains(models, a.Model) {
			return apperr.Invalid("model", "invalid_request",
				"model must be empty (the AI settings' model) or one of the configured models: "+strings.Join(models, ", "))
		}
	}
	if in.SystemPrompt != nil {
		a.SystemPrompt = strings.TrimSpace(*in.SystemPrompt)
		if utf8.RuneCountInString(a.SystemPrompt) > 20000 {
			return apperr.Invalid("system_prompt", "invalid_request", "system_prompt must be at most 20000 characters")
		}
	}
	if in.Temperature != nil {
		if *in.Temperature < 0 || *in.Temperature > 2 {
			return apperr.Invalid("temperature", "invalid_request", "temperature must be from 0 to 2")
		}
		a.Temperature = *in.Temperature
	}
	if in.HistoryLimit != nil {
		if *in.HistoryLimit < 0 || *in.HistoryLimit > MaxHistoryLimit {
			return apperr.Invalid("history_limit", "invalid_request", "history_limit must be from 0 to 100 messages")
		}
		a.HistoryLimit = *in.HistoryLimit
	}
	if in.Variables != nil {
		if err := checkVariables("variables", *in.Variables); err != nil {
			return err
		}
		a.Variables = *in.Variables
	}
	if a.Variables == nil {
		a.Variables = map[string]string{}
	}
	return nil
}

// checkVariables bounds context variables: names usable as {{name}}.
func checkVariables(field string, vars map[string]string) error {
	if len(vars) > 50 {
		return apperr.Invalid(field, "invalid_request", field+" may hold at most 50 variables")
	}
	for k, v := range vars {
		if !variableName.MatchString(k) {
			return apperr.Invalid(field, "invalid_request", "variable name "+quote(k)+" must be letters, digits or _ (at most 50), not starting with a digit")
		}
		if utf8.RuneCountInString(v) > 2000 {
			return apperr.Invalid(field, "invalid_request", "variable "+k+" must be at most 2000 characters")
		}
	}
	return nil
}

// CreateAssistant adds an assistant.
func (s *Service) CreateAssistant(ctx context.Context, in AssistantInput) (Assistant, error) {
	st, err := s.aiSettings(ctx, nil)
	if err != nil {
		return Assistant{}, err
	}
	a := Assistant{Temperature: DefaultTemperature, HistoryLimit: DefaultHistoryLimit}
	if err := in.apply(&a, st.Models); err != nil {
		return Assistant{}, err
	}
	vars, _ := json.Marshal(a.Variables)
	now := store.Millis(s.now())
	var id int64
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO assistants (name, model, system_prompt, temperature, history_limit, variables, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Name, a.Model, a.SystemPrompt, a.Temperature, a.HistoryLimit, string(vars), now, now).Scan(&id)
	})
	if err != nil {
		return Assistant{}, err
	}
	return s.Assistant(ctx, id)
}

// UpdateAssistant changes an assistant.
func (s *Service) UpdateAssistant(ctx context.Context, id int64, in AssistantInput) (Assistant, error) {
	st, err := s.aiSettings(ctx, nil)
	if err != nil {
		return Assistant{}, err
	}
	a, err := s.Assistant(ctx, id)
	if err != nil {
		return a, err
	}
	if err := in.apply(&a, st.Models); err != nil {
		return Assistant{}, err
	}
	vars, _ := json.Marshal(a.Variables)
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE assistants SET name = ?, model = ?, system_prompt = ?, temperature = ?, history_limit = ?, variables = ?,
			updated_at = ? WHERE id = ?`, a.Name, a.Model, a.SystemPrompt, a.Temperature, a.HistoryLimit, string(vars), store.Millis(s.now()), id)
		return err
	})
	if err != nil {
		return Assistant{}, err
	}
	return s.Assistant(ctx, id)
}

// DeleteAssistant removes an assistant with its conversations. The
// WhatsApp assistant setting that names it stops answering (and says so
// in its status) until another assistant is chosen.
func (s *Service) DeleteAssistant(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM assistants WHERE id = ?`, id)
		if err == nil && n == 0 {
			return apperr.NotFound("assistant")
		}
		return err
	})
}

// Assistant returns one assistant.
func (s *Service) Assistant(ctx context.Context, id int64) (Assistant, error) {
	return assistantByID(ctx, s.db.Read(), id)
}

func assistantByID(ctx context.Context, q store.Querier, id int64) (Assistant, error) {
	a, err := scanAssistant(q.QueryRow(ctx, `SELECT `+assistantColumns+` FROM assistants WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return a, apperr.NotFound("assistant")
	}
	return a, err
}

// Assistants lists every assistant by name.
func (s *Service) Assistants(ctx context.Context) ([]Assistant, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+assistantColumns+` FROM assistants ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Assistant{}
	for rows.Next() {
		a, err := scanAssistant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func quote(s string) string { return `"` + s + `"` }
