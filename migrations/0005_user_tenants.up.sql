-- A user's memberships with their tenants, in one lookup made before a
-- tenant is chosen (every staff page asks it). Joining the two directory
-- functions instead read every tenant for each request.
CREATE FUNCTION citylink_user_tenants(p_user_id bigint)
RETURNS TABLE (
    tenant_id      bigint,
    user_id        bigint,
    role           text,
    created_at     timestamptz,
    id             bigint,
    slug           text,
    name           text,
    hook_token     text,
    time_zone      text,
    retention_days int,
    disabled_at    timestamptz,
    t_created_at   timestamptz
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT m.tenant_id, m.user_id, m.role, m.created_at,
           t.id, t.slug, t.name, t.hook_token, t.time_zone, t.retention_days,
           t.disabled_at, t.created_at
    FROM memberships m
    JOIN tenants t ON t.id = m.tenant_id
    WHERE m.user_id = p_user_id
    ORDER BY t.slug
$$;

REVOKE ALL ON FUNCTION citylink_user_tenants(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citylink_user_tenants(bigint) TO citylink_app;
