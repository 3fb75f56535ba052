//! Logs never contain personal data (issue "server", scope 1): a request on a person's record
//! logs its route template and status, not the person's id, name or anything from the body.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use common::TestApp;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn request_logs_name_the_route_not_the_person() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let note = r#"{"kind":"case-note","data":{"text":"Mrs Canary-Logline was well today."}}"#;
    let w = app
        .call(
            Method::POST,
            &format!("/api/v1/people/{p}/entries"),
            Some(&sw),
            Some(note),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED);
    let r = app
        .call(Method::GET, &format!("/api/v1/people/{p}"), Some(&sw), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Test0"), "the profile was served");

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains(r#""route":"/api/v1/people/{id}/entries""#),
        "the request was logged by its route: {logs}"
    );
    assert!(logs.contains(r#""status":201"#), "{logs}");
    for secret in [
        p.to_string(),
        "Canary-Logline".to_owned(),
        "Test0".to_owned(),
        sw.clone(),
        "sw".to_owned() + "\"",
    ] {
        assert!(!logs.contains(&secret), "the logs contain {secret}: {logs}");
    }
}
