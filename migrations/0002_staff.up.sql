-- Staff management (issue #3): invites, sign-in lockout and the session
-- version that ends a user's sessions.

-- A user's sessions carry the version they were made under; bumping it
-- (a password change, "sign out everywhere") ends every older session.
ALTER TABLE users ADD COLUMN session_version int NOT NULL DEFAULT 1;

-- An invite to join a tenant. Only the SHA-256 of the token is kept: the
-- link is shown once to the inviting admin and cannot be read back.
CREATE TABLE invites (
    tenant_id   bigint NOT NULL REFERENCES tenants,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    email       text NOT NULL CHECK (email = lower(email) AND email <> ''),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  bigint REFERENCES users,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by bigint REFERENCES users,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id)
);

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invites
    USING (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint);

-- Opening an invite link happens before its tenant is known: the function
-- below finds the tenant of a token hash on the schema owner's behalf, and
-- the owner needs a read policy for it, as on the directory tables of 0001.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY directory ON invites FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

CREATE FUNCTION citylink_invite_tenant(p_token_hash bytea) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id FROM invites WHERE token_hash = p_token_hash
$$;

REVOKE ALL ON FUNCTION citylink_invite_tenant(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citylink_invite_tenant(bytea) TO citylink_app;

-- Sign-in attempts, for the lockout: each is recorded before its password
-- is checked and counts as failed until a success clears the email's rows.
-- They concern an email (known or not) and an address, not a tenant, so
-- the table is global and has no policy.
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL,
    remote_addr text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_addr ON login_failures (remote_addr, at);
CREATE INDEX login_failures_at ON login_failures (at);

GRANT SELECT, INSERT, UPDATE, DELETE ON invites TO citylink_app;
GRANT SELECT, INSERT, DELETE ON login_failures TO citylink_app;
GRANT USAGE, SELECT ON SEQUENCE invites_id_seq, login_failures_id_seq TO citylink_app;
