-- Break-glass windows and the privacy officer's review queue. Reasons and findings are free
-- text, so they are stored encrypted under the person's data key.

CREATE TABLE break_glass (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users(id),
    person_id       BLOB NOT NULL REFERENCES people(id),
    organisation_id BLOB NOT NULL,
    reason          BLOB,
    opened_at       INTEGER NOT NULL
);
CREATE INDEX break_glass_by_user_person ON break_glass(user_id, person_id, opened_at);

CREATE TABLE review_items (
    id          BLOB PRIMARY KEY,
    window_id   BLOB NOT NULL REFERENCES break_glass(id),
    audit_id    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    reviewer_id BLOB,
    finding     BLOB
);
CREATE INDEX review_items_open ON review_items(closed_at, created_at);
