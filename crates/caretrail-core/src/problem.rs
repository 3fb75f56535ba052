//! Bad input as values: a list of (JSON Pointer, message) pairs, and the RFC 9457 problem
//! document that carries them to an HTTP client or to the CLI's standard error.

use serde::{Deserialize, Serialize};

/// One thing wrong with the input, located by an RFC 6901 JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Input that does not fit: JSON that does not parse (`syntax`, HTTP 400) or values that are not
/// allowed (HTTP 422). Messages never quote personal data, only field names and rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.summary())]
pub struct InputError {
    pub syntax: bool,
    pub errors: Vec<FieldError>,
}

impl InputError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            syntax: false,
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn syntax(message: impl Into<String>) -> Self {
        InputError {
            syntax: true,
            errors: vec![FieldError::new("", message)],
        }
    }

    fn summary(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.field, e.message)
                }
            })
            .collect();
        parts.join("; ")
    }

    pub fn status(&self) -> u16 {
        if self.syntax { 400 } else { 422 }
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            problem_type: "about:blank".into(),
            title: if self.syntax {
                "Input is not valid JSON".into()
            } else {
                "Input does not fit".into()
            },
            status: self.status(),
            detail: Some(self.summary()),
            errors: self.errors.clone(),
        }
    }
}

/// Appends `segment` to a JSON Pointer, escaping `~` and `/` (RFC 6901 §3).
pub fn pointer_push(pointer: &str, segment: &str) -> String {
    format!(
        "{pointer}/{}",
        segment.replace('~', "~0").replace('/', "~1")
    )
}

/// Deserialises `value` into `T`, turning serde's error into a JSON Pointer and a message that
/// does not quote the input (the value may be personal data). Unknown fields are refused where
/// `T` says `deny_unknown_fields`.
pub fn deserialize_strict<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, InputError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = String::new();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer = pointer_push(&pointer, &index.to_string())
                }
                serde_path_to_error::Segment::Map { key } => pointer = pointer_push(&pointer, key),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let raw = e.inner().to_string();
        let (pointer, message) = sanitise(pointer, &raw);
        InputError::field(pointer, message)
    })
}

/// Rewrites a serde message so that it names the field and the expectation but never the value.
fn sanitise(pointer: String, raw: &str) -> (String, String) {
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let name = quoted(rest).unwrap_or_default();
        return (push_once(pointer, &name), "unknown field".into());
    }
    if let Some(rest) = raw.strip_prefix("missing field ") {
        let name = quoted(rest).unwrap_or_default();
        return (
            push_once(pointer, &name),
            "required field is missing".into(),
        );
    }
    if let Some(idx) = raw.find(", expected ") {
        let expected = &raw[idx + ", expected ".len()..];
        let what = if raw.starts_with("unknown variant") {
            "value not allowed"
        } else {
            "wrong type or value"
        };
        return (pointer, format!("{what}: expected {expected}"));
    }
    if raw.starts_with("invalid length") {
        return (pointer, "wrong number of items".into());
    }
    (pointer, "value does not fit this field".into())
}

/// serde_path_to_error already ends the path at an unknown key; add the key only when it does not.
fn push_once(pointer: String, name: &str) -> String {
    let pushed = pointer_push("", name);
    if pointer.ends_with(&pushed) {
        pointer
    } else {
        pointer + &pushed
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: u16, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: "about:blank".into(),
            title: title.into(),
            status,
            detail: Some(detail.into()),
            errors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(pointer_push("", "a/b~c"), "/a~1b~0c");
        assert_eq!(pointer_push("/sessions", "1"), "/sessions/1");
    }

    #[test]
    fn problem_carries_status_and_errors() {
        let e = InputError::field("/pulse", "must be a whole number");
        let p = serde_json::to_value(e.to_problem()).unwrap();
        assert_eq!(p["status"], 422);
        assert_eq!(p["errors"][0]["field"], "/pulse");
        assert_eq!(p["type"], "about:blank");
        assert_eq!(InputError::syntax("eof").status(), 400);
    }
}
