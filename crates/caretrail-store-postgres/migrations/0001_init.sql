-- caretrail PostgreSQL schema, version 1. Never edit an applied migration: add a new file
-- (the checksum of every applied migration is checked on open).
--
-- The same tables and meaning as the SQLite schema (its migrations 0001 to 0005), with
-- PostgreSQL types: ids are `uuid`, opaque bytes (ciphertexts, wrapped keys, hashes, leaves)
-- are `bytea`, times are `timestamptz` holding whole microseconds (the precision the ledger's
-- leaves commit to), flags are `boolean`, counters and leaf indexes are `bigint`.

-- Facts about the log, fixed at `init`. At most one row.
CREATE TABLE log_meta (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    origin        text NOT NULL,
    verifier_key  text NOT NULL,
    kek_check     bytea NOT NULL,
    system_keys   bytea NOT NULL,
    pseudonym_key bytea NOT NULL,
    created_at    timestamptz NOT NULL
);

-- The head of the log: exactly one row. Every append locks it (`SELECT ... FOR UPDATE`) before
-- it reads the tree's right edge, so appends from any number of processes take turns and leaf
-- indexes have no gaps and no duplicates. `size` is the number of leaves after the last append.
CREATE TABLE log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    size      bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (singleton, size) VALUES (true, 0);

CREATE TABLE organisations (
    id   uuid PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL
);

-- A person: opaque id, leaf pseudonym, encrypted profile (NULL once erased).
CREATE TABLE people (
    id         uuid PRIMARY KEY,
    pseudonym  bytea NOT NULL UNIQUE CHECK (octet_length(pseudonym) = 16),
    created_at timestamptz NOT NULL,
    erased_at  timestamptz,
    profile    bytea
);

-- A person's data key and commitment secret, wrapped by the key-encryption key. Erasure
-- deletes the row.
CREATE TABLE person_keys (
    person_id   uuid PRIMARY KEY REFERENCES people (id),
    key_version bigint NOT NULL CHECK (key_version BETWEEN 0 AND 4294967295),
    wrapped     bytea NOT NULL
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL UNIQUE,
    display_name    text NOT NULL,
    role            text NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    person_id       uuid REFERENCES people (id),
    password_hash   text
);
-- Erasure anonymises the citizen account of the person erased.
CREATE INDEX users_by_person ON users (person_id) WHERE person_id IS NOT NULL;

CREATE TABLE relationships (
    id              uuid PRIMARY KEY,
    practitioner_id uuid NOT NULL REFERENCES users (id),
    person_id       uuid NOT NULL REFERENCES people (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    kind            text NOT NULL,
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz
);
CREATE INDEX relationships_by_person ON relationships (person_id);
CREATE INDEX relationships_by_practitioner ON relationships (practitioner_id);

-- The Merkle log: leaf bytes, every perfect-subtree hash, and signed checkpoints.
CREATE TABLE leaves (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    data bytea NOT NULL
);

CREATE TABLE nodes (
    level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   bigint NOT NULL CHECK (idx >= 0),
    hash  bytea NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);

CREATE TABLE checkpoints (
    size bigint PRIMARY KEY CHECK (size >= 0),
    note text NOT NULL
);

-- Entries: clear metadata (also bound into the leaf) and the ciphertext (NULL once erased).
-- `author_role` and `kind` are the small codes of `Role` and `EntryKind`, as in SQLite.
CREATE TABLE entries (
    leaf_index      bigint PRIMARY KEY REFERENCES leaves (idx),
    id              uuid NOT NULL UNIQUE,
    person_id       uuid NOT NULL REFERENCES people (id),
    organisation_id uuid NOT NULL,
    author_id       uuid NOT NULL,
    author_role     smallint NOT NULL,
    kind            smallint NOT NULL,
    recorded_at     timestamptz NOT NULL,
    effective_at    timestamptz NOT NULL,
    amends          uuid,
    key_version     bigint NOT NULL CHECK (key_version BETWEEN 0 AND 4294967295),
    payload         bytea
);
CREATE INDEX entries_by_person ON entries (person_id, effective_at, leaf_index);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE entries ALTER COLUMN payload SET STORAGE EXTERNAL;

-- Audit events: one per access decision, each bound into its own ledger leaf.
CREATE TABLE audit_events (
    leaf_index      bigint PRIMARY KEY REFERENCES leaves (idx),
    id              uuid NOT NULL UNIQUE,
    at              timestamptz NOT NULL,
    accessor_id     uuid NOT NULL,
    role            text NOT NULL,
    organisation_id uuid NOT NULL,
    person_id       uuid,
    action          text NOT NULL,
    purpose         text NOT NULL,
    allowed         boolean NOT NULL,
    break_glass     boolean NOT NULL,
    reason          text NOT NULL
);
CREATE INDEX audit_events_by_person ON audit_events (person_id, at);

-- Sign-in sessions. Only the SHA-256 of a bearer token is stored; the token itself never is.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Break-glass windows and the privacy officer's review queue. Reasons and findings are free
-- text, so they are stored encrypted under the person's data key.
CREATE TABLE break_glass (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id),
    person_id       uuid NOT NULL REFERENCES people (id),
    organisation_id uuid NOT NULL,
    reason          bytea,
    opened_at       timestamptz NOT NULL
);
CREATE INDEX break_glass_by_user_person ON break_glass (user_id, person_id, opened_at);

CREATE TABLE review_items (
    id          uuid PRIMARY KEY,
    window_id   uuid NOT NULL REFERENCES break_glass (id),
    audit_id    uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    closed_at   timestamptz,
    reviewer_id uuid,
    finding     bytea
);
CREATE INDEX review_items_open ON review_items (closed_at, created_at);

-- Retention and legal hold per person, set by the privacy officer. Erasure is refused while
-- either applies.
CREATE TABLE retention (
    person_id    uuid PRIMARY KEY REFERENCES people (id),
    retain_until date,
    legal_hold   boolean NOT NULL,
    set_by       uuid NOT NULL,
    set_at       timestamptz NOT NULL
);
