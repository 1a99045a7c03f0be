package ai

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Prompt is a saved instruction for the agent's custom_prompt helper
// (F23). The five defaults (formal introduction, product information,
// complaint response, appointment reminder, upsell offer) are installed by
// the migration; admins edit, add and delete them.
type Prompt struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Prompt      string    `json:"prompt"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PromptInput creates or changes a prompt; on update omitted fields keep
// their value.
type PromptInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Prompt      *string `json:"prompt"`
}

func (in PromptInput) apply(p *Prompt) error {
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
	}
	if in.Prompt != nil {
		p.Prompt = strings.TrimSpace(*in.Prompt)
	}
	switch {
	case p.Name == "" || utf8.RuneCountInString(p.Name) > 100:
		return apperr.Invalid("name", "invalid_request", "name is required (at most 100 characters)")
	case utf8.RuneCountInString(p.Description) > 500:
		return apperr.Invalid("description", "invalid_request", "description must be at most 500 characters")
	case p.Prompt == "" || utf8.RuneCountInString(p.Prompt) > 4000:
		return apperr.Invalid("prompt", "invalid_request", "prompt is required (the instruction applied to the agent's text, at most 4000 characters)")
	}
	return nil
}

const promptColumns = `id, name, description, prompt, created_at, updated_at`

func scanPrompt(row store.Row) (Prompt, error) {
	var p Prompt
	var created, updated int64
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Prompt, &created, &updated)
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return p, err
}

// Prompts lists the saved prompts in the order they were added.
func (s *Service) Prompts(ctx context.Context) ([]Prompt, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+promptColumns+` FROM ai_prompts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Prompt{}
	for rows.Next() {
		p, err := scanPrompt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Prompt returns one saved prompt.
func (s *Service) Prompt(ctx context.Context, id int64) (Prompt, error) {
	p, err := scanPrompt(s.db.Read().QueryRow(ctx, `SELECT `+promptColumns+` FROM ai_prompts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return p, apperr.NotFound("prompt")
	}
	return p, err
}

// CreatePrompt saves a new prompt.
func (s *Service) CreatePrompt(ctx context.Context, in PromptInput) (Prompt, error) {
	var p Prompt
	if err := in.apply(&p); err != nil {
		return p, err
	}
	now := store.Millis(s.now())
	var id int64
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO ai_prompts (name, description, prompt, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			p.Name, p.Description, p.Prompt, now, now).Scan(&id)
	})
	if err != nil {
		return p, promptConflict(err)
	}
	return s.Prompt(ctx, id)
}

// UpdatePrompt changes a saved prompt.
func (s *Service) UpdatePrompt(ctx context.Context, id int64, in PromptInput) (Prompt, error) {
	p, err := s.Prompt(ctx, id)
	if err != nil {
		return p, err
	}
	if err := in.apply(&p); err != nil {
		return p, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE ai_prompts SET name = ?, description = ?, prompt = ?, updated_at = ? WHERE id = ?`,
			p.Name, p.Description, p.Prompt, store.Millis(s.now()), id)
		return err
	})
	if err != nil {
		return p, promptConflict(err)
	}
	return s.Prompt(ctx, id)
}

// DeletePrompt removes a saved prompt.
func (s *Service) DeletePrompt(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM ai_prompts WHERE id = ?`, id)
		if err == nil && n == 0 {
			return apperr.NotFound("prompt")
		}
		return err
	})
}

func promptConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &apperr.Error{Kind: apperr.KindConflict, Code: "prompt_exists", Message: "a prompt with this name already exists", Field: "name"}
	}
	return err
}
