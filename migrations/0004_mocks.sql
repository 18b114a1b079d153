-- 0004: mock exams under exam conditions, their answers and results, each server's readiness rule,
-- and the one-time "the readiness gate is open" notice. Instants are UTC epoch seconds (INTEGER).

-- One timed simulation. The deadline is stored, never a "time left", so a restart neither stops nor
-- resets the clock; the mock_timeout delivery due at deadline_at submits it if the member does not.
CREATE TABLE mock_attempts (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    length        TEXT    NOT NULL CHECK (length IN ('full', 'half')),
    mode          TEXT    NOT NULL CHECK (mode IN ('strict', 'exam', 'relaxed')),
    question_ids  TEXT    NOT NULL,   -- JSON list, in the order they are asked
    position      INTEGER NOT NULL DEFAULT 0,   -- index of the question on screen
    duration_minutes INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    deadline_at   INTEGER,            -- NULL only for a relaxed (untimed) mock
    status        TEXT    NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'submitted', 'abandoned', 'timed_out')),
    finished_at   INTEGER,
    shown_in      TEXT    NOT NULL DEFAULT 'dm' CHECK (shown_in IN ('dm', 'reply')),
    channel_id    INTEGER,            -- where the question message lives (the DM channel)
    message_id    INTEGER,            -- the question message the countdown edits
    raw_percent   REAL,               -- set when scored
    result        TEXT,               -- JSON summary of the scored mock
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
-- At most one running mock per member and server.
CREATE UNIQUE INDEX mock_attempts_one_running ON mock_attempts (guild_id, user_id) WHERE status = 'running';
CREATE INDEX mock_attempts_member ON mock_attempts (guild_id, user_id, exam_code, finished_at);

-- The member's current choice per question; a row exists once a question is answered or flagged.
CREATE TABLE mock_answers (
    attempt_id    INTEGER NOT NULL REFERENCES mock_attempts (id) ON DELETE CASCADE,
    question_id   TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    chosen        TEXT    NOT NULL DEFAULT '',  -- option ids, comma-separated, sorted; '' = not answered
    changes       INTEGER NOT NULL DEFAULT 0,   -- how often a given answer was replaced by another
    flagged       INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    answered_at   INTEGER,
    PRIMARY KEY (attempt_id, question_id)
);

-- A server's readiness rule; servers without a row use the defaults (3 mocks, 10 points).
CREATE TABLE readiness_settings (
    guild_id        INTEGER PRIMARY KEY REFERENCES guilds (guild_id) ON DELETE CASCADE,
    required_mocks  INTEGER NOT NULL DEFAULT 3 CHECK (required_mocks BETWEEN 2 AND 3),
    buffer_points   REAL    NOT NULL DEFAULT 10 CHECK (buffer_points BETWEEN 10 AND 15),
    updated_by      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The "you're ready, consider booking" notice goes out once per exam and opening of the gate.
CREATE TABLE readiness_notices (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    attempt_id    INTEGER NOT NULL,   -- the mock that opened the gate
    sent_at       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, exam_code, attempt_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
