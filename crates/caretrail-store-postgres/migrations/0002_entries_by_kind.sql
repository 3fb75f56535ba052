-- The latest entry of a kind for a person (the consent check on every request) in one lookup.
CREATE INDEX entries_by_person_kind ON entries (person_id, kind, leaf_index);
