-- Migration 18: sign-in links for the technicians' page (docs/browser.md). A dispatcher prints a
-- one-time link for a technician's phone (`dispatch technicians token T --signin`); opened within
-- 15 minutes, it is exchanged once for the device's own technician token (token_id names it).
-- Only the SHA-256 of the link's secret is kept, as for the tokens.
CREATE TABLE signin_links (
    id             TEXT PRIMARY KEY CHECK (length(id) = 16),
    technician_id  TEXT NOT NULL CHECK (length(technician_id) > 0),
    secret_sha256  TEXT NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    token_id       TEXT,
    CHECK ((used_at IS NULL) = (token_id IS NULL))
) STRICT;
