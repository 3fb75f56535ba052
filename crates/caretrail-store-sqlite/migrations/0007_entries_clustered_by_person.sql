-- Entries clustered by person: the table's key is (person, effective time, leaf index), so a
-- timeline read is one contiguous range of the B-tree in timeline order, instead of an index
-- range followed by one table seek per entry (scattered pages, since people's entries
-- interleave in the log). Reads by leaf index and by id go through unique indexes.
CREATE TABLE entries_by_person_clustered (
    leaf_index      INTEGER NOT NULL UNIQUE REFERENCES leaves(idx),
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
    payload         BLOB,
    PRIMARY KEY (person_id, effective_at, leaf_index)
) WITHOUT ROWID;
INSERT INTO entries_by_person_clustered
    (leaf_index, id, person_id, organisation_id, author_id, author_role, kind, recorded_at,
     effective_at, amends, key_version, payload)
    SELECT leaf_index, id, person_id, organisation_id, author_id, author_role, kind, recorded_at,
           effective_at, amends, key_version, payload
    FROM entries ORDER BY person_id, effective_at, leaf_index;
DROP TABLE entries;
ALTER TABLE entries_by_person_clustered RENAME TO entries;
CREATE INDEX entries_by_person_kind ON entries(person_id, kind, leaf_index);
