-- Migration 18: sign-in links for the technicians' page (docs/browser.md). A dispatcher prints a
-- one-time link for a technician's phone (`dispatch technicians token T --signin`); opened within
-- 15 minutes, it is exchanged once for the device's own technician token (token_id names it).
-- Only the SHA-256 of the link's secret is kept, as for the tokens.
CREATE TABLE signin_links (
    id             text PRIMARY KEY CHECK (length(id) = 16),
    technician_id  text NOT NULL CHECK (length(technician_id) > 0),
    secret_sha256  text NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    token_id       text,
    CHECK ((used_at IS NULL) = (token_id IS NULL))
);
