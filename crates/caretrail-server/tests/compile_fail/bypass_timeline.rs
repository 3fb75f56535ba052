// Server code reading a timeline without a decision or an audit leaf.
fn bypass(record: &caretrail_record::Record, person: caretrail_core::PersonId) {
    let _ = record.timeline(person);
}

fn main() {}
