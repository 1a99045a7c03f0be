-- +goose Up
-- The inbox search finds a text anywhere in a contact's name, profile name
-- or number, or in a message's summary (LIKE '%text%'). Without an index
-- PostgreSQL reads both tables for every search: 120-146 ms at 100,000
-- conversations on a 2-core machine, over the 100 ms a page may take.
-- pg_trgm's trigram indexes serve such patterns (three characters or
-- more): 5-7 ms. The contacts page's search uses the same expressions.
-- The price is on writes: in bench-flows, where every flow brings a new
-- contact (four of these index entries per flow), 551 flows/s against 629
-- without them. pg_trgm ships with PostgreSQL and is a trusted extension
-- (a database owner may create it); where it is missing or may not be
-- created, the search keeps reading the tables, as before.
-- +goose StatementBegin
DO $$
DECLARE
    ops text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE NOTICE 'zapflow: pg_trgm is not installed on this server; the inbox search reads the tables';
        RETURN;
    END IF;
    -- In public where it may: an extension belongs to the database, and
    -- created in a schema of zapflow's own it would vanish with that schema,
    -- taking along the indexes of any other schema that uses it.
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'zapflow: could not create extension pg_trgm (%); the inbox search reads the tables', SQLERRM;
            RETURN;
        END;
    END;
    -- The operator class lives in the schema the extension was created in,
    -- which need not be on this database user's search path.
    SELECT format('%I.gin_trgm_ops', n.nspname) INTO ops
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX messages_summary_search ON messages USING gin (LOWER(summary) %s)', ops);
    EXECUTE format('CREATE INDEX contacts_name_search ON contacts USING gin (LOWER(name) %s)', ops);
    EXECUTE format('CREATE INDEX contacts_profile_name_search ON contacts USING gin (LOWER(profile_name) %s)', ops);
    EXECUTE format('CREATE INDEX contacts_phone_search ON contacts USING gin (phone %s)', ops);
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS contacts_phone_search;
DROP INDEX IF EXISTS contacts_profile_name_search;
DROP INDEX IF EXISTS contacts_name_search;
DROP INDEX IF EXISTS messages_summary_search;
