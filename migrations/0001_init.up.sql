-- Citylink's first schema (issue #2) with its tenant walls (issue #3).
--
-- Every tenant table carries tenant_id first in its primary key and in every
-- index, and has row-level security that reads the per-transaction setting
-- citylink.tenant_id. When the setting is missing the policies compare with
-- NULL and match nothing, so a forgotten tenant fails closed.

-- The application role is cluster-wide and shared by every database in the
-- cluster (pgtestdb makes many), so creating it must tolerate both an
-- existing role and a concurrent migration creating it at the same moment.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'citylink_app') THEN
        BEGIN
            CREATE ROLE citylink_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;

    -- The migrating role is usually the one the application connects with
    -- too; it must be able to SET ROLE citylink_app after connecting.
    IF NOT pg_has_role(current_user, 'citylink_app', 'MEMBER') THEN
        EXECUTE format('GRANT citylink_app TO %I', current_user);
    END IF;
END
$$;

CREATE TABLE tenants (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,40}$'),
    name           text NOT NULL,
    hook_token     text NOT NULL UNIQUE,
    time_zone      text NOT NULL DEFAULT 'UTC',
    retention_days int NOT NULL DEFAULT 90 CHECK (retention_days > 0),
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND email <> ''),
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    tenant_id  bigint NOT NULL REFERENCES tenants,
    user_id    bigint NOT NULL REFERENCES users,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- The lookup of a user's tenants after sign-in.
CREATE INDEX memberships_user_id ON memberships (user_id);

-- The shape github.com/alexedwards/scs/pgxstore reads and writes.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);

CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE platform_credentials (
    tenant_id           bigint PRIMARY KEY REFERENCES tenants,
    service_url         text NOT NULL DEFAULT 'https://www.carcitycentral.com/service',
    login_id            text NOT NULL DEFAULT '',
    password_sealed     bytea,
    comm_key_sealed     bytea,
    static_token_sealed bytea,
    auth_mode           text NOT NULL DEFAULT 'immediate' CHECK (auth_mode IN ('immediate', 'passive')),
    allow_plain         boolean NOT NULL DEFAULT false,
    command_auth        text NOT NULL DEFAULT 'plain'
                        CHECK (command_auth IN ('plain', 'static_token', 'derived_token')),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hook_requests (
    tenant_id     bigint NOT NULL REFERENCES tenants,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    remote_addr   text NOT NULL DEFAULT '',
    method        text NOT NULL DEFAULT '',
    headers       jsonb,
    body          bytea,
    request_kind  text NOT NULL DEFAULT '' CHECK (request_kind IN ('authenticate', 'delivery', '')),
    outcome       text NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'error')),
    answer_status int NOT NULL DEFAULT 0,
    answer_body   text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    messages_hash text,
    repeat_of     bigint,
    message_count int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, repeat_of) REFERENCES hook_requests (tenant_id, id)
);

CREATE INDEX hook_requests_received ON hook_requests (tenant_id, received_at DESC, id DESC);
CREATE INDEX hook_requests_hash ON hook_requests (tenant_id, messages_hash, received_at);

-- The primary key (tenant_id, id) already serves "newest first" by scanning
-- backwards, so there is no separate (tenant_id, id DESC) index.
CREATE TABLE notifications (
    tenant_id   bigint NOT NULL REFERENCES tenants,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    request_id  bigint NOT NULL,
    position    int NOT NULL,
    type        text NOT NULL,
    data        jsonb,
    received_at timestamptz NOT NULL DEFAULT now(),
    repeat_of   bigint,
    read_at     timestamptz,
    read_by     bigint REFERENCES users,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES hook_requests (tenant_id, id),
    FOREIGN KEY (tenant_id, repeat_of) REFERENCES notifications (tenant_id, id),
    UNIQUE (tenant_id, request_id, position)
);

CREATE INDEX notifications_type ON notifications (tenant_id, type, id DESC);

CREATE TABLE command_attempts (
    tenant_id     bigint NOT NULL REFERENCES tenants,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    user_id       bigint REFERENCES users,
    command       text NOT NULL,
    params        jsonb NOT NULL DEFAULT '[]',
    auth_kind     text NOT NULL DEFAULT '',
    service_url   text NOT NULL DEFAULT '',
    started_at    timestamptz NOT NULL DEFAULT now(),
    duration_ms   int NOT NULL DEFAULT 0,
    http_status   int,
    status        int,
    outcome       text NOT NULL CHECK (outcome IN
                  ('ok', 'status', 'malformed', 'http', 'timeout', 'refused', 'tls', 'transport', 'blocked')),
    error         text NOT NULL DEFAULT '',
    messages      jsonb NOT NULL DEFAULT '[]',
    fields        jsonb NOT NULL DEFAULT '[]',
    response_body text NOT NULL DEFAULT '',
    source        text NOT NULL DEFAULT 'console',
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE audit_events (
    tenant_id   bigint NOT NULL REFERENCES tenants,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'cli', 'platform', 'system')),
    actor_id    bigint,
    actor_label text NOT NULL DEFAULT '',
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    details     jsonb,
    remote_addr text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX audit_events_at ON audit_events (tenant_id, at DESC, id DESC);

-- The audit history is append-only for everyone, the table owner included;
-- the grants below keep the application role from even trying.
CREATE FUNCTION citylink_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION citylink_audit_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION citylink_audit_append_only();

-- Row-level security, the second wall between tenants. FORCE applies the
-- policies to the table owner as well, so only a superuser or a BYPASSRLS
-- role reads across tenants.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = nullif(current_setting('citylink.tenant_id', true), '')::bigint)
    WITH CHECK (id = nullif(current_setting('citylink.tenant_id', true), '')::bigint);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'platform_credentials', 'hook_requests',
                             'notifications', 'command_attempts', 'audit_events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($f$
            CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint)
                WITH CHECK (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint)
            $f$, t);
    END LOOP;
END
$$;

-- Lookups made before a tenant is known (the tenant of a slug or a hook
-- token, the tenants of a signed-in user, the operator's list) run through
-- the SECURITY DEFINER functions below, which execute as this migrating
-- role. Because of FORCE, that role needs a read policy of its own on the
-- two directory tables; it gets none on the others, so even the owner reads
-- no requests, notifications, commands or audit events outside a tenant.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY directory ON tenants FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY directory ON memberships FOR SELECT TO %I USING (true)', current_user);
END
$$;

CREATE FUNCTION citylink_tenant_by_slug(p_slug text) RETURNS SETOF tenants
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM tenants WHERE slug = lower(p_slug)
$$;

CREATE FUNCTION citylink_tenant_by_hook_token(p_token text) RETURNS SETOF tenants
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM tenants WHERE hook_token = p_token
$$;

CREATE FUNCTION citylink_tenants() RETURNS SETOF tenants
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM tenants ORDER BY slug
$$;

CREATE FUNCTION citylink_memberships_of_user(p_user_id bigint) RETURNS SETOF memberships
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM memberships WHERE user_id = p_user_id
$$;

REVOKE ALL ON FUNCTION citylink_tenant_by_slug(text), citylink_tenant_by_hook_token(text),
    citylink_tenants(), citylink_memberships_of_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citylink_tenant_by_slug(text), citylink_tenant_by_hook_token(text),
    citylink_tenants(), citylink_memberships_of_user(bigint) TO citylink_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, memberships, sessions,
    platform_credentials, hook_requests, notifications, command_attempts TO citylink_app;
GRANT SELECT, INSERT ON audit_events TO citylink_app;
GRANT USAGE, SELECT ON SEQUENCE tenants_id_seq, users_id_seq, hook_requests_id_seq,
    notifications_id_seq, command_attempts_id_seq, audit_events_id_seq TO citylink_app;
