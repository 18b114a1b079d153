-- 0002: the exams a member prepares for, their attempts, score reports, diagnoses, booked retakes,
-- and exams a server defines for itself.

CREATE TABLE member_exams (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    exam_code       TEXT    NOT NULL,
    active          INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    booked_date     TEXT,             -- YYYY-MM-DD, the booked retake day (member's local calendar)
    booked_at       INTEGER,          -- UTC epoch of the booked exam start (09:00 local unless told)
    hours_per_week  REAL,
    added_at        INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, exam_code),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
-- At most one active exam per member (a partial unique index: SQLite and PostgreSQL both have them).
CREATE UNIQUE INDEX member_exams_one_active ON member_exams (guild_id, user_id) WHERE active = 1;

CREATE TABLE exam_attempts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    exam_code   TEXT    NOT NULL,
    taken_on    TEXT    NOT NULL,     -- YYYY-MM-DD as the member gave it
    taken_at    INTEGER NOT NULL,     -- UTC epoch (taken_on at 09:00 in the member's zone)
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    score       REAL,                 -- on the vendor's scale, when given
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX exam_attempts_member ON exam_attempts (guild_id, user_id, exam_code, taken_at);

CREATE TABLE score_reports (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    exam_code   TEXT    NOT NULL,
    attempt_id  INTEGER REFERENCES exam_attempts (id) ON DELETE SET NULL,
    overall     REAL,
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX score_reports_member ON score_reports (guild_id, user_id, exam_code, created_at);

CREATE TABLE score_report_domains (
    report_id          INTEGER NOT NULL REFERENCES score_reports (id) ON DELETE CASCADE,
    domain_number      TEXT    NOT NULL,
    kind               TEXT    NOT NULL,   -- percent | level | objectives
    percent            REAL,
    level              TEXT,
    missed_objectives  TEXT    NOT NULL DEFAULT '',  -- comma-separated, e.g. '3.4,3.7'
    estimated_percent  REAL,               -- what ranking and planning use (= percent when given)
    PRIMARY KEY (report_id, domain_number)
);

CREATE TABLE diagnoses (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    exam_code   TEXT    NOT NULL,
    answers     TEXT    NOT NULL,   -- JSON: question id -> option ids
    causes      TEXT    NOT NULL,   -- JSON list of cause ids
    remedies    TEXT    NOT NULL,   -- JSON list of remedy ids
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE local_exams (
    guild_id    INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    exam_code   TEXT    NOT NULL,
    document    TEXT    NOT NULL,   -- the validated definition, as JSON
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, exam_code)
);
