//! HTTPS (issue "server", scope 1): with a certificate and key configured, the server speaks TLS
//! through rustls, answers a client that trusts the certificate, and does not answer plain HTTP.

mod common;

use std::sync::Arc;

use caretrail_server::{AppState, Listening, ServerConfig};
use common::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

struct Served {
    at: Listening,
    cert_der: Vec<u8>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn serve_tls(app: &TestApp) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls_cert: Some(cert),
        tls_key: Some(key),
        ..ServerConfig::default()
    };
    let state = AppState::new(app.record.clone(), config);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(caretrail_server::serve(state, move |at| {
        let _ = tx.send(at);
    }));
    let at = rx.await.expect("the server listens");
    Served {
        at,
        cert_der: ck.cert.der().to_vec(),
        task,
        _dir: dir,
    }
}

async fn https_get(served: &Served, path: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(
            served.cert_der.clone(),
        ))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(served.at.addr)
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn with_a_certificate_the_server_speaks_https_only() {
    let app = TestApp::new();
    let served = serve_tls(&app).await;
    assert!(served.at.tls);
    assert!(served.at.to_string().starts_with("https://127.0.0.1:"));

    let answer = https_get(&served, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok\n"), "{answer}");
    let answer = https_get(&served, "/api/v1/ledger/key").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("caretrail"), "{answer}");
    // Under TLS, browsers are told to use nothing else for a year, on every answer.
    for path in ["/healthz", "/no/such/route"] {
        let answer = https_get(&served, path).await.to_ascii_lowercase();
        assert!(
            answer.contains("\r\nstrict-transport-security: max-age=31536000\r\n"),
            "{path}: {answer}"
        );
    }

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut tcp = tokio::net::TcpStream::connect(served.at.addr)
        .await
        .unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read_to_end(&mut out)).await;
    assert!(
        !String::from_utf8_lossy(&out).contains("200 OK"),
        "plain HTTP was answered"
    );
    served.task.abort();
}

#[tokio::test]
async fn an_unreadable_key_stops_the_server_before_it_listens_naming_the_file() {
    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls_cert: Some(cert),
        tls_key: Some(key.clone()),
        ..ServerConfig::default()
    };
    let mut listened = false;
    let err = caretrail_server::serve(AppState::new(app.record.clone(), config), |_| {
        listened = true;
    })
    .await
    .unwrap_err();
    assert!(!listened);
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let text = err.to_string();
    assert!(text.contains("key.pem"), "{text}");
    assert!(!text.contains("bm90IGEga2V5"), "{text}");
}
