-- The notification inbox (issue #4): text search, filters, the dashboard's
-- counts and retention.
--
-- pg_trgm is a trusted extension, so the role owning the database may
-- create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The text search matches the type and the data's JSON text, without case,
-- anywhere inside (ILIKE '%...%'). A trigram index serves that; the search
-- function below spells the same expression. tenant_id cannot be in a GIN
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

-- The text search must run through the trigram index, but under row-level
-- security it cannot: ILIKE is not a leakproof operator, so the planner
-- evaluates it only after the policy, row by row, and a search of a large
-- tenant reads all its rows. Only a superuser can mark an operator
-- leakproof, so the search runs instead in the function below, as the role
-- citylink_search, whose own policy lets the index be used. The function
-- still reads only the tenant of the transaction's citylink.tenant_id, the
-- same setting the policies read, so it opens no door the policies close.
-- citylink_search cannot log in and citylink_app is not a member of it:
-- the function is the only way to act as it.
--
-- The migrating role must be able to become citylink_search, to give it
-- the function, but must not have its rights by itself: then the policy
-- would let the owner read every tenant's notifications. So it is a
-- member through citylink_search_keeper, a NOINHERIT role, which passes on
-- the membership but not the rights. Both roles are cluster-wide, like
-- citylink_app, hence the same care when creating them (an administrator
-- may also create them beforehand, as the tests do).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'citylink_search') THEN
        BEGIN
            CREATE ROLE citylink_search NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'citylink_search_keeper') THEN
        BEGIN
            CREATE ROLE citylink_search_keeper NOLOGIN NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT pg_has_role('citylink_search_keeper', 'citylink_search', 'MEMBER') THEN
        GRANT citylink_search TO citylink_search_keeper;
    END IF;
    IF NOT pg_has_role(current_user, 'citylink_search', 'MEMBER') THEN
        EXECUTE format('GRANT citylink_search_keeper TO %I', current_user);
    END IF;
END
$$;

GRANT SELECT ON notifications TO citylink_search;
CREATE POLICY search ON notifications FOR SELECT TO citylink_search USING (true);

-- Returns the ids of the current tenant's notifications matching all the
-- list's filters, newest first. A NULL filter value means no condition.
--
-- Under row-level security the planner may not use the statistics of a
-- non-leakproof operator either, so it cannot tell a common pattern from a
-- rare one. The function therefore looks first among the newest rows that
-- pass the other filters: when enough of them match (a common pattern),
-- they are the answer. Otherwise the trigram index finds the matches (a
-- rare pattern). EXECUTE plans each query for the values given.
CREATE FUNCTION citylink_search_notifications(
    p_pattern text, p_type text, p_from timestamptz, p_to timestamptz,
    p_unread boolean, p_repeats boolean, p_before bigint, p_limit int
) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    -- The tenant is read first and given to the queries as a value, so
    -- that the planner knows how large this tenant is.
    v_tenant bigint := nullif(current_setting('citylink.tenant_id', true), '')::bigint;
    v_filters constant text := $f$
        tenant_id = $9
        AND ($2::text IS NULL OR type = $2)
        AND ($3::timestamptz IS NULL OR received_at >= $3)
        AND ($4::timestamptz IS NULL OR received_at < $4)
        AND (NOT $5 OR read_at IS NULL)
        AND ($6 OR repeat_of IS NULL)
        AND ($7::bigint IS NULL OR id < $7)
    $f$;
    v_text constant text := $t$(type || ' ' || coalesce(data::text, ''))$t$;
    v_ids bigint[];
BEGIN
    IF v_tenant IS NULL THEN
        RETURN;
    END IF;

    EXECUTE format($q$
        SELECT array_agg(id ORDER BY id DESC) FROM (
            SELECT id FROM (
                SELECT id, type, data FROM notifications
                WHERE %s
                ORDER BY id DESC
                LIMIT 5000
            ) recent
            WHERE %s ILIKE $1
            ORDER BY id DESC
            LIMIT $8
        ) found
    $q$, v_filters, v_text)
    INTO v_ids
    USING p_pattern, p_type, p_from, p_to, p_unread, p_repeats, p_before, p_limit, v_tenant;
    IF coalesce(array_length(v_ids, 1), 0) >= p_limit THEN
        RETURN QUERY SELECT unnest(v_ids);
        RETURN;
    END IF;

    RETURN QUERY EXECUTE format($q$
        SELECT id FROM notifications
        WHERE %s AND %s ILIKE $1
        ORDER BY id DESC
        LIMIT $8
    $q$, v_filters, v_text)
    USING p_pattern, p_type, p_from, p_to, p_unread, p_repeats, p_before, p_limit, v_tenant;
END
$$;

REVOKE ALL ON FUNCTION citylink_search_notifications(text, text, timestamptz, timestamptz,
    boolean, boolean, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citylink_search_notifications(text, text, timestamptz, timestamptz,
    boolean, boolean, bigint, int) TO citylink_app;

-- The function runs as its owner, so citylink_search must own it. A new
-- owner needs CREATE on the schema; it keeps it no longer than that. The
-- grants above go with the function to its new owner.
GRANT CREATE ON SCHEMA public TO citylink_search;
ALTER FUNCTION citylink_search_notifications(text, text, timestamptz, timestamptz, boolean,
    boolean, bigint, int) OWNER TO citylink_search;
REVOKE CREATE ON SCHEMA public FROM citylink_search;
