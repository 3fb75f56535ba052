//! Shared input handling: strict parsing (unknown fields refused, the bad field named as a JSON
//! Pointer by `caretrail_core::problem`), rule checks that collect every error, and exact decimal
//! rounding for measurements given to one decimal.

use caretrail_core::problem::{FieldError, InputError, deserialize_strict};
use serde::de::DeserializeOwned;

/// Parses one instrument's input object. Shape errors (missing, unknown or mistyped fields)
/// come from serde and name the field; rule errors come from the instrument's own checks.
pub(crate) fn parse<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, InputError> {
    if !value.is_object() {
        return Err(InputError::field("", "input must be a JSON object"));
    }
    deserialize_strict(value)
}

/// Collects every rule an input breaks, so that one answer lists them all.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<FieldError>);

impl Errors {
    pub(crate) fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
    }

    /// A list must have exactly `expected` items: a missing item is named by the index where it
    /// should be (`/items/12`), an extra one by its own index (`/items/13`).
    pub(crate) fn check_len(&mut self, pointer: &str, len: usize, expected: usize, what: &str) {
        if len < expected {
            self.0.push(FieldError::new(
                format!("{pointer}/{len}"),
                format!("required item is missing: {what} has exactly {expected} items"),
            ));
        } else if len > expected {
            self.0.push(FieldError::new(
                format!("{pointer}/{expected}"),
                format!("unexpected item: {what} has exactly {expected} items"),
            ));
        }
    }

    pub(crate) fn extend(&mut self, other: InputError) {
        self.0.extend(other.errors);
    }

    pub(crate) fn finish(self) -> Result<(), InputError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InputError {
                syntax: false,
                errors: self.0,
            })
        }
    }
}

/// Largest magnitude accepted by [`micros`]: far beyond any measurement, small enough that sums
/// of a few thousand values cannot overflow an `i64`.
const MICRO_LIMIT: f64 = 1e9;

/// `x` in millionths, rounded to the nearest: exact for values written with up to six decimals,
/// which the binary `f64` only approximates (36.05 is stored as 36.04999…). `None` when `x` is
/// not finite or is beyond ±10⁹.
pub(crate) fn micros(x: f64) -> Option<i64> {
    if x.is_finite() && x.abs() <= MICRO_LIMIT {
        // In range by the check above, so the cast cannot saturate.
        Some((x * 1e6).round() as i64)
    } else {
        None
    }
}

/// Millionths rounded half-up to tenths (36.05 → 36.1, 16.65 → 16.7, −5.25 → −5.2).
pub(crate) fn micros_to_tenths(micros: i64) -> i64 {
    micros.saturating_add(50_000).div_euclid(100_000)
}

/// `x` rounded half-up to one decimal, in tenths; `None` as for [`micros`].
pub(crate) fn tenths(x: f64) -> Option<i64> {
    micros(x).map(micros_to_tenths)
}

/// Tenths as the JSON number with one decimal (`265` → `26.5`).
pub(crate) fn from_tenths(tenths: i64) -> f64 {
    tenths as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_on_the_written_decimal_not_the_binary_one() {
        for (x, t) in [
            (36.05, 361),
            (36.04, 360),
            (36.15, 362),
            (16.65, 167),
            (4.175 * 4.0, 167),
            (38.25, 383),
            (0.0, 0),
            (-5.25, -52),
            (-5.26, -53),
        ] {
            assert_eq!(tenths(x), Some(t), "{x}");
        }
    }

    #[test]
    fn refuses_values_it_cannot_represent() {
        assert_eq!(tenths(f64::NAN), None);
        assert_eq!(tenths(f64::INFINITY), None);
        assert_eq!(tenths(1e300), None);
        assert_eq!(tenths(-1e300), None);
    }

    #[test]
    fn a_short_list_names_the_first_missing_index_and_a_long_one_the_first_extra() {
        let mut e = Errors::default();
        e.check_len("/items", 12, 13, "SOC-13");
        e.check_len("/sessions/1", 5, 4, "an ORS session");
        e.check_len("/x", 3, 3, "x");
        let err = e.finish().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/items/12", "/sessions/1/4"]);
    }
}
