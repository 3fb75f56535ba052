//! Typed identifiers. Every id is a UUID on the inside and a lower-case hyphenated string on the
//! wire; the types keep a person id from being passed where an entry id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given was not a well-formed id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct IdParseError {
    pub kind: &'static str,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// An id built from 16 bytes chosen by the caller (the synthetic population uses
            /// this to stay deterministic for a seed).
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| IdParseError { kind: $kind })
            }
        }
    };
}

id_type!(
    /// A person who receives care (a citizen). Opaque: it carries no personal data.
    PersonId,
    "person"
);
id_type!(
    /// An organisation: council, home-care provider, GP practice, hospital.
    OrganisationId,
    "organisation"
);
id_type!(
    /// A user account: a practitioner, an officer, or a citizen signing in.
    UserId,
    "user"
);
id_type!(
    /// One entry in a person's record.
    EntryId,
    "entry"
);
id_type!(
    /// A care relationship between a practitioner and a person.
    RelationshipId,
    "relationship"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = PersonId::new();
        let text = id.to_string();
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.parse::<PersonId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<PersonId>(&json).unwrap(), id);
    }

    #[test]
    fn malformed_id_is_refused_with_its_kind() {
        let err = "no-such-person-0".parse::<PersonId>().unwrap_err();
        assert_eq!(err.to_string(), "not a valid person id");
    }

    #[test]
    fn ids_from_the_same_bytes_are_equal() {
        let a = EntryId::from_random_bytes([7; 16]);
        let b = EntryId::from_random_bytes([7; 16]);
        assert_eq!(a, b);
        assert_eq!(a.0.get_version_num(), 4);
    }
}
