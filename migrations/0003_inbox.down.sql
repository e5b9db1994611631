-- Only its owner may drop the search function.
SET ROLE citylink_search;
DROP FUNCTION IF EXISTS citylink_search_notifications(text, text, timestamptz, timestamptz,
    boolean, boolean, bigint, int);
RESET ROLE;
DROP POLICY IF EXISTS search ON notifications;
REVOKE ALL ON notifications FROM citylink_search;
-- The role citylink_search is cluster-wide and other databases may use it:
-- it stays, as citylink_app does.
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
