DROP FUNCTION IF EXISTS citylink_user_tenants(bigint);
