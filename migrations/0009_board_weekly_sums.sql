-- 0010: the board's sums without scanning every check-in. A refresh at 10,000 members summed a year of
-- check-ins (about 1M rows) for the window and the chart; now each member has one row per week, and one for
-- all time, with the minutes and check-ins in it, kept in the same unit of work as the check-in itself, and
-- only the hours at a window's edges are read from the check-ins. Weeks are UTC weeks (Monday 00:00 UTC,
-- epoch seconds), so a server changing its time zone never invalidates them: the edges between a local window
-- and the UTC weeks are read from the check-ins by time (the index below). Existing check-ins are summed here.

CREATE TABLE checkin_weeks (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    week_start  INTEGER NOT NULL,   -- Monday 00:00 UTC of the week, epoch seconds
    minutes     INTEGER NOT NULL DEFAULT 0,
    checkins    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id, week_start),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX checkin_weeks_guild ON checkin_weeks (guild_id, week_start, user_id, minutes, checkins);

CREATE TABLE checkin_totals (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    minutes     INTEGER NOT NULL DEFAULT 0,
    checkins    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- The edges of a window, and the group chart's week boundaries, are read by time across the server.
CREATE INDEX checkins_guild_time ON checkins (guild_id, checked_in_at);

-- 345600 is Monday 1970-01-05 00:00 UTC; 604800 seconds make a week.
INSERT INTO checkin_weeks (guild_id, user_id, week_start, minutes, checkins)
SELECT guild_id, user_id, checked_in_at - ((checked_in_at - 345600) % 604800), SUM(minutes), COUNT(*)
FROM checkins
GROUP BY guild_id, user_id, checked_in_at - ((checked_in_at - 345600) % 604800);

INSERT INTO checkin_totals (guild_id, user_id, minutes, checkins)
SELECT guild_id, user_id, SUM(minutes), COUNT(*) FROM checkins GROUP BY guild_id, user_id;

-- What the chart on the board message shows and which attachment holds it, so an edit that changes only the
-- lines keeps the picture instead of drawing and uploading it again.
ALTER TABLE boards ADD COLUMN chart_hash TEXT;
ALTER TABLE boards ADD COLUMN chart_attachment_id INTEGER;
