//! Checkpoints in C2SP signed notes: the golang.org/x/mod/sumdb/note reference vectors
//! (PeterNeumann and EnochRoot keys, its malformed-note table and key manglings), the
//! tlog-checkpoint body format, sign/verify round trips, tamper detection, and parse errors.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use caretrail_ledger::{
    Checkpoint, LogSigner, MAX_NOTE_BYTES, MAX_SIGNATURES, NoteError, NoteVerifier, leaf_hash,
};
use sha2::{Digest, Sha256};

// golang.org/x/mod/sumdb/note note_test.go.
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY_MATERIAL: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_signer() -> LogSigner {
    // A Go signer key is "PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>".
    let material = STANDARD.decode(PETER_SKEY_MATERIAL).unwrap();
    assert_eq!(material[0], 0x01);
    let seed: [u8; 32] = material[1..].try_into().unwrap();
    LogSigner::from_secret("PeterNeumann", &seed).unwrap()
}

fn test_signer() -> LogSigner {
    LogSigner::from_secret("caretrail.example/log", &[7; 32]).unwrap()
}

fn test_checkpoint() -> Checkpoint {
    Checkpoint::new("caretrail.example/log", 20_852_163, leaf_hash(b"root")).unwrap()
}

#[test]
fn peter_neumann_key_reproduces_the_go_verifier_key_and_signature() {
    let signer = peter_signer();
    assert_eq!(signer.verifier_key(), PETER_VKEY);
    assert_eq!(signer.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(
        signer.sign_note(TEXT).unwrap(),
        format!("{TEXT}\n{PETER_SIG}")
    );
}

#[test]
fn go_reference_note_verifies_and_unknown_signatures_are_ignored() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(peter.verify_note(&both), Ok(TEXT));
    assert_eq!(enoch.verify_note(&both), Ok(TEXT));
    assert_eq!(
        peter.verify_note(&format!("{TEXT}\n{ENOCH_SIG}{PETER_SIG}")),
        Ok(TEXT)
    );
    assert_eq!(
        peter.verify_note(&format!("{TEXT}\n{ENOCH_SIG}")),
        Err(NoteError::NoSignatureByKey {
            key: "PeterNeumann+c74f20a3".into()
        })
    );
    // Repeated signatures are fine (Go's "duplicated verified and unverified signatures").
    assert_eq!(
        peter.verify_note(&format!("{TEXT}\n{PETER_SIG}{PETER_SIG}")),
        Ok(TEXT)
    );
}

#[test]
fn go_reference_malformed_notes_are_refused_with_the_reason() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let bad_sig = "\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
    let cases: Vec<(&str, String, NoteError)> = vec![
        ("text only", TEXT.into(), NoteError::MissingSeparator),
        (
            "text and blank line",
            format!("{TEXT}\n"),
            NoteError::NoSignatures,
        ),
        (
            "signature without final newline",
            format!("{TEXT}\n{}", PETER_SIG.trim_end()),
            NoteError::MissingFinalNewline,
        ),
        (
            "control character",
            format!("\x01{TEXT}\n{PETER_SIG}"),
            NoteError::ControlCharacter { code: 1, offset: 0 },
        ),
        (
            "bad key name, no final newline",
            format!("{TEXT}\n{bad_sig}"),
            NoteError::MissingFinalNewline,
        ),
        (
            "bad key name",
            format!("{TEXT}\n{bad_sig}\n"),
            NoteError::MalformedSignatureLine {
                line: 1,
                reason: "the signature is not canonical standard base64",
            },
        ),
        (
            "unexpected line after the signatures",
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
            NoteError::MalformedSignatureLine {
                line: 2,
                reason: "it must start with an em dash (U+2014) and a space",
            },
        ),
        (
            "ASCII hyphen instead of em dash",
            format!("{TEXT}\n{}", PETER_SIG.replacen('\u{2014}', "-", 1)),
            NoteError::MalformedSignatureLine {
                line: 1,
                reason: "it must start with an em dash (U+2014) and a space",
            },
        ),
        (
            "signature too short",
            format!("{TEXT}\n\u{2014} PeterNeumann x08gow==\n"),
            NoteError::MalformedSignatureLine {
                line: 1,
                reason: "the signature is shorter than a key id and one byte",
            },
        ),
        (
            "name with a plus",
            format!("{TEXT}\n\u{2014} Peter+Neumann x08go/ZJ\n"),
            NoteError::MalformedSignatureLine {
                line: 1,
                reason: "the key name is empty or holds a space, '+' or control character",
            },
        ),
        (
            "tab inside the text",
            format!("a\tb\n\n{PETER_SIG}"),
            NoteError::ControlCharacter { code: 9, offset: 1 },
        ),
        (
            "carriage return line ends",
            format!("{TEXT}\n{}", PETER_SIG.replace('\n', "\r\n")),
            NoteError::ControlCharacter {
                code: 13,
                offset: TEXT.len() + PETER_SIG.len(),
            },
        ),
    ];
    for (desc, note, want) in cases {
        assert_eq!(peter.verify_note(&note), Err(want), "{desc}");
    }
    // "\xff" + text: not UTF-8 at all.
    let mut bytes = vec![0xff];
    bytes.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
    assert_eq!(
        peter.verify_bytes(&bytes),
        Err(NoteError::NotUtf8 { offset: 0 })
    );
}

#[test]
fn corrupted_go_signature_is_refused_not_ignored() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    // Go: peterSig[:60] + "ABCD" + peterSig[60:].
    let (head, tail) = PETER_SIG.split_at(60);
    let note = format!("{TEXT}\n{head}ABCD{tail}");
    assert_eq!(
        peter.verify_note(&note),
        Err(NoteError::InvalidSignature {
            key: "PeterNeumann+c74f20a3".into()
        })
    );
    // A bad signature from this key rejects the note even beside a good one.
    let both = format!("{TEXT}\n{PETER_SIG}{head}ABCD{tail}");
    assert!(matches!(
        peter.verify_note(&both),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn more_than_max_signatures_are_refused() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let at_limit = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES));
    assert_eq!(peter.verify_note(&at_limit), Ok(TEXT));
    let over = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1));
    assert_eq!(
        peter.verify_note(&over),
        Err(NoteError::TooManySignatures {
            count: 101,
            max: 100
        })
    );
}

#[test]
fn notes_longer_than_the_limit_are_refused() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let long = format!("{}\n\n{PETER_SIG}", "a".repeat(MAX_NOTE_BYTES));
    assert!(matches!(
        peter.verify_note(&long),
        Err(NoteError::TooLong { .. })
    ));
    assert!(matches!(
        peter.verify_bytes(long.as_bytes()),
        Err(NoteError::TooLong { .. })
    ));
    assert!(matches!(
        peter_signer().sign_note(&format!("{}\n", "a".repeat(MAX_NOTE_BYTES))),
        Err(NoteError::TooLong { .. })
    ));
}

#[test]
fn every_mangled_go_verifier_key_is_refused() {
    // Go's TestNewVerifier: every proper substring and every single-byte increment.
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) != (0, b.len()) {
                let k = &PETER_VKEY[i..j];
                assert!(NoteVerifier::parse(k).is_err(), "{k:?} parsed");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let k = String::from_utf8(m).unwrap();
        assert!(NoteVerifier::parse(&k).is_err(), "{k:?} parsed");
    }
    // Wrong key length and unknown algorithm, each with its key id adjusted.
    assert!(matches!(
        NoteVerifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(NoteError::MalformedVerifierKey { .. })
    ));
    assert_eq!(
        NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap_err(),
        NoteError::UnsupportedKeyType(0x65)
    );
}

/// A verifier key for `name` over arbitrary 32 key bytes, with the key id computed as specified.
fn verifier_key_for(name: &str, public: &[u8; 32]) -> String {
    let id = key_id_by_hand(name, public);
    let mut key = vec![0x01];
    key.extend_from_slice(public);
    format!("{name}+{}+{}", hex::encode(id), STANDARD.encode(key))
}

fn key_id_by_hand(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut input = name.as_bytes().to_vec();
    input.push(0x0a);
    input.push(0x01);
    input.extend_from_slice(public);
    Sha256::digest(&input)[..4].try_into().unwrap()
}

#[test]
fn verifier_key_parse_errors_say_what_is_wrong() {
    let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    // y = p + 1 is a non-canonical encoding of the identity point.
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    let off_curve = (2u8..)
        .map(|y| {
            let mut k = [0u8; 32];
            k[0] = y;
            k
        })
        .find(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_err())
        .unwrap();
    let malformed = |reason| NoteError::MalformedVerifierKey { reason };
    let cases: Vec<(&str, String, NoteError)> = vec![
        (
            "no separators",
            "PeterNeumann".into(),
            malformed("expected <name>+<key id>+<base64 key>"),
        ),
        (
            "one separator",
            "PeterNeumann+c74f20a3".into(),
            malformed("expected <name>+<key id>+<base64 key>"),
        ),
        (
            "empty name",
            format!("+{}", &PETER_VKEY[13..]),
            NoteError::InvalidKeyName {
                name: String::new(),
            },
        ),
        (
            "space in name",
            format!("Peter Neumann{}", &PETER_VKEY[12..]),
            NoteError::InvalidKeyName {
                name: "Peter Neumann".into(),
            },
        ),
        (
            "upper-case key id",
            PETER_VKEY.replace("c74f20a3", "C74F20A3"),
            malformed("the key id is not 8 lower-case hex digits"),
        ),
        (
            "short key id",
            PETER_VKEY.replace("c74f20a3", "c74f20a"),
            malformed("the key id is not 8 lower-case hex digits"),
        ),
        (
            "wrong key id",
            PETER_VKEY.replace("c74f20a3", "c74f20a4"),
            NoteError::KeyIdMismatch {
                stated: "c74f20a4".into(),
                computed: "c74f20a3".into(),
            },
        ),
        (
            "unpadded base64",
            PETER_VKEY.trim_end_matches('=').replace("10TW", "10T"),
            malformed("the key is not canonical standard base64"),
        ),
        (
            "empty key",
            "PeterNeumann+c74f20a3+".into(),
            malformed("the key is empty"),
        ),
        (
            "short key",
            format!("PeterNeumann+c74f20a3+{}", STANDARD.encode([1u8; 32])),
            malformed("an Ed25519 public key is 32 bytes"),
        ),
        (
            "ECDSA key type",
            format!("PeterNeumann+c74f20a3+{}", STANDARD.encode([2u8; 33])),
            NoteError::UnsupportedKeyType(2),
        ),
        (
            "small-order key",
            verifier_key_for("weak", &identity),
            NoteError::WeakPublicKey,
        ),
        (
            "non-canonical key",
            verifier_key_for("odd", &non_canonical),
            NoteError::InvalidPublicKey,
        ),
        (
            "not a curve point",
            verifier_key_for("off", &off_curve),
            NoteError::InvalidPublicKey,
        ),
    ];
    for (desc, key, want) in cases {
        assert_eq!(NoteVerifier::parse(&key).unwrap_err(), want, "{desc}");
    }
    assert_eq!(peter.verifier_key(), PETER_VKEY);
    assert_eq!(peter.name(), "PeterNeumann");
}

#[test]
fn checkpoint_body_is_origin_size_and_base64_root_lines() {
    let cp = test_checkpoint();
    let body = cp.body();
    assert_eq!(
        body,
        format!(
            "caretrail.example/log\n20852163\n{}\n",
            STANDARD.encode(cp.root)
        )
    );
    assert_eq!(Checkpoint::parse_body(&body), Ok(cp));
    let empty = Checkpoint::new("o", 0, caretrail_ledger::EMPTY_ROOT).unwrap();
    assert_eq!(
        empty.body(),
        "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    );
}

#[test]
fn signed_checkpoint_has_the_c2sp_layout_and_verifies() {
    let signer = test_signer();
    let cp = test_checkpoint();
    let note = signer.sign(&cp);
    let (body, signature) = note.split_once("\n\n").unwrap();
    assert_eq!(format!("{body}\n"), cp.body());
    let blob = signature
        .strip_prefix("\u{2014} caretrail.example/log ")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap();
    let blob = STANDARD.decode(blob).unwrap();
    assert_eq!(blob.len(), 4 + 64);
    assert_eq!(blob[..4], signer.key_id());

    let verified = signer.verifier().verify(&note).unwrap();
    assert_eq!(verified.checkpoint(), &cp);
    assert_eq!(verified.note(), note);
    assert_eq!(verified.body(), cp.body());
    assert_eq!(verified.size, cp.size, "derefs to the checkpoint");
    assert_eq!(verified.extension_lines().count(), 0);
    let parsed = NoteVerifier::parse(&signer.verifier_key()).unwrap();
    assert_eq!(parsed.verify(&note), Ok(verified));
}

#[test]
fn verifier_key_and_key_id_are_computed_as_specified() {
    let signer = test_signer();
    let public = signer.public_key();
    let id = key_id_by_hand("caretrail.example/log", &public);
    assert_eq!(signer.key_id(), id);
    let key = signer.verifier_key();
    let parts: Vec<&str> = key.splitn(3, '+').collect();
    assert_eq!(parts[0], "caretrail.example/log");
    assert_eq!(parts[1], hex::encode(id));
    assert!(
        parts[1]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let mut want = vec![0x01];
    want.extend_from_slice(&public);
    assert_eq!(STANDARD.decode(parts[2]).unwrap(), want);
    assert_eq!(key, verifier_key_for("caretrail.example/log", &public));
    let verifier = signer.verifier();
    assert_eq!(
        (verifier.name(), verifier.key_id(), verifier.public_key()),
        (signer.name(), id, public)
    );
    assert_eq!(verifier.verifier_key(), key);
}

#[test]
fn any_change_to_a_signed_checkpoint_fails() {
    let signer = test_signer();
    let verifier = signer.verifier();
    let note = signer.sign(&test_checkpoint());
    let mut tried = 0;
    for (offset, c) in note.char_indices() {
        let replacements: &[char] = if c.is_ascii_alphanumeric() {
            &[
                if c == 'A' { 'B' } else { 'A' },
                if c == '0' { '1' } else { '0' },
            ]
        } else {
            &['A', ' ', '\n', '/']
        };
        for &r in replacements {
            if r == c {
                continue;
            }
            let mut changed = note.clone();
            changed.replace_range(offset..offset + c.len_utf8(), r.encode_utf8(&mut [0; 4]));
            assert!(verifier.verify(&changed).is_err(), "{changed:?} verifies");
            tried += 1;
        }
        // Dropping or doubling any character.
        let mut dropped = note.clone();
        dropped.replace_range(offset..offset + c.len_utf8(), "");
        assert!(verifier.verify(&dropped).is_err(), "{dropped:?} verifies");
        let mut doubled = note.clone();
        doubled.insert(offset, c);
        assert!(verifier.verify(&doubled).is_err(), "{doubled:?} verifies");
    }
    assert!(tried > 200);
    // Flipping any bit of the signature itself.
    let (body, sig_line) = note.split_once("\n\n").unwrap();
    let blob = sig_line.trim_end().rsplit_once(' ').unwrap().1;
    let blob = STANDARD.decode(blob).unwrap();
    for bit in 0..blob.len() * 8 {
        let mut bad = blob.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let forged = format!(
            "{body}\n\n\u{2014} caretrail.example/log {}\n",
            STANDARD.encode(&bad)
        );
        assert!(verifier.verify(&forged).is_err(), "bit {bit}");
    }
}

#[test]
fn another_keys_signature_does_not_count_and_a_forged_key_id_fails() {
    let signer = test_signer();
    let cp = test_checkpoint();
    // Same name, another key: a different key id, so the signature is not ours.
    let impostor = LogSigner::from_secret("caretrail.example/log", &[8; 32]).unwrap();
    let forged = impostor.sign(&cp);
    assert_eq!(
        signer.verifier().verify(&forged),
        Err(NoteError::WrongKeyId {
            key: format!("caretrail.example/log+{}", hex::encode(signer.key_id())),
            found: hex::encode(impostor.key_id()),
        })
    );
    // The impostor's signature relabelled with our key id: checked, and refused.
    let blob_start = forged.rfind(' ').unwrap() + 1;
    let mut blob = STANDARD.decode(forged[blob_start..].trim_end()).unwrap();
    blob[..4].copy_from_slice(&signer.key_id());
    let relabelled = format!("{}{}\n", &forged[..blob_start], STANDARD.encode(&blob));
    assert!(matches!(
        signer.verifier().verify(&relabelled),
        Err(NoteError::InvalidSignature { .. })
    ));
    // A cosignature from another key beside ours is ignored.
    let witness = LogSigner::from_secret("witness.example", &[9; 32]).unwrap();
    let ours = signer.sign(&cp);
    let theirs = witness.sign(&cp);
    let cosigned = format!("{ours}{}", theirs.rsplit_once("\n\n").unwrap().1);
    assert_eq!(
        signer.verifier().verify(&cosigned).unwrap().checkpoint(),
        &cp
    );
    assert_eq!(
        witness.verifier().verify(&cosigned).unwrap().checkpoint(),
        &cp
    );
}

#[test]
fn signer_debug_shows_the_public_key_only() {
    let secret = [0x5a; 32];
    let signer = LogSigner::from_secret("caretrail.example/log", &secret).unwrap();
    let debug = format!("{signer:?}");
    assert!(debug.contains(&signer.verifier_key()), "{debug}");
    assert!(!debug.contains(&hex::encode(secret)));
    assert!(!debug.contains(&STANDARD.encode(secret)));
    assert!(!debug.contains("90, 90, 90"), "{debug}");
    assert!(!format!("{signer:#?}").contains("90,"));
}

#[test]
fn invalid_key_names_are_refused() {
    for name in [
        "",
        "a b",
        "a+b",
        "a\tb",
        "a\nb",
        "a\u{a0}b",
        "a\u{2003}b",
        "a\u{1}b",
    ] {
        assert_eq!(
            LogSigner::from_secret(name, &[1; 32]).unwrap_err(),
            NoteError::InvalidKeyName { name: name.into() },
            "{name:?}"
        );
    }
    assert!(LogSigner::from_secret("caretrail.example/log-1_é", &[1; 32]).is_ok());
}

#[test]
fn checkpoint_body_parse_errors_say_what_is_wrong() {
    let root = STANDARD.encode([0xab; 32]);
    let bad_size = |text: &str| NoteError::BadTreeSize { text: text.into() };
    let cases: Vec<(&str, String, NoteError)> = vec![
        (
            "no final newline",
            format!("o\n1\n{root}"),
            NoteError::MissingFinalNewline,
        ),
        ("empty", String::new(), NoteError::MissingFinalNewline),
        (
            "two lines",
            "o\n1\n".into(),
            NoteError::TooFewLines { lines: 2 },
        ),
        (
            "empty origin",
            format!("\n1\n{root}\n"),
            NoteError::EmptyOrigin,
        ),
        ("leading zero", format!("o\n01\n{root}\n"), bad_size("01")),
        ("double zero", format!("o\n00\n{root}\n"), bad_size("00")),
        ("plus sign", format!("o\n+1\n{root}\n"), bad_size("+1")),
        ("minus sign", format!("o\n-1\n{root}\n"), bad_size("-1")),
        ("empty size", format!("o\n\n{root}\n"), bad_size("")),
        ("space", format!("o\n 1\n{root}\n"), bad_size(" 1")),
        ("hex", format!("o\n0x1\n{root}\n"), bad_size("0x1")),
        (
            "full-width digit",
            format!("o\n\u{ff11}\n{root}\n"),
            bad_size("\u{ff11}"),
        ),
        (
            "overflow",
            format!("o\n18446744073709551616\n{root}\n"),
            bad_size("18446744073709551616"),
        ),
        (
            "root not base64",
            "o\n1\nnot base64!\n".into(),
            NoteError::BadRootBase64,
        ),
        (
            "root without padding",
            format!("o\n1\n{}\n", root.trim_end_matches('=')),
            NoteError::BadRootBase64,
        ),
        (
            "root URL-safe alphabet",
            "o\n1\n____________________________________________\n".into(),
            NoteError::BadRootBase64,
        ),
        (
            "root 31 bytes",
            format!("o\n1\n{}\n", STANDARD.encode([1; 31])),
            NoteError::BadRootLength { len: 31 },
        ),
        (
            "root 33 bytes",
            format!("o\n1\n{}\n", STANDARD.encode([1; 33])),
            NoteError::BadRootLength { len: 33 },
        ),
        (
            "root non-canonical trailing bits",
            format!("o\n1\n{}\n", root.replacen("s=", "t=", 1)),
            NoteError::BadRootBase64,
        ),
        (
            "empty extension line",
            format!("o\n1\n{root}\next\n\nmore\n"),
            NoteError::EmptyExtensionLine { line: 5 },
        ),
        (
            "control character",
            format!("o\x7f\x02\n1\n{root}\n"),
            NoteError::ControlCharacter { code: 2, offset: 2 },
        ),
    ];
    for (desc, body, want) in cases {
        assert_eq!(Checkpoint::parse_body(&body), Err(want), "{desc}: {body:?}");
    }
    assert_eq!(
        Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n")).map(|c| c.size),
        Ok(u64::MAX)
    );
}

#[test]
fn extension_lines_are_covered_by_the_signature_and_returned() {
    let signer = test_signer();
    let body = format!("{}first extension\nsecond\n", test_checkpoint().body());
    let note = signer.sign_note(&body).unwrap();
    let verified = signer.verifier().verify(&note).unwrap();
    assert_eq!(verified.checkpoint(), &test_checkpoint());
    assert_eq!(
        verified.extension_lines().collect::<Vec<_>>(),
        ["first extension", "second"]
    );
    let tampered = note.replace("second", "Second");
    assert!(signer.verifier().verify(&tampered).is_err());
}

#[test]
fn invalid_origins_are_refused_and_never_verify() {
    let root = [1; 32];
    assert_eq!(Checkpoint::new("", 1, root), Err(NoteError::EmptyOrigin));
    assert_eq!(
        Checkpoint::new("a\nb", 1, root),
        Err(NoteError::ControlCharacter {
            code: 10,
            offset: 1
        })
    );
    // An origin that smuggles in its own size and root lines would render a body reading as
    // another checkpoint: nothing is signed.
    let signer = test_signer();
    let smuggled = Checkpoint {
        origin: format!("log\n99\n{}", STANDARD.encode([2u8; 32])),
        size: 1,
        root,
    };
    assert!(
        Checkpoint::parse_body(&smuggled.body()).is_ok(),
        "the danger is real"
    );
    assert_eq!(signer.sign(&smuggled), "");
    assert_eq!(
        signer.try_sign(&smuggled),
        Err(NoteError::ControlCharacter {
            code: 10,
            offset: 3
        })
    );
    let empty = Checkpoint {
        origin: String::new(),
        size: 1,
        root,
    };
    assert_eq!(signer.try_sign(&empty), Err(NoteError::EmptyOrigin));
    assert!(signer.verifier().verify(&signer.sign(&empty)).is_err());
    assert_eq!(
        signer.try_sign(&test_checkpoint()),
        Ok(signer.sign(&test_checkpoint()))
    );
}

#[test]
fn sign_note_refuses_texts_that_are_not_note_texts() {
    let signer = test_signer();
    assert_eq!(signer.sign_note("abc"), Err(NoteError::MissingFinalNewline));
    assert_eq!(signer.sign_note(""), Err(NoteError::MissingFinalNewline));
    assert_eq!(
        signer.sign_note("a\rb\n"),
        Err(NoteError::ControlCharacter {
            code: 13,
            offset: 1
        })
    );
}
