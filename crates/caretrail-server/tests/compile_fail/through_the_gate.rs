// The same read through the gate: decided, audited, then a capability for exactly that read.
fn through(
    record: &caretrail_record::Record,
    caller: caretrail_access::Principal,
    person: caretrail_core::PersonId,
) {
    let filter = caretrail_record::gate::TimelineFilter::default();
    let _ = record
        .gate(caller)
        .read_record(person)
        .and_then(|read| read.timeline(&filter));
}

fn main() {}
