-- The PostgreSQL twin of this migration adds triggers that tell every node when any
-- table changes (for the page cache). SQLite needs nothing in the database: one
-- process owns the file, and its writer connection's update hook sees every change
-- (see src/db/sqlite.rs).
SELECT 1;
