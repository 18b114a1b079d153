-- 0008: score-report drafts. What a member typed into the report pages, or pasted, is kept here
-- until they confirm the preview, so a restart or a closed window never loses it. A confirmed
-- draft becomes a row of score_reports and is deleted in the same transaction.

CREATE TABLE report_drafts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    exam_code   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('pages', 'paste')),
    entries     TEXT    NOT NULL DEFAULT '{}',  -- JSON: field key -> typed value (kind 'pages')
    pasted      TEXT    NOT NULL DEFAULT '',    -- the pasted report text (kind 'paste')
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX report_drafts_member ON report_drafts (guild_id, user_id, created_at);
