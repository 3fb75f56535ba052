-- Fact leaves: the leaf index of the latest fact leaf of each directory row (see
-- caretrail_store::fact). An index for the read-modify-write guard only: `verify` rebuilds the
-- fold from the leaves themselves.
CREATE TABLE facts (
    kind       INTEGER NOT NULL,
    subject    BLOB NOT NULL,
    leaf_index INTEGER NOT NULL REFERENCES leaves(idx),
    PRIMARY KEY (kind, subject)
) WITHOUT ROWID;
