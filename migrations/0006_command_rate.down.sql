-- Undo 0006_command_rate.
DROP TABLE IF EXISTS command_rate;
