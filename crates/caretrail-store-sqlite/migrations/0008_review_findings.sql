-- One review queue for every kind of finding (issue 11): an item names its kind, the person, the
-- account whose action is reviewed (never its reviewer), what is reviewed (a break-glass window,
-- or the relationship entry of self-claimed care), and who it is assigned to. Existing items are
-- break-glass reads; their person and subject come from their window.

CREATE TABLE review_items_v8 (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    person_id   BLOB NOT NULL REFERENCES people(id),
    subject_id  BLOB NOT NULL,
    window_id   BLOB REFERENCES break_glass(id),
    entry_id    BLOB,
    audit_id    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    assignee_id BLOB,
    assigned_at INTEGER,
    closed_at   INTEGER,
    reviewer_id BLOB,
    finding     BLOB
);
INSERT INTO review_items_v8
    SELECT r.id, 'break-glass', b.person_id, b.user_id, r.window_id, NULL, r.audit_id,
           r.created_at, NULL, NULL, r.closed_at, r.reviewer_id, r.finding
    FROM review_items r JOIN break_glass b ON b.id = r.window_id;
DROP TABLE review_items;
ALTER TABLE review_items_v8 RENAME TO review_items;
CREATE INDEX review_items_open ON review_items(closed_at, created_at);
