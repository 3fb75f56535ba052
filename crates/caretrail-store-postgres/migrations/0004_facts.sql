-- Fact leaves (as the SQLite schema's migration 0009): the leaf index of the latest fact leaf
-- of each directory row (see caretrail_store::fact), keyed by the fact's kind code and its
-- 16-byte subject. An index for the read-modify-write guard (`Write::ExpectFact`) only:
-- `verify` rebuilds the fold from the leaves themselves.
CREATE TABLE facts (
    kind       smallint NOT NULL CHECK (kind BETWEEN 0 AND 255),
    subject    bytea NOT NULL CHECK (octet_length(subject) = 16),
    leaf_index bigint NOT NULL REFERENCES leaves (idx),
    PRIMARY KEY (kind, subject)
);
