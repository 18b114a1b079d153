-- 0006: community. Each server's Rebound setup (channels, features, the welcome panel), members'
-- onboarding progress, exam cohorts, and the shared resource library with its helpful votes.
-- Settings that already have a home keep it, so each has exactly one: the server's time zone is
-- guilds.timezone (0001), the readiness rule readiness_settings (0004), the check-in channel and the
-- pairing cadence accountability_settings (0005), the progress board's channel boards (0007).
-- /admin setup writes those through their own services.
-- All instants are UTC epoch seconds (INTEGER); ids are Discord snowflakes.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY REFERENCES guilds (guild_id) ON DELETE CASCADE,
    quiz_channel_id     INTEGER,          -- where group quiz rounds run
    welcome_channel_id  INTEGER,          -- where the welcome panel lives
    welcome_message_id  INTEGER,          -- the persistent welcome panel, once posted
    disabled_features   TEXT,             -- comma-separated feature keys switched off; NULL: the defaults
    guide_sent_at       INTEGER,          -- the "thanks for adding Rebound" guide went out
    setup_done_at       INTEGER,          -- /admin setup was finished at least once
    updated_by          INTEGER,
    updated_at          INTEGER NOT NULL
);

-- Where a member is in the welcome flow; each step can be done, skipped, or left for later.
CREATE TABLE onboarding_progress (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    step           TEXT    NOT NULL,                -- the step shown next
    done_steps     TEXT    NOT NULL DEFAULT '',     -- comma-separated step keys
    skipped_steps  TEXT    NOT NULL DEFAULT '',     -- comma-separated step keys
    started_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- One cohort per exam and server: its optional role and its thread, created on demand.
CREATE TABLE cohorts (
    guild_id    INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    exam_code   TEXT    NOT NULL,
    role_id     INTEGER,
    thread_id   INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, exam_code)
);

-- Members who chose to be listed in an exam's cohort (nobody is listed without opting in).
CREATE TABLE cohort_members (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    exam_code   TEXT    NOT NULL,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, exam_code),
    FOREIGN KEY (guild_id, exam_code) REFERENCES cohorts (guild_id, exam_code) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX cohort_members_exam ON cohort_members (guild_id, exam_code, joined_at);

-- What members recommend. A removed resource stays for the record (and still counts toward its
-- author's daily additions), but frees its link so it can be shared again.
CREATE TABLE resources (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    exam_code       TEXT,                         -- NULL: useful whatever the exam
    title           TEXT    NOT NULL,
    url             TEXT    NOT NULL,             -- as given (validated: http or https)
    url_key         TEXT    NOT NULL,             -- normalised link, for duplicate detection
    resource_type   TEXT    NOT NULL,             -- the check-in resource types: book, video, labs, ...
    domains         TEXT    NOT NULL DEFAULT '',  -- comma-separated domain numbers of the exam
    why             TEXT    NOT NULL,             -- why it helped, in the member's words
    added_by        INTEGER NOT NULL,
    added_at        INTEGER NOT NULL,
    removed         INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    removed_by      INTEGER,
    removed_at      INTEGER,
    removed_reason  TEXT,
    FOREIGN KEY (guild_id, added_by) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX resources_one_live_link ON resources (guild_id, url_key) WHERE removed = 0;
CREATE INDEX resources_by_exam ON resources (guild_id, exam_code, removed);
-- The per-member rate limit counts a member's additions in the last day.
CREATE INDEX resources_by_author ON resources (guild_id, added_by, added_at);

-- One helpful vote per member and resource.
CREATE TABLE resource_votes (
    resource_id  INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    voted_at     INTEGER NOT NULL,
    PRIMARY KEY (resource_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
