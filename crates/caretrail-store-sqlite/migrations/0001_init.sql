-- caretrail SQLite schema, version 1. Never edit an applied migration: add a new file.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE organisations (
    id   BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

-- A person: opaque id, leaf pseudonym, encrypted profile (NULL once erased).
CREATE TABLE people (
    id         BLOB PRIMARY KEY,
    pseudonym  BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    erased_at  INTEGER,
    profile    BLOB
);

-- A person's data key and commitment secret, wrapped by the key-encryption key.
CREATE TABLE person_keys (
    person_id   BLOB PRIMARY KEY REFERENCES people(id),
    key_version INTEGER NOT NULL,
    wrapped     BLOB NOT NULL
);

CREATE TABLE users (
    id              BLOB PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    person_id       BLOB REFERENCES people(id),
    password_hash   TEXT
);

CREATE TABLE relationships (
    id              BLOB PRIMARY KEY,
    practitioner_id BLOB NOT NULL REFERENCES users(id),
    person_id       BLOB NOT NULL REFERENCES people(id),
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    valid_from      INTEGER NOT NULL,
    valid_to        INTEGER
);
CREATE INDEX relationships_by_person ON relationships(person_id);
CREATE INDEX relationships_by_practitioner ON relationships(practitioner_id);

-- The Merkle log: leaf bytes, every perfect-subtree hash, and signed checkpoints.
CREATE TABLE leaves (
    idx  INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);

CREATE TABLE nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);

-- Entries: clear metadata (also bound into the leaf) and the ciphertext (NULL once erased).
CREATE TABLE entries (
    leaf_index      INTEGER PRIMARY KEY REFERENCES leaves(idx),
    id              BLOB NOT NULL UNIQUE,
    person_id       BLOB NOT NULL REFERENCES people(id),
    organisation_id BLOB NOT NULL,
    author_id       BLOB NOT NULL,
    author_role     INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    recorded_at     INTEGER NOT NULL,
    effective_at    INTEGER NOT NULL,
    amends          BLOB,
    key_version     INTEGER NOT NULL,
    payload         BLOB
);
CREATE INDEX entries_by_person ON entries(person_id, effective_at, leaf_index);
