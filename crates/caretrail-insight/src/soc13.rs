//! Sense of Coherence, 13-item form (SOC-13; Swedish KASAM).
//!
//! Source: Antonovsky, *Unraveling the Mystery of Health* (1987) and *The structure and
//! properties of the sense of coherence scale* (Soc Sci Med 36(6), 1993); item order, reversed
//! items and subscales as fixed in `reference/instruments.md` §soc13 for the standard English
//! form. Which items are reversed depends on the printed anchors of a language version (e.g. a
//! Swedish KASAM form), so a version with other anchors needs its own [`Form`].
//!
//! SOC-13 has no clinical cut-off and this module invents none: it raises no flag. Show the
//! person's own trend over time instead.

use caretrail_core::problem::InputError;
use serde::{Deserialize, Serialize};

use crate::input::{self, Errors};

/// The instrument's name in the contract.
pub const NAME: &str = "soc13";
/// Version of these rules; stamped on every result.
pub const VERSION: &str = "1.0.0";

/// Items in the form.
pub const ITEMS: usize = 13;

/// A language version's scoring key: which items (1-based) are reversed and which belong to
/// each subscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// Items scored x → 8 − x.
    pub reversed: &'static [usize],
    /// Comprehensibility items.
    pub comprehensibility: &'static [usize],
    /// Manageability items.
    pub manageability: &'static [usize],
    /// Meaningfulness items.
    pub meaningfulness: &'static [usize],
}

/// The standard English SOC-13.
pub const STANDARD_ENGLISH: Form = Form {
    reversed: &[1, 2, 3, 7, 10],
    comprehensibility: &[2, 6, 8, 9, 11],
    manageability: &[3, 5, 10, 13],
    meaningfulness: &[1, 4, 7, 12],
};

/// `{"items":[13 integers 1..7]}`, as the person answered, in the standard item order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Soc13Input {
    /// The answers, 1–7, before reversal.
    pub items: Vec<u8>,
}

impl Soc13Input {
    /// Parses and validates the contract's input object.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: Soc13Input = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// Checks there are thirteen answers, each 1–7.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        errors.check_len("/items", self.items.len(), ITEMS, "SOC-13");
        for (i, x) in self.items.iter().enumerate() {
            errors.check(
                (1..=7).contains(x),
                format!("/items/{i}"),
                "must be a whole number from 1 to 7",
            );
        }
        errors.finish()
    }
}

/// The contract's output, with the scoring key beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soc13Result {
    /// Always [`NAME`].
    pub instrument: &'static str,
    /// Always [`VERSION`].
    pub version: &'static str,
    /// Sum of the scored items, 13–91.
    pub total: u32,
    /// Items 2, 6, 8, 9, 11 (5–35).
    pub comprehensibility: u32,
    /// Items 3, 5, 10, 13 (4–28).
    pub manageability: u32,
    /// Items 1, 4, 7, 12 (4–28).
    pub meaningfulness: u32,
    /// The thirteen items after reversal.
    pub scored_items: Vec<u8>,
    /// The items (1-based) that were reversed.
    pub reversed_items: &'static [usize],
}

/// Reverse-scores one answer on the 1–7 scale: x → 8 − x. An involution on 1–7.
pub fn reverse(x: u8) -> u8 {
    8u8.saturating_sub(x)
}

/// Scores the answers with the standard English key.
pub fn score(input: &Soc13Input) -> Soc13Result {
    score_with(input, &STANDARD_ENGLISH)
}

/// Scores the answers with a language version's key.
pub fn score_with(input: &Soc13Input, form: &Form) -> Soc13Result {
    let scored_items: Vec<u8> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if form.reversed.contains(&(i + 1)) {
                reverse(*x)
            } else {
                *x
            }
        })
        .collect();
    let sum = |items: &[usize]| -> u32 {
        items
            .iter()
            .filter_map(|n| n.checked_sub(1).and_then(|i| scored_items.get(i)))
            .map(|x| u32::from(*x))
            .fold(0, u32::saturating_add)
    };
    Soc13Result {
        instrument: NAME,
        version: VERSION,
        total: scored_items
            .iter()
            .map(|x| u32::from(*x))
            .fold(0, u32::saturating_add),
        comprehensibility: sum(form.comprehensibility),
        manageability: sum(form.manageability),
        meaningfulness: sum(form.meaningfulness),
        reversed_items: form.reversed,
        scored_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_belongs_to_exactly_one_subscale() {
        let f = STANDARD_ENGLISH;
        let mut all: Vec<usize> = [f.comprehensibility, f.manageability, f.meaningfulness].concat();
        all.sort_unstable();
        assert_eq!(all, (1..=ITEMS).collect::<Vec<_>>());
    }
}
