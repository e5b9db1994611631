-- Undo 0001_init. The role citylink_app stays: it is shared by every
-- database in the cluster.
DROP FUNCTION IF EXISTS citylink_memberships_of_user(bigint);
DROP FUNCTION IF EXISTS citylink_tenants();
DROP FUNCTION IF EXISTS citylink_tenant_by_hook_token(text);
DROP FUNCTION IF EXISTS citylink_tenant_by_slug(text);
DROP TABLE IF EXISTS audit_events;
DROP FUNCTION IF EXISTS citylink_audit_append_only();
DROP TABLE IF EXISTS command_attempts;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS hook_requests;
DROP TABLE IF EXISTS platform_credentials;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS memberships;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS tenants;
