//! Regression tests for the "server hardening" issue: what was found when the server was tried
//! as an attacker would, each shown closed. (Sign-in throttling is in `session.rs`.)

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header};
use caretrail_server::{AppState, Listening, ServerConfig};
use common::TestApp;

/// Series of the request counter for methods outside HTTP's own (the registry is the
/// process's, shared with this file's other tests, which send only HTTP's methods).
fn odd_method_series(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            l.starts_with("caretrail_http_requests_total") && l.contains(r#"method="other""#)
        })
        .count()
}

/// Found: any HTTP method string became a metrics label (300 odd methods added 3,000 lines).
#[tokio::test]
async fn odd_methods_and_unmatched_routes_do_not_grow_the_metrics() {
    let app = TestApp::new();
    let odd = |i: usize| Method::from_bytes(format!("ODD{i}").as_bytes()).unwrap();
    // One of each first, so every series these requests can touch exists.
    app.call(odd(0), "/healthz", None, None).await;
    app.call(odd(0), "/no/such/route/0", None, None).await;
    let before = odd_method_series(&app.call(Method::GET, "/metrics", None, None).await.text());
    assert_eq!(before, 2, "one series for each route label and status");
    for i in 1..60 {
        let a = app.call(odd(i), "/healthz", None, None).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
        app.call(odd(i), &format!("/no/such/route/{i}"), None, None)
            .await;
    }
    let text = app.call(Method::GET, "/metrics", None, None).await.text();
    assert_eq!(odd_method_series(&text), before, "no new series");
    assert!(!text.contains("ODD1"), "no method string as a label");
    assert!(!text.contains("/no/such/route"), "no path as a label");
    assert!(text.contains(r#"method="other""#));
    assert!(text.contains(r#"route="unmatched""#));
}

/// Found: personal-data answers and the token answer had no `Cache-Control: no-store`, no
/// `X-Content-Type-Options`, no frame policy.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::new();
    let token = app.sign_in("sw").await;
    let p = app.people[0];
    let sign_in = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(r#"{"username":"sw","password":"correct horse battery staple"}"#),
        )
        .await;
    assert_eq!(sign_in.status, StatusCode::CREATED);
    let answers = [
        ("sign-in (a token)", sign_in),
        (
            "timeline",
            app.call(
                Method::GET,
                &format!("/api/v1/people/{p}/timeline"),
                Some(&token),
                None,
            )
            .await,
        ),
        (
            "record",
            app.call(
                Method::GET,
                &format!("/api/v1/people/{p}"),
                Some(&token),
                None,
            )
            .await,
        ),
        (
            "refusal",
            app.call(Method::GET, "/api/v1/flags", None, None).await,
        ),
        (
            "unmatched",
            app.call(Method::GET, "/nowhere", None, None).await,
        ),
        (
            "health",
            app.call(Method::GET, "/healthz", None, None).await,
        ),
    ];
    for (what, a) in answers {
        let h = &a.headers;
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(
            h["content-security-policy"], "frame-ancestors 'none'",
            "{what}"
        );
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "{what}");
        assert!(
            !h.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS over plain HTTP ({what})"
        );
    }
}

/// Found: 413 and unmatched-route 404 answers were not problem+json (nor were 405 and 415).
#[tokio::test]
async fn every_error_answer_is_problem_json() {
    let app = TestApp::with_config(ServerConfig {
        max_body_bytes: 2048,
        ..ServerConfig::default()
    });
    let big = format!(r#"{{"username":"sw","password":"{}"}}"#, "x".repeat(4096));
    let mut too_large = common::request(Method::POST, "/api/v1/session", None, Some(&big));
    too_large
        .headers_mut()
        .insert(header::CONTENT_LENGTH, big.len().into());
    let mut plain = common::request(Method::POST, "/api/v1/session", None, None);
    plain
        .headers_mut()
        .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    plain.headers_mut().insert(header::CONTENT_LENGTH, 2.into());
    *plain.body_mut() = axum::body::Body::from("hi");
    let cases = [
        (
            app.call(Method::GET, "/api/v1/nowhere", None, None).await,
            StatusCode::NOT_FOUND,
        ),
        (
            app.call(Method::PUT, "/healthz", None, None).await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (app.send(too_large).await, StatusCode::PAYLOAD_TOO_LARGE),
        (app.send(plain).await, StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ];
    for (a, status) in cases {
        assert_eq!(a.status, status);
        assert_eq!(a.content_type, "application/problem+json", "{status}");
        let p = a.json();
        assert_eq!(p["status"], status.as_u16(), "{p}");
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(a.headers.contains_key(header::ALLOW), "405 keeps Allow");
        }
    }
}

/// Serves `app` on a real socket of 127.0.0.1 with `config`, on a runtime of its own; returns
/// the address and a handle that stops the server when dropped.
struct Served {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(app: &TestApp, config: ServerConfig) -> Served {
    let state = AppState::new(app.record.clone(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            caretrail_server::serve::serve_on(
                listener,
                state,
                |l: Listening| tx.send(l.addr).unwrap(),
                async {
                    let _ = stopped.await;
                },
            )
            .await
            .unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Served {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// Reads until the server closes the connection (or `limit` passes); how long that took.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(start.elapsed());
            }
            Err(_) => return None,
        }
    }
}

/// Found: a connection that sends half its headers, or nothing, stayed open for over 90 s.
#[test]
fn half_sent_and_silent_connections_are_closed() {
    let app = TestApp::new();
    let served = serve(
        &app,
        ServerConfig {
            header_timeout_seconds: 1,
            idle_timeout_seconds: 3,
            ..ServerConfig::default()
        },
    );
    let mut half = TcpStream::connect(served.addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut silent = TcpStream::connect(served.addr).unwrap();
    for (what, stream) in [("half-sent", &mut half), ("silent", &mut silent)] {
        let took = closed_within(stream, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("the {what} connection was left open"));
        assert!(took < Duration::from_secs(3), "{what}: {took:?}");
    }
    // A whole request is answered, and the kept-alive connection is closed once idle.
    let mut whole = TcpStream::connect(served.addr).unwrap();
    whole
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0; 1024];
    whole
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let n = whole.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let idle = closed_within(&mut whole, Duration::from_secs(10)).expect("closed when idle");
    assert!(
        idle >= Duration::from_secs(2),
        "idle keep-alive outlives the header time-out: {idle:?}"
    );
}

/// The connection limit: beyond it, a connection waits (in the listen backlog) until another
/// closes, and is then served.
#[test]
fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let app = TestApp::new();
    let served = serve(
        &app,
        ServerConfig {
            max_connections: 1,
            header_timeout_seconds: 30,
            ..ServerConfig::default()
        },
    );
    let first = TcpStream::connect(served.addr).unwrap();
    let mut second = TcpStream::connect(served.addr).unwrap();
    second
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0; 1024];
    assert!(
        second.read(&mut buf).is_err(),
        "the second connection is not served while the first holds the only slot"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let n = second.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "served once a slot is free"
    );
}
