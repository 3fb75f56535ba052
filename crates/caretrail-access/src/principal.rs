//! The authenticated caller as the access rules see it: who they are, in which role, acting for
//! which organisation, and why (purpose of use, header `X-Purpose-Of-Use`, DESIGN §4).
//!
//! [`Purpose`] is the one defined in `caretrail_core::audit`, re-exported here, so that the purpose
//! a decision was made under and the purpose written to the audit leaf are the same type.

use caretrail_core::{OrganisationId, PersonId, Role, User, UserId};

/// Why a record is being accessed: `care` (the default), `safeguarding`, `emergency`, `audit`.
/// Lower-case on the wire; `FromStr` parses the header value.
pub use caretrail_core::audit::Purpose;

/// The caller of one request, built by the server's authentication from the signed-in [`User`]
/// and the request's purpose of use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub role: Role,
    /// The organisation the user acts for. Care relationships count only through this
    /// organisation, and consent directives are applied to it.
    pub organisation: OrganisationId,
    /// The person a citizen account *is*. Only a citizen's own-record rights read it; for every
    /// other role it grants nothing.
    pub person: Option<PersonId>,
    pub purpose: Purpose,
}

impl Principal {
    /// The principal of `user` declaring `purpose`. `person` is kept only on citizen accounts,
    /// as in `demo-accounts.json` (DESIGN §4).
    pub fn from_user(user: &User, purpose: Purpose) -> Self {
        Principal {
            user: user.id,
            role: user.role,
            organisation: user.organisation,
            person: user.person.filter(|_| user.role == Role::Citizen),
            purpose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_citizen_accounts_carry_their_person() {
        let mut user = User {
            id: UserId::new(),
            username: "u".into(),
            display_name: "U".into(),
            role: Role::Citizen,
            organisation: OrganisationId::new(),
            person: Some(PersonId::new()),
        };
        assert_eq!(
            Principal::from_user(&user, Purpose::Care).person,
            user.person
        );
        user.role = Role::Nurse;
        assert_eq!(Principal::from_user(&user, Purpose::Care).person, None);
    }

    #[test]
    fn purpose_parses_the_header_and_defaults_to_care() {
        assert_eq!(Purpose::default(), Purpose::Care);
        assert_eq!("emergency".parse::<Purpose>().unwrap(), Purpose::Emergency);
        assert!("Emergency".parse::<Purpose>().is_err());
    }
}
