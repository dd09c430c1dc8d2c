-- Migration 14: integration clients (the order system, the call centre, an event consumer). A
-- client's token is an API token of kind 'client' for the client's name, carrying the scopes it
-- was issued with (a space-separated list: orders:read orders:write booking events:read); the
-- other kinds carry none.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_kind_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_kind_check CHECK (kind IN ('technician', 'feed', 'dispatcher', 'client'));
ALTER TABLE api_tokens ADD COLUMN scopes text NOT NULL DEFAULT '' CHECK (kind = 'client' OR scopes = '');
