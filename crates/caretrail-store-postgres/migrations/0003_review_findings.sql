-- One review queue for every kind of finding (issue 11): an item names its kind, the person, the
-- account whose action is reviewed (never its reviewer), what is reviewed (a break-glass window,
-- or the relationship entry of self-claimed care), and who it is assigned to. Existing items are
-- break-glass reads; their person and subject come from their window.
ALTER TABLE review_items
    ADD COLUMN kind text NOT NULL DEFAULT 'break-glass',
    ADD COLUMN person_id uuid REFERENCES people (id),
    ADD COLUMN subject_id uuid,
    ADD COLUMN entry_id uuid,
    ADD COLUMN assignee_id uuid,
    ADD COLUMN assigned_at timestamptz;
UPDATE review_items r SET person_id = b.person_id, subject_id = b.user_id
    FROM break_glass b WHERE b.id = r.window_id;
ALTER TABLE review_items
    ALTER COLUMN kind DROP DEFAULT,
    ALTER COLUMN person_id SET NOT NULL,
    ALTER COLUMN subject_id SET NOT NULL,
    ALTER COLUMN window_id DROP NOT NULL;
