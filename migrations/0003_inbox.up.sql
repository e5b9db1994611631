-- The notification inbox (issue #4): text search, filters, the dashboard's
-- counts and retention.
--
-- pg_trgm is a trusted extension, so the role owning the database may
-- create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The text search matches the type and the data's JSON text, without case,
-- anywhere inside (ILIKE '%...%'). A trigram index serves that; the list
-- query spells the same expression. tenant_id cannot be part of a GIN
-- index without btree_gin, so the tenant condition is checked on the rows
-- the index finds.
CREATE INDEX notifications_search ON notifications
    USING gin ((type || ' ' || coalesce(data::text, '')) gin_trgm_ops);

-- Lists leave repeats out unless asked: most pages walk this one.
CREATE INDEX notifications_originals ON notifications (tenant_id, id DESC)
    WHERE repeat_of IS NULL;
CREATE INDEX notifications_type_originals ON notifications (tenant_id, type, id DESC)
    WHERE repeat_of IS NULL;
CREATE INDEX notifications_unread ON notifications (tenant_id, id DESC)
    WHERE read_at IS NULL AND repeat_of IS NULL;

-- The dashboard counts per day and type, and the date filters.
CREATE INDEX notifications_received ON notifications (tenant_id, received_at)
    INCLUDE (type, repeat_of);

-- Deleting an original checks that no repeat points at it.
CREATE INDEX notifications_repeat_of ON notifications (tenant_id, repeat_of)
    WHERE repeat_of IS NOT NULL;
CREATE INDEX hook_requests_repeat_of ON hook_requests (tenant_id, repeat_of)
    WHERE repeat_of IS NOT NULL;

-- The requests log filters by outcome.
CREATE INDEX hook_requests_outcome ON hook_requests (tenant_id, outcome, id DESC);
