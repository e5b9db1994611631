-- Undo 0004_console.
ALTER TABLE platform_credentials DROP COLUMN IF EXISTS command_timeout_seconds;
DROP TABLE IF EXISTS handshake_follow_ups;
DROP TABLE IF EXISTS command_templates;
