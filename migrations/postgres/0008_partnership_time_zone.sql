-- Each partnership's own time zone: its "today" (overdue actions, rounds opening and
-- closing) and the default for its meetings. Partnerships made before keep UK time.
ALTER TABLE partnerships ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/London';
