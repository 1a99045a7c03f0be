package ai

import (
	"context"
)

// SandboxFooter ends every reply of the assistant the sandbox installs.
const SandboxFooter = "— zapflow sandbox assistant (AI)"

// InstallSandboxAssistant creates an assistant and switches the WhatsApp
// assistant on with it, so someone trying zapflow on the sandbox sees a
// reply to their first "oi" (F25) with nothing to configure. It does
// nothing once the WhatsApp assistant section has been saved, so it never
// undoes what an admin chose; it reports whether it installed.
func (s *Service) InstallSandboxAssistant(ctx context.Context) (bool, error) {
	raw, err := s.settings.Raw(ctx, nil, KeyAssistant)
	if err != nil || raw != nil {
		return false, err
	}
	name, prompt := "Sandbox assistant", "You are the friendly assistant of a small shop. Answer briefly, in the customer's language."
	a, err := s.CreateAssistant(ctx, AssistantInput{Name: &name, SystemPrompt: &prompt})
	if err != nil {
		return false, err
	}
	on, footer, delay := true, SandboxFooter, 1
	_, err = s.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: &on, AssistantID: &a.ID, Footer: &footer, DelaySeconds: &delay})
	return err == nil, err
}

// DisableSandboxAssistant switches the WhatsApp assistant off when it is
// still the one InstallSandboxAssistant set up (on, with the sandbox
// footer): the demo's bot must not answer real customers once the sandbox
// is off. An assistant section an admin made their own is left alone. It
// reports whether it switched the assistant off.
func (s *Service) DisableSandboxAssistant(ctx context.Context) (bool, error) {
	raw, err := s.settings.Raw(ctx, nil, KeyAssistant)
	if err != nil || raw == nil {
		return false, err
	}
	st, err := s.assistantSettings(ctx, nil)
	if err != nil || !st.Enabled || st.Footer != SandboxFooter {
		return false, err
	}
	off := false
	_, err = s.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: &off})
	return err == nil, err
}
