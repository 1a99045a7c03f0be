-- +goose Up
-- Leads (F18): a contact the team is working on, from first message to
-- closed. A contact has at most one open lead (status not 'closed'); the
-- partial unique index is what makes automatic capture create exactly one
-- lead under duplicate or concurrent first messages (INSERT … ON CONFLICT
-- DO NOTHING), and a closed lead lets the next one be created.

-- The managed list of lead sources. Names are unique ignoring case.
CREATE TABLE lead_sources (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX lead_sources_name ON lead_sources (lower(name));
INSERT INTO lead_sources (id, name, created_at) VALUES
    (1, 'WhatsApp', 0), (2, 'Facebook', 0), (3, 'Instagram', 0),
    (4, 'Website', 0), (5, 'Referral', 0), (6, 'Other', 0);

-- fields: JSON object of custom fields (name → text). source_id and
-- assigned_user_id are NULL when none; removing a source or a user
-- clears them. automatic: created by auto lead capture.
CREATE TABLE leads (
    id               INTEGER PRIMARY KEY,
    contact_id       BIGINT  NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL,
    source_id        BIGINT  REFERENCES lead_sources (id) ON DELETE SET NULL,
    assigned_user_id BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    notes            TEXT    NOT NULL DEFAULT '',
    fields           TEXT    NOT NULL DEFAULT '{}',
    automatic        INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX leads_open_contact ON leads (contact_id) WHERE status <> 'closed';
CREATE INDEX leads_contact ON leads (contact_id, id);
CREATE INDEX leads_created ON leads (created_at, id);
CREATE INDEX leads_assigned ON leads (assigned_user_id, created_at);

-- A lead's tags, one row each, so lists filter by tag with an index.
CREATE TABLE lead_tags (
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    tag     TEXT   NOT NULL,
    PRIMARY KEY (lead_id, tag)
);
CREATE INDEX lead_tags_tag ON lead_tags (tag, lead_id);

-- Every status a lead took: from → to (from '' at creation), by whom
-- (by_user_id, NULL for no person) and by what (by_kind: user,
-- auto_lead, flow), when.
CREATE TABLE lead_status_history (
    id          INTEGER PRIMARY KEY,
    lead_id     BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_status TEXT   NOT NULL DEFAULT '',
    to_status   TEXT   NOT NULL,
    by_user_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    by_kind     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX lead_status_history_lead ON lead_status_history (lead_id, id);

-- Round-robin lead assignment gives the next lead to the active agent
-- with the lowest turn (no row: 0); taking one moves the agent past every
-- other. In the database, so the order is fair across restarts and
-- instances; in a table of its own rather than on users, so taking a
-- lead turn never locks the user rows conversation assignment updates.
CREATE TABLE lead_turns (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    turn    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE lead_turns;
DROP TABLE lead_status_history;
DROP TABLE lead_tags;
DROP TABLE leads;
DROP TABLE lead_sources;
