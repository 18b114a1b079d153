-- 0001: servers, members and their settings, and the delivery ledger every scheduled message goes through.
-- All instants are UTC epoch seconds (INTEGER); ids are Discord snowflakes (INTEGER, 64-bit).

CREATE TABLE guilds (
    guild_id      INTEGER PRIMARY KEY,
    timezone      TEXT    NOT NULL DEFAULT 'UTC',
    joined_at     INTEGER NOT NULL,
    left_at       INTEGER            -- set when the bot is removed; data is deleted after a grace period
);

CREATE TABLE members (
    guild_id      INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    timezone      TEXT,              -- IANA name; NULL means "not set yet" (the server's zone is used)
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The source of truth for everything scheduled. A row moves pending -> sending -> sent (or failed /
-- cancelled); the claim and the completion are each one transaction, and the idempotency key makes
-- "schedule the same thing twice" a no-op.
CREATE TABLE scheduled_deliveries (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    guild_id         INTEGER,
    user_id          INTEGER,
    target_id        INTEGER,        -- channel id, or NULL for a DM to user_id
    payload          TEXT    NOT NULL DEFAULT '{}',
    due_at           INTEGER NOT NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    claimed_at       INTEGER,
    finished_at      INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX scheduled_deliveries_due ON scheduled_deliveries (status, due_at);
CREATE INDEX scheduled_deliveries_member ON scheduled_deliveries (guild_id, user_id);

-- Per-member recurring rules ("19:00 Mon-Fri in Europe/Berlin"). Each rule keeps exactly one future
-- occurrence in scheduled_deliveries; when it is delivered the next one is inserted.
CREATE TABLE recurring_rules (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    hour          INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    minute        INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 59),
    days          TEXT    NOT NULL,  -- cron day_of_week: 'mon-fri', '*', 'mon,wed,fri'
    timezone      TEXT    NOT NULL,
    payload       TEXT    NOT NULL DEFAULT '{}',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX recurring_rules_member ON recurring_rules (guild_id, user_id);
