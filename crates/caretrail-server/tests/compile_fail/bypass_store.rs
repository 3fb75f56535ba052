// Server code asking the record for its store, to read a person's rows directly.
fn bypass(record: &caretrail_record::Record, person: caretrail_core::PersonId) {
    let _ = record.store().entries_for_person(person);
}

fn main() {}
