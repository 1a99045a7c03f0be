package flow

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A template's name and language may come from data: they are rendered
// when the step runs, and one that renders empty fails the step.
func TestTemplateNameFromData(t *testing.T) {
	t.Parallel()
	fl := Flow{Name: "tpl", Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
		{ID: "send", Type: StepSendTemplate, Sender: "1", To: "+5511999990000",
			Template: &TemplateRef{Name: "{{trigger.tpl}}", Language: `{{trigger.lang ?? "pt_BR"}}`}},
	}}
	st, effects := runOnce(t, fl, map[string]any{"tpl": "appointment_confirmation"})
	require.Equal(t, StatusWaiting, st.Status)
	require.Len(t, effects, 1)
	require.Equal(t, &TemplateRef{Name: "appointment_confirmation", Language: "pt_BR"}, effects[0].Send.Template)

	st, effects = runOnce(t, fl, map[string]any{})
	require.Equal(t, StatusFailed, st.Status)
	require.Equal(t, "template_not_found", st.Error.Code)
	for _, ef := range effects {
		require.NotEqual(t, EffectSend, ef.Kind)
	}
}

type fakeTemplates []account.Template

func (f fakeTemplates) Templates(_ context.Context, flt account.TemplateFilter) ([]account.Template, error) {
	var out []account.Template
	for _, t := range f {
		if t.Name == flt.Name && (flt.AccountID == 0 || flt.AccountID == t.AccountID) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Saving a flow whose templates cannot be sent (missing, not approved)
// warns, naming the step and field; enabling it is refused until fixed.
// A templated name is not checked.
func TestSavingAFlowChecksItsTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		s.Templates = fakeTemplates{
			{AccountID: 1, Name: "ok", Language: "pt_BR", Status: "APPROVED"},
			{AccountID: 1, Name: "pending", Language: "pt_BR", Status: "PENDING"},
			{AccountID: 1, Name: "ok_en", Language: "en_US", Status: "APPROVED"},
		}
		send := func(id, name, lang string) Step {
			return Step{ID: id, Type: StepSendTemplate, Sender: "1", To: "{{trigger.phone}}", Template: &TemplateRef{Name: name, Language: lang}}
		}
		fl := Flow{Name: "checks", Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
			send("a", "ok", "pt_BR"),
			send("b", "pending", "pt_BR"),
			send("c", "missing", "pt_BR"),
			send("d", "ok_en", "pt_BR"),
			send("e", "{{trigger.tpl}}", "pt_BR"),
		}}
		rec, err := s.Create(ctx, fl)
		require.NoError(t, err)
		require.Equal(t, []string{"steps[1].template.name", "steps[2].template.name", "steps[3].template.name"}, warnFields(rec.Warnings))
		require.Equal(t, WarnTemplateNotApproved, rec.Warnings[0].Code)
		require.Equal(t, WarnTemplateNotFound, rec.Warnings[1].Code)

		_, err = s.SetEnabled(ctx, rec.ID, true)
		require.Error(t, err)
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, "steps[1].template.name", ae.Field)
		require.Equal(t, WarnTemplateNotApproved, ae.Code)
		got, err := s.Get(ctx, rec.ID)
		require.NoError(t, err)
		require.False(t, got.Enabled)

		fl.Enabled = true
		_, err = s.Update(ctx, rec.ID, fl)
		require.Error(t, err, "saving it enabled is enabling it")

		fl.Steps = append(fl.Steps[:1], fl.Steps[4])
		rec, err = s.Update(ctx, rec.ID, fl)
		require.NoError(t, err)
		require.Empty(t, rec.Warnings)
		require.True(t, rec.Enabled)
	})
}

func warnFields(ws []SaveWarning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}
