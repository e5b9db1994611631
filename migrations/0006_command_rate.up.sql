-- Each tenant's command allowance, a token bucket shared by every Citylink
-- process: a tenant may send up to the operator's rate at once and earns
-- it back evenly over a minute.
CREATE TABLE command_rate (
    tenant_id bigint NOT NULL REFERENCES tenants,
    tokens    double precision NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id)
);

ALTER TABLE command_rate ENABLE ROW LEVEL SECURITY;
ALTER TABLE command_rate FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON command_rate
    USING (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('citylink.tenant_id', true), '')::bigint);

GRANT SELECT, INSERT, UPDATE, DELETE ON command_rate TO citylink_app;
