//! Who may do what to whose record: the pure authorisation core of caretrail (issue scope 3,
//! "Authorisation"; DESIGN §1 point 4, §2 and §4 "Accounts and HTTP").
//!
//! Everything here takes values and returns values. There is no I/O, no clock and no randomness:
//! the caller gathers the facts (the person's care relationships and consent directives, an open
//! break-glass grant, whether the person is erased, and `now`) and asks for a [`Decision`].
//!
//! ```text
//!   Principal {user, role, organisation, person, purpose}
//!       + Action (what a route does to a person's record)
//!       + Facts  (relationships, consents, break-glass, erased, now)
//!   ──decide──► Decision::Allow(Grant) | Decision::Deny(Denial)
//! ```
//!
//! Every decision, allow or deny, carries a stable reason code ([`Decision::code`]) for the one
//! audit leaf the HTTP layer writes per attempt. A [`Grant`] can only be made by this crate, so
//! holding one is proof that a decision allowed the operation (STYLE habit 2, lldap's capability
//! pattern); it also says which consent categories must be hidden from the reader and whether
//! break-glass was used.
//!
//! Module map:
//! - [`policy`]: the role × action permission table, as data, with the reason for each row.
//! - [`decide`](mod@decide): the decision procedure ([`decide()`], [`decide_review`]) and [`Facts`].
//! - [`decision`]: [`Decision`], [`Grant`], [`Basis`] and [`Denial`] with their codes.
//! - [`action`]: [`Action`] (person-scoped) and [`Review`] (review queues), and their audit names.
//! - [`principal`]: [`Principal`], the authenticated caller with their purpose of use.
//! - [`consent`]: how a person's ordered consent directives apply to one organisation.
//! - [`category`]: the one table mapping codes to consent categories ([`categories_of`]).
//! - [`break_glass`]: [`BreakGlassGrant`] and [`open_break_glass`] (reason, one-hour window).
#![forbid(unsafe_code)]

pub mod action;
pub mod break_glass;
pub mod category;
pub mod consent;
pub mod decide;
pub mod decision;
pub mod policy;
pub mod principal;

pub use action::{Action, Review};
pub use break_glass::{
    BREAK_GLASS_WINDOW, BreakGlassGrant, MAX_BREAK_GLASS_REASON_CHARS, open_break_glass,
};
pub use category::{CategorySet, categories_of};
pub use consent::{ConsentView, consent_for};
pub use decide::{Facts, decide, decide_review};
pub use decision::{Basis, Decision, Denial, Grant};
pub use policy::{Permission, Reach, permission, review_permission};
pub use principal::{Principal, Purpose};
