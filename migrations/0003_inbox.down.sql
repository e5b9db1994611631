DROP INDEX IF EXISTS hook_requests_outcome;
DROP INDEX IF EXISTS hook_requests_repeat_of;
DROP INDEX IF EXISTS notifications_repeat_of;
DROP INDEX IF EXISTS notifications_received;
DROP INDEX IF EXISTS notifications_unread;
DROP INDEX IF EXISTS notifications_type_originals;
DROP INDEX IF EXISTS notifications_originals;
DROP INDEX IF EXISTS notifications_search;
-- pg_trgm stays: other objects of the database may use it, and keeping it is
-- harmless.
