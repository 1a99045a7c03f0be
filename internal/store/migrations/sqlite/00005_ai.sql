-- +goose Up
-- AI (F7, F19, F23, F25): assistants with per-customer memory, the model
-- call log, saved prompts for the agent's helpers, and the bot's pause
-- state per WhatsApp conversation. Settings live in the settings table.

CREATE TABLE assistants (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    model           TEXT    NOT NULL DEFAULT '', -- '' = the model of the AI settings
    system_prompt   TEXT    NOT NULL DEFAULT '',
    temperature     REAL    NOT NULL DEFAULT 0.7,
    history_limit   INTEGER NOT NULL DEFAULT 20,
    variables       TEXT    NOT NULL DEFAULT '{}',
    -- Health: the last failure and how many calls failed in a row since
    -- the last success, shown to the admin and used to notify the team.
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error_code TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    last_error_at   BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

-- One AI conversation per (assistant, customer identifier): the memory of
-- POST /assistants/{id}/replies and the flow step generate_ai_reply.
CREATE TABLE ai_conversations (
    id           INTEGER PRIMARY KEY,
    assistant_id BIGINT NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    customer_id  TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (assistant_id, customer_id)
);

CREATE TABLE ai_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES ai_conversations (id) ON DELETE CASCADE,
    role            TEXT   NOT NULL, -- user | assistant
    content         TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX ai_messages_conversation ON ai_messages (conversation_id, id);

-- Every model call: what was asked of which model, how long it took, what
-- it cost in tokens and how it ended ('ok' or the named error).
CREATE TABLE ai_calls (
    id                INTEGER PRIMARY KEY,
    purpose           TEXT    NOT NULL, -- reply | whatsapp | transform
    assistant_id      BIGINT  NOT NULL DEFAULT 0,
    model             TEXT    NOT NULL,
    latency_ms        BIGINT  NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    outcome           TEXT    NOT NULL,
    error             TEXT    NOT NULL DEFAULT '',
    created_at        BIGINT  NOT NULL
);
CREATE INDEX ai_calls_created ON ai_calls (created_at);

-- Saved prompts for the agent's ✨ menu (F23), managed by admins.
CREATE TABLE ai_prompts (
    id          INTEGER PRIMARY KEY,
    name        TEXT   NOT NULL UNIQUE,
    description TEXT   NOT NULL DEFAULT '',
    prompt      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
INSERT INTO ai_prompts (name, description, prompt, created_at, updated_at) VALUES
('Formal introduction', 'Starts with a polite greeting and sets a formal tone',
 'Rewrite the message as a formal introduction: open with a polite greeting, present the business courteously and keep a formal, respectful tone throughout.', 0, 0),
('Product information', 'Explains a product''s features and benefits in plain language',
 'Rewrite the message to explain the product''s features and benefits in plain, simple language a customer understands at once, without jargon.', 0, 0),
('Complaint response', 'Answers a customer''s complaint with empathy',
 'Rewrite the message as an empathetic answer to a customer''s complaint: acknowledge the problem, apologise sincerely, and say clearly what will be done next.', 0, 0),
('Appointment reminder', 'A friendly reminder of an upcoming event or appointment',
 'Rewrite the message as a friendly reminder of an upcoming appointment or event, keeping every date, time and place from the original.', 0, 0),
('Upsell offer', 'A gentle pitch for a related product or service',
 'Rewrite the message as a gentle, non-pushy upsell offer for a related product or service, highlighting the benefit to the customer.', 0, 0);

-- The bot's state in a WhatsApp conversation (F19, F25). Paused with
-- paused_until = 0 means until someone resumes it by hand; a pause whose
-- paused_until has passed is over (resumed automatically, read lazily).
CREATE TABLE bot_states (
    conversation_id BIGINT  PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    paused          INTEGER NOT NULL DEFAULT 0,
    paused_until    BIGINT  NOT NULL DEFAULT 0,
    reason          TEXT    NOT NULL DEFAULT '',
    paused_by       TEXT    NOT NULL DEFAULT '',
    paused_at       BIGINT  NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE bot_states;
DROP TABLE ai_prompts;
DROP TABLE ai_calls;
DROP TABLE ai_messages;
DROP TABLE ai_conversations;
DROP TABLE assistants;
