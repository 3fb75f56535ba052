-- Sign-in sessions. Only the SHA-256 of a bearer token is stored; the token itself never is.

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions(user_id);
