-- 0003: practice. Solo practice sessions and every answer (with why it was missed), per-domain mastery,
-- spaced-review cards, server question banks and the proposals queue, and group quiz rounds whose
-- whole state lives here so a restart resumes them. Instants are UTC epoch seconds (INTEGER).

CREATE TABLE practice_sessions (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    focus_domain  TEXT,
    question_ids  TEXT    NOT NULL,   -- JSON list, in the order they are asked
    position      INTEGER NOT NULL DEFAULT 0,   -- index of the question being asked
    stage         TEXT    NOT NULL DEFAULT 'asking'
                  CHECK (stage IN ('asking', 'why', 'feedback', 'finished', 'replaced')),
    answered      INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX practice_sessions_member ON practice_sessions (guild_id, user_id, stage);

-- One row per answer, solo or in a group round; reason is why a miss happened, when the member said.
CREATE TABLE practice_answers (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    question_id   TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    session_id    INTEGER REFERENCES practice_sessions (id) ON DELETE CASCADE,
    round_id      INTEGER,
    position      INTEGER NOT NULL,
    chosen        TEXT    NOT NULL,   -- option ids, comma-separated, sorted
    correct       INTEGER NOT NULL CHECK (correct IN (0, 1)),
    reason        TEXT CHECK (reason IS NULL OR reason IN
                  ('concept', 'term', 'misread', 'reasoning', 'changed_answer', 'guessed')),
    answered_at   INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX practice_answers_member ON practice_answers (guild_id, user_id, exam_code, answered_at);
CREATE UNIQUE INDEX practice_answers_session_position ON practice_answers (session_id, position)
    WHERE session_id IS NOT NULL;

CREATE TABLE domain_mastery (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    domain        TEXT    NOT NULL,   -- the blueprint's domain number, e.g. '2.0'
    mastery       REAL    NOT NULL CHECK (mastery BETWEEN 0 AND 1),
    answered      INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, exam_code, domain),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE review_cards (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    question_id   TEXT    NOT NULL,
    state         TEXT    NOT NULL,   -- JSON of the FSRS card with misses and the member's rule
    lapses        INTEGER NOT NULL DEFAULT 1,
    due_at        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, exam_code, question_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX review_cards_due ON review_cards (guild_id, user_id, exam_code, due_at);

-- A server's own bank per exam: its metadata, and its questions (imported or approved proposals).
CREATE TABLE server_banks (
    guild_id      INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    exam_code     TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    author        TEXT    NOT NULL,
    licence       TEXT    NOT NULL,
    as_of         TEXT,               -- YYYY-MM-DD
    updated_by    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, exam_code)
);

CREATE TABLE server_questions (
    guild_id      INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    question_id   TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    document      TEXT    NOT NULL,   -- the validated question in the bank-file format, as JSON
    origin        TEXT    NOT NULL CHECK (origin IN ('import', 'proposal')),
    added_by      INTEGER NOT NULL,
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, exam_code, question_id),
    FOREIGN KEY (guild_id, exam_code) REFERENCES server_banks (guild_id, exam_code) ON DELETE CASCADE
);

CREATE TABLE question_proposals (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    document      TEXT    NOT NULL,   -- the validated question as JSON
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewed_by   INTEGER,
    reviewed_at   INTEGER,
    created_at    INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX question_proposals_queue ON question_proposals (guild_id, status, created_at);

CREATE TABLE quiz_rounds (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    channel_id    INTEGER NOT NULL,
    started_by    INTEGER NOT NULL,
    exam_code     TEXT    NOT NULL,
    focus_domain  TEXT,
    question_count INTEGER NOT NULL,
    seconds       INTEGER NOT NULL,
    question_ids  TEXT    NOT NULL DEFAULT '[]',  -- JSON list, drawn when joining closes
    position      INTEGER NOT NULL DEFAULT -1,    -- -1 while joining
    status        TEXT    NOT NULL DEFAULT 'joining'
                  CHECK (status IN ('joining', 'asking', 'finished', 'stopped')),
    phase_ends_at INTEGER NOT NULL,   -- when joining closes or the current question's timer ends
    created_at    INTEGER NOT NULL,
    ended_at      INTEGER
);
-- One live round per channel.
CREATE UNIQUE INDEX quiz_rounds_one_live ON quiz_rounds (channel_id) WHERE status IN ('joining', 'asking');

CREATE TABLE quiz_participants (
    round_id      INTEGER NOT NULL REFERENCES quiz_rounds (id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    score         INTEGER NOT NULL DEFAULT 0,
    joined_at     INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- The latest choice of each participant for each question; changeable until the timer ends.
CREATE TABLE quiz_answers (
    round_id      INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    choice        TEXT    NOT NULL,
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (round_id, position, user_id),
    FOREIGN KEY (round_id, user_id) REFERENCES quiz_participants (round_id, user_id) ON DELETE CASCADE
);
