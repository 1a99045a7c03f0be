package campaign

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/settings"
)

// Settings are the team-wide campaign settings (settings section
// SettingsKey).
type Settings struct {
	// SendShare is the part of each sender's rate that campaigns may use
	// together, so replies and flows still get through (0.8: 80%).
	SendShare float64 `json:"send_share"`
}

// SettingsInput changes Settings: a field left out keeps its value.
type SettingsInput struct {
	SendShare *float64 `json:"send_share,omitempty"`
}

// Settings reads the campaign settings (the defaults until saved).
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	if s.settings == nil {
		return Settings{SendShare: DefaultShare}, nil
	}
	return settings.Get(ctx, s.settings, nil, SettingsKey, Settings{SendShare: DefaultShare})
}

// UpdateSettings merges in over the saved settings, validates the result
// and saves it; running campaigns use it from their next round.
func (s *Service) UpdateSettings(ctx context.Context, in SettingsInput) (Settings, error) {
	if s.settings == nil {
		return Settings{}, errors.New("campaign: no settings store")
	}
	v, err := s.Settings(ctx)
	if err != nil {
		return v, err
	}
	if in.SendShare != nil {
		v.SendShare = *in.SendShare
	}
	if !(v.SendShare > 0 && v.SendShare <= 1) {
		return v, apperr.Invalid("send_share", "invalid_request", "send_share is the part of a sender's rate campaigns may use: above 0 and at most 1 (0.8 is 80%)")
	}
	return v, settings.Put(ctx, s.settings, SettingsKey, v)
}
