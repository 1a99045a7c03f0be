package ai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestTransformRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		prompts, err := e.svc.Prompts(ctx)
		require.NoError(t, err)
		names := []string{}
		for _, p := range prompts {
			names = append(names, p.Name)
		}
		require.Equal(t, []string{"Formal introduction", "Product information", "Complaint response", "Appointment reminder", "Upsell offer"}, names,
			"the five default prompts are installed")

		cases := []struct {
			req  TransformRequest
			want string // part of the system instruction
		}{
			{TransformRequest{Action: ActionTranslate, Text: "Welcome", TargetLanguage: "Bengali"}, "Translate the user's message into Bengali."},
			{TransformRequest{Action: ActionTone, Text: "send the file", Tone: "Empathetic"}, "so it sounds empathetic,"},
			{TransformRequest{Action: ActionFixGrammar, Text: "hello how are you"}, "Correct the spelling, grammar and punctuation"},
			{TransformRequest{Action: ActionSimplify, Text: "It is important to inquire about your current well-being."}, "simple, clear words"},
			{TransformRequest{Action: ActionCustomPrompt, Text: "sorry for the delay", PromptID: prompts[2].ID}, prompts[2].Prompt},
		}
		for i, tc := range cases {
			out, err := e.svc.Transform(ctx, tc.req)
			require.NoError(t, err, tc.req.Action)
			require.Equal(t, TransformResult{Text: "reply " + itoa(i+1), Action: tc.req.Action}, out)
			c := e.model.last(t)
			require.Equal(t, RecommendedModel, c.Model, "helpers use the settings' model")
			require.Len(t, c.Messages, 2)
			require.Equal(t, RoleSystem, c.Messages[0].Role)
			require.Contains(t, c.Messages[0].Content, tc.want)
			require.Contains(t, c.Messages[0].Content, "Answer with the resulting message only")
			require.Equal(t, Message{Role: RoleUser, Content: tc.req.Text}, c.Messages[1])
		}
		calls, err := e.svc.Calls(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, calls, 5)
		require.Equal(t, PurposeTransform, calls[0].Purpose)
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM messages`), "a suggestion is never sent by itself")
	})
}

func (e *env) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), q).Scan(&n))
	return n
}

func TestTransformValidation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	for _, tc := range []struct {
		req         TransformRequest
		code, field string
	}{
		{TransformRequest{Action: "poem", Text: "x"}, "invalid_request", "action"},
		{TransformRequest{Action: ActionSimplify, Text: " "}, "invalid_request", "text"},
		{TransformRequest{Action: ActionTranslate, Text: "x"}, "invalid_request", "target_language"},
		{TransformRequest{Action: ActionTone, Text: "x", Tone: "sarcastic"}, "invalid_request", "tone"},
		{TransformRequest{Action: ActionCustomPrompt, Text: "x"}, "invalid_request", "prompt_id"},
		{TransformRequest{Action: ActionCustomPrompt, Text: "x", PromptID: 999}, "prompt_not_found", "prompt_id"},
	} {
		_, err := e.svc.Transform(ctx, tc.req)
		apperrtest.RequireCode(t, err, tc.code, tc.field)
	}
	require.Empty(t, e.model.Calls())
}

func TestPromptsCRUD(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		p, err := e.svc.CreatePrompt(ctx, PromptInput{Name: ptr("Follow-up"), Prompt: ptr("Rewrite as a follow-up.")})
		require.NoError(t, err)
		require.Equal(t, t0, p.CreatedAt)
		_, err = e.svc.CreatePrompt(ctx, PromptInput{Name: ptr("Follow-up"), Prompt: ptr("again")})
		apperrtest.RequireCode(t, err, "prompt_exists", "name")
		_, err = e.svc.CreatePrompt(ctx, PromptInput{Name: ptr("No text")})
		apperrtest.RequireCode(t, err, "invalid_request", "prompt")
		p, err = e.svc.UpdatePrompt(ctx, p.ID, PromptInput{Description: ptr("after a call")})
		require.NoError(t, err)
		require.Equal(t, "Rewrite as a follow-up.", p.Prompt, "omitted fields keep their value")
		require.Equal(t, "after a call", p.Description)
		require.NoError(t, e.svc.DeletePrompt(ctx, p.ID))
		apperrtest.RequireCode(t, e.svc.DeletePrompt(ctx, p.ID), "not_found", "")
	})
}
