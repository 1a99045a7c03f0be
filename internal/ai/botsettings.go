package ai

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// AssistantSettings is the WhatsApp assistant section (F25). The JSON
// names of the keyword, footer and delay fields are the ones the product
// documents (stop_assistant_keyword, assistant_footer_message,
// assistant_message_delay).
type AssistantSettings struct {
	Enabled     bool  `json:"enabled"`
	AssistantID int64 `json:"assistant_id"`
	// StopKeywords pause the bot like the stop bot's keywords do; both
	// lists are checked on every inbound text.
	StopKeywords []string `json:"stop_assistant_keyword"`
	// Footer is appended to every assistant reply (required).
	Footer string `json:"assistant_footer_message"`
	// DelaySeconds simulates typing: the typing indicator shows at once and
	// the reply is sent this many seconds after the customer's message
	// (required, >= 0). Messages arriving within the delay get one reply.
	DelaySeconds int `json:"assistant_message_delay"`
	// HandoverMinutes: the assistant stays quiet in a conversation where a
	// person (an agent or an API caller) sent a message this recently.
	// 0 turns the rule off.
	HandoverMinutes int `json:"handover_minutes"`
}

func defaultAssistantSettings() AssistantSettings {
	return AssistantSettings{StopKeywords: []string{"stop"}, Footer: "🤖 Automatic reply. Send STOP to talk to a person.",
		DelaySeconds: 3, HandoverMinutes: 60}
}

// AssistantSettingsInput changes the section; omitted fields keep their value.
type AssistantSettingsInput struct {
	Enabled         *bool     `json:"enabled"`
	AssistantID     *int64    `json:"assistant_id"`
	StopKeywords    *[]string `json:"stop_assistant_keyword"`
	Footer          *string   `json:"assistant_footer_message"`
	DelaySeconds    *int      `json:"assistant_message_delay"`
	HandoverMinutes *int      `json:"handover_minutes"`
}

// StopBotSettings is the stop bot section (F19).
type StopBotSettings struct {
	Keywords []string `json:"stop_keywords"`
	// RestartAfterHours: a keyword pauses the bot in that conversation for
	// this many hours; 0 means until someone resumes it by hand.
	RestartAfterHours int `json:"restart_after_hours"`
}

func defaultStopBotSettings() StopBotSettings {
	return StopBotSettings{Keywords: []string{"stop", "parar"}, RestartAfterHours: 0}
}

// StopBotSettingsInput changes the section; omitted fields keep their value.
type StopBotSettingsInput struct {
	Keywords          *[]string `json:"stop_keywords"`
	RestartAfterHours *int      `json:"restart_after_hours"`
}

func (s *Service) assistantSettings(ctx context.Context, q store.Querier) (AssistantSettings, error) {
	return settings.Get(ctx, s.settings, q, KeyAssistant, defaultAssistantSettings())
}

func (s *Service) stopBotSettings(ctx context.Context, q store.Querier) (StopBotSettings, error) {
	return settings.Get(ctx, s.settings, q, KeyStopBot, defaultStopBotSettings())
}

// AssistantSettings returns the WhatsApp assistant section.
func (s *Service) AssistantSettings(ctx context.Context) (AssistantSettings, error) {
	return s.assistantSettings(ctx, nil)
}

// StopBotSettings returns the stop bot section.
func (s *Service) StopBotSettings(ctx context.Context) (StopBotSettings, error) {
	return s.stopBotSettings(ctx, nil)
}

// UpdateAssistantSettings validates and saves the WhatsApp assistant
// section; it applies to the next inbound message.
func (s *Service) UpdateAssistantSettings(ctx context.Context, in AssistantSettingsInput) (AssistantSettings, error) {
	st, err := s.assistantSettings(ctx, nil)
	if err != nil {
		return st, err
	}
	if in.Enabled != nil {
		st.Enabled = *in.Enabled
	}
	if in.AssistantID != nil {
		st.AssistantID = *in.AssistantID
	}
	if in.StopKeywords != nil {
		if st.StopKeywords, err = cleanKeywords("stop_assistant_keyword", *in.StopKeywords); err != nil {
			return st, err
		}
	}
	if in.Footer != nil {
		st.Footer = strings.TrimSpace(*in.Footer)
	}
	if in.DelaySeconds != nil {
		st.DelaySeconds = *in.DelaySeconds
	}
	if in.HandoverMinutes != nil {
		st.HandoverMinutes = *in.HandoverMinutes
	}
	switch {
	case st.Footer == "":
		return st, apperr.Invalid("assistant_footer_message", "invalid_request", "assistant_footer_message is required: it is appended to every assistant reply")
	case utf8.RuneCountInString(st.Footer) > 1024:
		return st, apperr.Invalid("assistant_footer_message", "invalid_request", "assistant_footer_message must be at most 1024 characters")
	case st.DelaySeconds < 0 || st.DelaySeconds > 600:
		return st, apperr.Invalid("assistant_message_delay", "invalid_request", "assistant_message_delay must be from 0 to 600 seconds")
	case st.HandoverMinutes < 0 || st.HandoverMinutes > 7*24*60:
		return st, apperr.Invalid("handover_minutes", "invalid_request", "handover_minutes must be from 0 (off) to 10080 (a week)")
	case st.Enabled && st.AssistantID <= 0:
		return st, apperr.Invalid("assistant_id", "invalid_request", "assistant_id is required to enable the WhatsApp assistant")
	}
	if st.AssistantID > 0 {
		if _, err := s.Assistant(ctx, st.AssistantID); err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
				return st, apperr.Invalid("assistant_id", "assistant_not_found", "no assistant with this id")
			}
			return st, err
		}
	}
	return st, settings.Put(ctx, s.settings, KeyAssistant, st)
}

// UpdateStopBotSettings validates and saves the stop bot section; it
// applies to the next inbound message.
func (s *Service) UpdateStopBotSettings(ctx context.Context, in StopBotSettingsInput) (StopBotSettings, error) {
	st, err := s.stopBotSettings(ctx, nil)
	if err != nil {
		return st, err
	}
	if in.Keywords != nil {
		if st.Keywords, err = cleanKeywords("stop_keywords", *in.Keywords); err != nil {
			return st, err
		}
	}
	if in.RestartAfterHours != nil {
		if *in.RestartAfterHours < 0 || *in.RestartAfterHours > 24*365 {
			return st, apperr.Invalid("restart_after_hours", "invalid_request", "restart_after_hours must be from 0 (until resumed by hand) to 8760")
		}
		st.RestartAfterHours = *in.RestartAfterHours
	}
	return st, settings.Put(ctx, s.settings, KeyStopBot, st)
}

// cleanKeywords bounds a keyword list and refuses keywords that could
// never match (nothing but punctuation).
func cleanKeywords(field string, in []string) ([]string, error) {
	out, err := cleanList(field, in, 100, 100)
	if err != nil {
		return nil, err
	}
	for _, k := range out {
		if fold(k) == " " {
			return nil, apperr.Invalid(field, "invalid_request", "keyword "+quote(k)+" has no letters or digits, so it could never match")
		}
	}
	return out, nil
}
