//! The PostgreSQL backend passes the shared store behaviour suite, each check in a fresh schema.

mod common;

use std::sync::Mutex;

use caretrail_store_postgres::PostgresStore;

#[test]
fn postgres_store_passes_the_conformance_suite() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schemas = Mutex::new(Vec::new());
    caretrail_store::conformance::run_all(&|| {
        let schema = common::TestSchema::new(&url);
        let store = PostgresStore::open_in_schema(&url, &schema.name).expect("open");
        schemas.lock().expect("not poisoned").push(schema);
        Box::new(store)
    });
    // Each store was dropped by the suite; dropping the schemas removes their tables.
    drop(schemas);
}
