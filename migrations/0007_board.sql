-- 0007: the public progress board. One board per server (the channel and the message the bot keeps
-- editing, the time window its buttons chose, whether it is paused and why, when it was last edited and
-- whether something changed since), each member's board choices (off unless they opt in; whether the
-- weekly digest may say they passed), and the weekly digest's schedule in the server's time zone.
-- All instants are UTC epoch seconds (INTEGER).

CREATE TABLE boards (
    guild_id         INTEGER PRIMARY KEY REFERENCES guilds (guild_id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL,
    message_id       INTEGER,           -- the board message being edited; NULL until it is posted
    shown_window     TEXT    NOT NULL DEFAULT 'week' CHECK (shown_window IN ('week', 'month', 'all')),
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason     TEXT,
    admin_id         INTEGER NOT NULL,  -- who set the board up; told (once) when it has to pause
    admin_told_at    INTEGER,           -- set when that admin was told about the current pause
    dirty_since      INTEGER,           -- first change not yet on the board; NULL when it is up to date
    last_edit_at     INTEGER,           -- last post or edit, for "at most one edit a minute"
    content_hash     TEXT,              -- what the board showed last, so an unchanged board is not re-sent
    digest_enabled   INTEGER NOT NULL DEFAULT 1 CHECK (digest_enabled IN (0, 1)),
    digest_day       TEXT    NOT NULL DEFAULT 'sun'
                     CHECK (digest_day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    digest_hour      INTEGER NOT NULL DEFAULT 18 CHECK (digest_hour BETWEEN 0 AND 23),
    digest_last_week TEXT,              -- ISO week of the last digest posted, e.g. '2026-W23'
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- A member's board choices; a missing row means "not on the board, passes not shared".
CREATE TABLE board_privacy (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    show_on_board  INTEGER NOT NULL DEFAULT 0 CHECK (show_on_board IN (0, 1)),
    share_pass     INTEGER NOT NULL DEFAULT 0 CHECK (share_pass IN (0, 1)),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX board_privacy_shown ON board_privacy (guild_id, show_on_board);
