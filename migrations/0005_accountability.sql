-- 0005: accountability. Daily check-ins and weekly goals, /away periods, study sessions, the study-partner
-- pool with its rounds, groups, threads, blocks and "did you connect?" answers, and notes about deliveries
-- Discord refused (closed DMs) so the member is told once instead of the bot retrying forever.
-- All instants are UTC epoch seconds; local calendar days are stored as 'YYYY-MM-DD' text.

CREATE TABLE checkins (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    minutes        INTEGER NOT NULL DEFAULT 0 CHECK (minutes BETWEEN 0 AND 1440),
    domains        TEXT    NOT NULL DEFAULT '',   -- comma-separated domain numbers of the member's exam
    resource_type  TEXT,
    confidence     INTEGER CHECK (confidence BETWEEN 1 AND 5),
    anxiety        INTEGER CHECK (anxiety BETWEEN 1 AND 5),
    note           TEXT,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX checkins_member ON checkins (guild_id, user_id, checked_in_at);

-- A member's accountability choices; a missing row means the defaults.
CREATE TABLE accountability_prefs (
    guild_id             INTEGER NOT NULL,
    user_id              INTEGER NOT NULL,
    weekly_goal_minutes  INTEGER CHECK (weekly_goal_minutes BETWEEN 0 AND 10080),
    share_checkins       INTEGER NOT NULL DEFAULT 0 CHECK (share_checkins IN (0, 1)),
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- Inclusive local dates (for streaks) and the UTC instants they span (for silencing deliveries).
CREATE TABLE away_periods (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    first_day   TEXT    NOT NULL,
    last_day    TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX away_periods_member ON away_periods (guild_id, user_id, ends_at);

CREATE TABLE study_sessions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    starts_at         INTEGER NOT NULL,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
    topic             TEXT,
    happened          INTEGER CHECK (happened IN (0, 1)),   -- the member's answer afterwards
    cancelled         INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    created_at        INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX study_sessions_member ON study_sessions (guild_id, user_id, starts_at);

-- Per-server settings of this feature; a missing row means the defaults.
CREATE TABLE accountability_settings (
    guild_id             INTEGER PRIMARY KEY REFERENCES guilds (guild_id) ON DELETE CASCADE,
    checkin_channel_id   INTEGER,
    pairing_channel_id   INTEGER,
    pairing_every_days   INTEGER NOT NULL DEFAULT 7 CHECK (pairing_every_days BETWEEN 1 AND 60),
    quiet_days           INTEGER NOT NULL DEFAULT 2 CHECK (quiet_days BETWEEN 1 AND 14),
    updated_at           INTEGER NOT NULL
);

CREATE TABLE partner_pool (
    guild_id           INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    exam_code          TEXT    NOT NULL,
    vendor             TEXT    NOT NULL,
    preferred_hours    TEXT    NOT NULL DEFAULT '',   -- comma-separated local hours 0-23
    joined_at          INTEGER NOT NULL,
    inactive_since     INTEGER,                      -- silent for a whole round; cleared when they return
    waited_last_round  INTEGER NOT NULL DEFAULT 0 CHECK (waited_last_round IN (0, 1)),
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE partner_blocks (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    blocked_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, blocked_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE partner_rounds (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    UNIQUE (guild_id, number)
);

-- A pair or a trio of one round, and the private thread it talks in.
CREATE TABLE partner_groups (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES partner_rounds (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    thread_id   INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX partner_groups_round ON partner_groups (round_id);

CREATE TABLE partner_group_members (
    group_id     INTEGER NOT NULL REFERENCES partner_groups (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    connected    INTEGER CHECK (connected IN (0, 1)),   -- "did you two connect?", NULL until answered
    answered_at  INTEGER,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX partner_group_members_member ON partner_group_members (guild_id, user_id);

-- Deliveries Discord refused for good (e.g. 50007, the member closed their DMs). One row per member and
-- reason; ``reported_at`` is set once the member has been told in the server.
CREATE TABLE delivery_problems (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    first_at     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    reported_at  INTEGER,
    PRIMARY KEY (guild_id, user_id, reason),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
