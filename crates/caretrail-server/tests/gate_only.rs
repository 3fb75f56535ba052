//! The gate is the server's only way to a person's record (issue 11). The compile-fail
//! doctests in `src/lib.rs` show that `Record::store`, decryption and the timeline do not build
//! outside the record crate; this test holds the server's sources to the one escape hatch that
//! does build, `Record::unaudited`, which is for seeding, migration, benchmarks and tests only.

#[test]
fn no_server_source_goes_around_the_gate() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if code.contains("unaudited(") || code.contains("Unaudited") {
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(files > 10, "read the server's sources ({files} files)");
    assert!(
        offenders.is_empty(),
        "server code must go through the gate:\n{}",
        offenders.join("\n")
    );
}
