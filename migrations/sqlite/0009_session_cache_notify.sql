-- The PostgreSQL twin of this migration adds triggers that tell every node when the
-- tables behind the session cache change. SQLite needs nothing in the database: one
-- process owns the file, and its writer connection's update hook sees every change
-- (see src/db/sqlite.rs).
SELECT 1;
