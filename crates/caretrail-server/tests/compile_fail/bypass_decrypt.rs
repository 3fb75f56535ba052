// Server code decrypting a stored entry itself.
fn bypass(record: &caretrail_record::Record, row: &caretrail_store::EntryRow) {
    let _ = record.decrypt(row);
}

fn main() {}
