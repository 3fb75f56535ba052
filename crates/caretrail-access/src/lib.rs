//! Access decisions (being written).
