-- Retention and legal hold per person, set by the privacy officer. Erasure is refused while
-- either applies.

CREATE TABLE retention (
    person_id    BLOB PRIMARY KEY REFERENCES people(id),
    retain_until TEXT,
    legal_hold   INTEGER NOT NULL,
    set_by       BLOB NOT NULL,
    set_at       INTEGER NOT NULL
);
