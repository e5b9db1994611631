-- Undo 0002_staff.
DROP TABLE IF EXISTS login_failures;
DROP FUNCTION IF EXISTS citylink_invite_tenant(bytea);
DROP TABLE IF EXISTS invites;
ALTER TABLE users DROP COLUMN IF EXISTS session_version;
