// Server code writing an entry without a decision or an audit leaf.
fn bypass(record: &caretrail_record::Record, req: caretrail_record::NewEntryRequest) {
    let _ = record.add_entry(req);
}

fn main() {}
