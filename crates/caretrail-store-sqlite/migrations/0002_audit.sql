-- Audit events: one per access decision, each bound into its own ledger leaf.

CREATE TABLE audit_events (
    leaf_index      INTEGER PRIMARY KEY REFERENCES leaves(idx),
    id              BLOB NOT NULL UNIQUE,
    at              INTEGER NOT NULL,
    accessor_id     BLOB NOT NULL,
    role            TEXT NOT NULL,
    organisation_id BLOB NOT NULL,
    person_id       BLOB,
    action          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    allowed         INTEGER NOT NULL,
    break_glass     INTEGER NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX audit_events_by_person ON audit_events(person_id, at);
