-- The command console that staff can trust (issue #5): saved command
-- templates, the state of each tenant's passive handshake follow-up, and a
-- per-tenant command timeout.

CREATE TABLE command_templates (
    tenant_id  bigint NOT NULL REFERENCES tenants,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    name       text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    command    text NOT NULL CHECK (command ~ '^[a-z][a-z0-9_]{0,63}$'),
    params     jsonb NOT NULL DEFAULT '[]',
    created_by bigint REFERENCES users,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- One row per tenant, written by the authenticate_notifications job: what
-- became of the latest follow-up of a passive handshake.
CREATE TABLE handshake_follow_ups (
    tenant_id  bigint NOT NULL REFERENCES tenants,
    state      text NOT NULL CHECK (state IN ('pending', 'retrying', 'succeeded', 'failed')),
    attempts   int NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    next_at    timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

ALTER TABLE platform_credentials
    ADD COLUMN command_timeout_seconds int NOT NULL DEFAULT 30
        CHECK (command_timeout_seconds BETWEEN 1 AND 120);

-- command_attempts.source gains "test" (the settings page's test) by
-- convention only: the column has no CHECK.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['command_templates', 'handshake_follow_ups']
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

GRANT SELECT, INSERT, UPDATE, DELETE ON command_templates, handshake_follow_ups TO citylink_app;
GRANT USAGE, SELECT ON SEQUENCE command_templates_id_seq TO citylink_app;
