//! Four `caretrail serve` processes on one PostgreSQL schema take concurrent writes; one is
//! killed with SIGKILL while writes are in flight. Afterwards every acknowledged write is in the
//! record at the leaf its receipt named, the log verifies, and every checkpoint handed out in a
//! receipt is consistent with the final one (RFC 9162 §2.1.4.2) and includes its leaf
//! (§2.1.3.2). Needs `CARETRAIL_TEST_POSTGRES_URL`; skips visibly without it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use caretrail_ledger::{
    NoteVerifier, consistency_proof, inclusion_proof, leaf_hash, verify_consistency,
    verify_inclusion,
};
use caretrail_store::{Store, StoreNodes};
use caretrail_store_postgres::PostgresStore;
use common::{TestSchema, accounts, bin, ok, test_url, verified};

/// How long the clients write, and when (from the start) one server is killed.
const WRITING: Duration = Duration::from_secs(4);
const KILL_AT: Duration = Duration::from_millis(1500);
const SERVERS: usize = 4;
const CLIENTS: usize = 8;

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): the status and the body.
/// An error means no answer arrived (refused, reset, or cut off mid-answer).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete answer");
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(cut)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(cut)?;
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body).ok_or_else(cut)?
    } else {
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(cut)?;
        if body.len() != len {
            return Err(cut());
        }
        body.to_owned()
    };
    Ok((status, body))
}

/// Decodes a chunked body; `None` if it is cut off.
fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size + 2..)?;
    }
}

/// A `caretrail serve` process and the address it listens on.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(data: &std::path::Path, database: &str) -> Server {
        let mut child = Command::new(bin())
            .arg("--data")
            .arg(data)
            .args(["--database", database, "serve", "--listen", "127.0.0.1:0"])
            .env("CARETRAIL_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start caretrail serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
        let mut url = None;
        while let Some(Ok(line)) = lines.next() {
            if line.starts_with("caretrail is serving at:") {
                url = lines.next().and_then(Result::ok);
                break;
            }
        }
        let url = url.expect("serve printed where it listens");
        let addr = url
            .trim()
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("not an http URL: {url}"));
        // Keep draining standard output so the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An acknowledged write: who took it and what the receipt said.
#[derive(Debug, Clone)]
struct Ack {
    server: usize,
    person: String,
    entry_id: String,
    leaf_index: u64,
    checkpoint: String,
}

#[derive(Debug, Default)]
struct Tally {
    acks: Vec<Ack>,
    /// Requests that got no answer, per server.
    unanswered: BTreeMap<usize, u64>,
    /// Requests to the killed server sent before the kill that got no answer: cut off.
    cut_off: u64,
    /// Answers other than 201 (must stay empty).
    refused: Vec<(u16, String)>,
}

#[test]
fn four_servers_on_one_schema_keep_every_acknowledged_write_when_one_is_killed() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(
        &data,
        Some(&db),
        &["seed", "--people", "5", "--seed", "5"],
        None,
    );
    let (seeded, _) = verified(&ok(&data, Some(&db), &["verify"], None));

    let mut servers: Vec<Server> = (0..SERVERS).map(|_| Server::start(&data, &db)).collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();

    // Social workers write case notes on their caseloads; one session each works on every
    // server, since sessions live in the shared database.
    let writers: Vec<(String, Vec<String>)> = accounts(&data)
        .iter()
        .filter(|a| a["role"] == "social-worker")
        .filter(|a| !a["people"].as_array().unwrap().is_empty())
        .map(|a| {
            let body = serde_json::json!({"username": a["username"], "password": a["password"]});
            let (status, answer) =
                http(addrs[0], "POST", "/api/v1/session", None, &body.to_string()).unwrap();
            assert_eq!(status, 201, "sign-in: {answer}");
            let token: serde_json::Value = serde_json::from_str(&answer).unwrap();
            let people = a["people"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            (token["token"].as_str().unwrap().to_owned(), people)
        })
        .collect();
    assert!(!writers.is_empty(), "no social worker with a caseload");

    let tally = Arc::new(Mutex::new(Tally::default()));
    let doomed = SERVERS - 1;
    // Requests to the doomed server now waiting for an answer, and whether it is dead yet.
    let in_flight = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (token, people) = writers[c % writers.len()].clone();
            let (tally, addrs) = (tally.clone(), addrs.clone());
            let (in_flight, killed) = (in_flight.clone(), killed.clone());
            std::thread::spawn(move || {
                let mut k = 0usize;
                while start.elapsed() < WRITING {
                    // Spread over every server, the doomed one included.
                    let server = (c + k) % SERVERS;
                    let person = &people[k % people.len()];
                    let body = serde_json::json!({
                        "kind": "case-note",
                        "data": {"text": format!("Cluster note {c}-{k}.")}
                    });
                    let path = format!("/api/v1/people/{person}/entries");
                    let before_kill = !killed.load(Ordering::SeqCst);
                    if server == doomed {
                        in_flight.fetch_add(1, Ordering::SeqCst);
                    }
                    let answer = http(
                        addrs[server],
                        "POST",
                        &path,
                        Some(&token),
                        &body.to_string(),
                    );
                    if server == doomed {
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        if answer.is_err() && before_kill {
                            tally.lock().unwrap().cut_off += 1;
                        }
                    }
                    let mut t = tally.lock().unwrap();
                    match answer {
                        Ok((201, receipt)) => {
                            let r: serde_json::Value = serde_json::from_str(&receipt).unwrap();
                            t.acks.push(Ack {
                                server,
                                person: person.clone(),
                                entry_id: r["entry_id"].as_str().unwrap().to_owned(),
                                leaf_index: r["leaf_index"].as_u64().unwrap(),
                                checkpoint: r["checkpoint"].as_str().unwrap().to_owned(),
                            });
                        }
                        Ok(other) => t.refused.push(other),
                        Err(_) => *t.unanswered.entry(server).or_default() += 1,
                    }
                    drop(t);
                    k += 1;
                }
            })
        })
        .collect();

    // SIGKILL the last server mid-run, at a moment a write to it is in flight; the clients
    // keep sending it writes afterwards.
    std::thread::sleep(KILL_AT);
    while in_flight.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < WRITING,
            "no write to the doomed server was in flight"
        );
        std::thread::yield_now();
    }
    let before_kill = tally.lock().unwrap().acks.len();
    // Set first: a request that saw `false` was sent before the signal.
    killed.store(true, Ordering::SeqCst);
    servers[doomed].child.kill().unwrap(); // SIGKILL on Unix
    servers[doomed].child.wait().unwrap();
    for c in clients {
        c.join().unwrap();
    }
    let after_kill = tally.lock().unwrap().acks.len();
    // The survivors are stopped too (everything acknowledged is already committed).
    drop(servers);

    let tally = Arc::try_unwrap(tally).unwrap().into_inner().unwrap();
    assert!(
        tally.refused.is_empty(),
        "writes refused: {:?}",
        tally.refused
    );
    assert!(
        tally.acks.iter().any(|a| a.server == doomed),
        "the killed server acknowledged writes before it died"
    );
    assert!(
        tally.unanswered.get(&doomed).copied().unwrap_or(0) > 0,
        "writes were still being sent to the killed server: {:?}",
        tally.unanswered
    );
    assert!(
        tally.cut_off > 0,
        "the kill cut off a write in flight (sent before it, never answered)"
    );
    assert!(
        tally.unanswered.keys().all(|s| *s == doomed),
        "only the killed server left writes unanswered: {:?}",
        tally.unanswered
    );
    assert!(after_kill > before_kill, "the survivors kept writing");
    let servers_used: BTreeSet<usize> = tally.acks.iter().map(|a| a.server).collect();
    assert_eq!(servers_used.len(), SERVERS, "every server took writes");

    // The log verifies, with every acknowledged write in it.
    let (size, _) = verified(&ok(&data, Some(&db), &["verify"], None));
    assert!(size >= seeded + tally.acks.len() as u64);
    let leaf_indexes: BTreeSet<u64> = tally.acks.iter().map(|a| a.leaf_index).collect();
    assert_eq!(
        leaf_indexes.len(),
        tally.acks.len(),
        "no leaf acknowledged twice"
    );

    // Every acknowledged entry is on its person's timeline, at the leaf its receipt named.
    let people: BTreeSet<&str> = tally.acks.iter().map(|a| a.person.as_str()).collect();
    let mut stored: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for person in &people {
        let timeline: Vec<serde_json::Value> = serde_json::from_str(&ok(
            &data,
            Some(&db),
            &["timeline", "--person", person, "--json"],
            None,
        ))
        .unwrap();
        for e in timeline {
            stored.insert(
                e["id"].as_str().unwrap().to_owned(),
                (
                    e["leaf_index"].as_u64().unwrap(),
                    e["data"]["text"].as_str().unwrap_or_default().to_owned(),
                ),
            );
        }
    }
    for a in &tally.acks {
        let (leaf, text) = stored
            .get(&a.entry_id)
            .unwrap_or_else(|| panic!("acknowledged entry {} is missing", a.entry_id));
        assert_eq!(*leaf, a.leaf_index, "entry {}", a.entry_id);
        assert!(text.starts_with("Cluster note "), "entry {}", a.entry_id);
    }

    // The operator's timeline reads above were audited: the log grew by one leaf each, and
    // still verifies.
    let (size, root_hex) = {
        let (grown, root) = verified(&ok(&data, Some(&db), &["verify"], None));
        assert_eq!(grown, size + people.len() as u64);
        (grown, root)
    };

    // Every checkpoint handed out is signed by the log, covers its leaf, and is consistent
    // with the final checkpoint.
    let verifier = NoteVerifier::parse(ok(&data, Some(&db), &["ledger", "key"], None).trim())
        .expect("verifier key");
    let last = verifier
        .verify(&ok(&data, Some(&db), &["ledger", "checkpoint"], None))
        .expect("the final checkpoint verifies")
        .into_checkpoint();
    assert_eq!(last.size, size);
    let hex: String = last.root.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, root_hex);
    let store = PostgresStore::open_in_schema(&schema.url, &schema.name).unwrap();
    let nodes = StoreNodes(&store);
    let mut checked_sizes = BTreeSet::new();
    for a in &tally.acks {
        let cp = verifier
            .verify(&a.checkpoint)
            .unwrap_or_else(|e| panic!("receipt checkpoint of {}: {e}", a.entry_id))
            .into_checkpoint();
        assert!(a.leaf_index < cp.size, "the checkpoint covers its leaf");
        let leaf = store.leaf(a.leaf_index).unwrap().expect("leaf stored");
        let path = inclusion_proof(&nodes, a.leaf_index, cp.size).unwrap();
        verify_inclusion(&leaf_hash(&leaf), a.leaf_index, cp.size, &path, &cp.root)
            .unwrap_or_else(|e| panic!("leaf {} not in its checkpoint: {e}", a.leaf_index));
        if checked_sizes.insert(cp.size) {
            let path = consistency_proof(&nodes, cp.size, last.size).unwrap();
            verify_consistency(cp.size, last.size, &cp.root, &last.root, &path).unwrap_or_else(
                |e| {
                    panic!(
                        "checkpoint {} inconsistent with the final one: {e}",
                        cp.size
                    )
                },
            );
        }
    }
    eprintln!(
        "cluster: {} acknowledged writes over {SERVERS} servers ({} by the killed one, {} \
         unanswered, {} of them cut off by the kill), {} distinct checkpoints, final size {size}",
        tally.acks.len(),
        tally.acks.iter().filter(|a| a.server == doomed).count(),
        tally.unanswered.values().sum::<u64>(),
        tally.cut_off,
        checked_sizes.len()
    );
}
