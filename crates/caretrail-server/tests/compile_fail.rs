//! Issue 11: the gate is the only way to a person's data. Each program in `compile_fail/` is
//! server-side code reaching around the gate, and must not build, failing with the error in its
//! `.stderr` file (a private method of the record crate); `compile_fail/through_the_gate.rs`
//! does the same read through the gate and must build.
//!
//! After a compiler upgrade changes the wording, refresh the expected output with
//! `TRYBUILD=overwrite cargo test -p caretrail-server --test compile_fail` and review the diff.

#[test]
fn reaching_around_the_gate_does_not_build() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/bypass_*.rs");
    t.pass("tests/compile_fail/through_the_gate.rs");
}
