//! `caretrail`: the command line. A thin client over the same record service the server uses.
//!
//! Exit codes: 0 success; 2 bad input (problem JSON on stderr naming the field); 1 any other
//! failure (problem JSON on stderr). Output shapes follow DESIGN §4.
#![forbid(unsafe_code)]

mod args;
mod bench;
mod datadir;
mod migrate;
mod score;
mod seed;

use std::io::Read as _;
use std::process::ExitCode;

use caretrail_core::{EntryData, EntryId, EntryKind, InputError, PersonId, User};
use caretrail_record::gate::{EntryInput, TimelineFilter};
use caretrail_record::{Record, RecordError};
use clap::Parser;
use jiff::Timestamp;

use crate::args::{Cli, Command, EntryCommand, LedgerCommand, ProofCommand};
use crate::datadir::DataDir;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let problem = e.to_problem();
            eprintln!(
                "{}",
                serde_json::to_string_pretty(&problem).expect("problem serialises")
            );
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string(value).expect("output serialises")
    );
}

/// The JSON document a command reads: the `--input` file, or standard input without one.
fn read_json_input(input: Option<&std::path::Path>) -> Result<serde_json::Value, InputError> {
    let text = match input {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|_| InputError::field("/input", "cannot read the input file"))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|_| InputError::syntax("standard input is not UTF-8 text"))?;
            s
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        InputError::syntax(format!(
            "the input is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

fn parse_person(text: &str) -> Result<PersonId, RecordError> {
    text.parse()
        .map_err(|_| InputError::field("/person", "not a valid person id").into())
}

fn find_user(record: &Record, username: Option<&str>) -> Result<User, RecordError> {
    let wanted = username.unwrap_or(seed::SYSTEM_USERNAME);
    record
        .accounts()
        .all()?
        .into_iter()
        .find(|u| u.username == wanted)
        .ok_or_else(|| match username {
            Some(_) => {
                RecordError::Input(InputError::field("/author", "no user with that username"))
            }
            None => RecordError::Conflict(
                "the data directory has no system account; run `caretrail seed` first".into(),
            ),
        })
}

/// The gate as the operator: whoever runs the command line on the server.
fn operator_gate(record: &Record) -> Result<caretrail_record::Gate<'_>, RecordError> {
    let operator = record.operator_account()?;
    Ok(record.gate(caretrail_access::Principal::from_user(
        &operator,
        caretrail_core::Purpose::Care,
    )))
}

fn run(cli: Cli) -> Result<ExitCode, RecordError> {
    let dir = DataDir::new(&cli.data, cli.database.as_deref())?;
    run_command(&dir, cli.command, cli.database.as_deref())
}

fn run_command(
    dir: &DataDir,
    command: Command,
    database: Option<&str>,
) -> Result<ExitCode, RecordError> {
    let dir = dir.clone();
    match command {
        Command::Init => {
            let record = dir.init()?;
            println!(
                "initialised {} (log {})",
                dir.root.display(),
                record.origin()
            );
        }
        Command::Seed(a) => {
            let s = seed::seed(
                &dir,
                a.people,
                a.seed,
                std::io::IsTerminal::is_terminal(&std::io::stderr()),
            )?;
            println!(
                "seeded {} people, {} organisations, {} accounts and {} entries; the log has {} leaves",
                s.people, s.organisations, s.users, s.entries, s.tree_size
            );
            println!("demo accounts: {}", dir.accounts_path().display());
        }
        Command::Demo(a) => return demo(&dir, &a),
        Command::Serve(a) => {
            let record = dir.open()?;
            serve(record, &a)?;
        }
        Command::Verify { checkpoint } => {
            let record = dir.open()?;
            let external = match checkpoint {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|_| {
                    InputError::field("/checkpoint", "cannot read the checkpoint file")
                })?),
                None => None,
            };
            let report = record.verify(external.as_deref())?;
            if report.ok() {
                println!(
                    "verified {} leaves, root {}",
                    report.leaves,
                    hex(&report.root)
                );
            } else {
                for p in &report.problems {
                    println!("problem: {p}");
                }
                match report.first_bad_leaf {
                    Some(i) => println!("first bad leaf: {i}"),
                    None => println!("verification failed"),
                }
                return Ok(ExitCode::from(1));
            }
        }
        Command::Ledger(cmd) => {
            let record = dir.open()?;
            ledger(&record, cmd)?;
        }
        Command::Entry(EntryCommand::Add {
            person,
            kind,
            input,
            author,
            effective_at,
            amends,
        }) => {
            let person = parse_person(&person)?;
            let kind: EntryKind = kind
                .parse()
                .map_err(|m: String| InputError::field("/kind", m))?;
            if kind == EntryKind::Erasure {
                return Err(InputError::field(
                    "/kind",
                    "erasure entries are written only by `caretrail erase`",
                )
                .into());
            }
            let value = read_json_input(input.as_deref())?;
            let data = EntryData::parse(kind, &value)?;
            let now = Timestamp::now();
            let effective_at = match effective_at {
                Some(t) => t
                    .parse()
                    .map_err(|_| InputError::field("/effective_at", "must be an RFC 3339 time"))?,
                None => now,
            };
            let amends = amends
                .map(|a| a.parse::<EntryId>())
                .transpose()
                .map_err(|_| InputError::field("/amends", "not a valid entry id"))?;
            let record = dir.open()?;
            let author = find_user(&record, author.as_deref())?;
            // The operator writes through the gate like any client: the attempt is audited
            // (naming the operator), and the entry raises flags as an HTTP write does.
            let receipt = operator_gate(&record)?.write(
                person,
                &author,
                Ok(EntryInput {
                    data,
                    effective_at: Some(effective_at),
                    amends,
                }),
            )?;
            print_json(&receipt.entry);
        }
        Command::Timeline { person, json } => {
            let person = parse_person(&person)?;
            let record = dir.open()?;
            let entries = operator_gate(&record)?
                .read_record(person)?
                .timeline(&TimelineFilter::default())?;
            if json {
                print_json(&entries);
            } else {
                let orgs: std::collections::HashMap<_, _> = record
                    .organisations()?
                    .into_iter()
                    .map(|o| (o.id, o.name))
                    .collect();
                for e in &entries {
                    let summary = match (&e.data, e.erased) {
                        (_, true) => "(erased)".to_owned(),
                        (Some(d), _) => summarise(e, d),
                        (None, _) => String::new(),
                    };
                    println!(
                        "{}  {:<15} {:<28} {}",
                        e.effective_at.strftime("%Y-%m-%d %H:%M"),
                        e.kind,
                        orgs.get(&e.organisation).map_or("", String::as_str),
                        summary
                    );
                }
                println!("{} entries", entries.len());
            }
        }
        Command::Score(a) => print_json(&score::run(&a)?),
        Command::Bench(a) => bench::run(&a, database)?,
        Command::BenchWriter(a) => bench::writer(&dir, &a)?,
        Command::Migrate(a) => {
            let m = migrate::migrate(&migrate::MigratePlan {
                from: a.from,
                to: a.to,
                batch: a.batch,
                stop_after: a.stop_after,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            })?;
            println!(
                "{} {} leaves into PostgreSQL{}",
                if m.resumed {
                    "resumed: copied"
                } else {
                    "copied"
                },
                m.copied,
                m.schema
                    .as_deref()
                    .map_or_else(String::new, |s| format!(" (schema {s})"))
            );
            for (engine, r) in [("sqlite", &m.sqlite), ("postgresql", &m.postgres)] {
                println!(
                    "{engine}: {} {} leaves, root {}",
                    if r.ok() { "verified" } else { "FAILED" },
                    r.leaves,
                    hex(&r.root)
                );
            }
            let same = m.sqlite.ok()
                && m.postgres.ok()
                && m.sqlite.leaves == m.postgres.leaves
                && m.sqlite.root == m.postgres.root;
            if !same {
                for p in m.sqlite.problems.iter().chain(&m.postgres.problems) {
                    println!("problem: {p}");
                }
                println!("the logs differ: run migrate again once the source is stopped");
                return Ok(ExitCode::from(1));
            }
            println!("roots match");
        }
        Command::Erase { person, reason, by } => {
            let person = parse_person(&person)?;
            let record = dir.open()?;
            let officer = find_user(&record, by.as_deref())?;
            let receipt = operator_gate(&record)?.erase(person, &officer, Ok(reason))?;
            print_json(&receipt);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of a timeline: the coded concept (conditions, medicines), then the first text field
/// of the data, else its scalar fields.
fn summarise(entry: &caretrail_core::Entry, data: &serde_json::Value) -> String {
    let concept = match entry.kind {
        EntryKind::Condition | EntryKind::Medication => {
            entry.codes.first().map(|c| c.display.clone())
        }
        _ => None,
    };
    let text = ["text", "summary", "description", "note", "dose", "reason"]
        .iter()
        .find_map(|k| data.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            data.as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| !v.is_object() && !v.is_array())
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        });
    let text = match concept {
        Some(c) => format!("{c}: {text}"),
        None => text,
    };
    let mut line: String = text.chars().take(100).collect();
    if text.chars().count() > 100 {
        line.push('…');
    }
    line.replace('\n', " ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ledger(record: &Record, cmd: LedgerCommand) -> Result<(), RecordError> {
    match cmd {
        LedgerCommand::Checkpoint => print!("{}", record.checkpoint()?),
        LedgerCommand::Key => println!("{}", record.verifier_key()),
        LedgerCommand::Leaf { index, json } => {
            let leaf = record.unaudited().leaf(index)?;
            if json {
                print_json(&leaf);
            } else {
                println!(
                    "index {}\nleaf {}\nleaf_hash {}",
                    leaf.index, leaf.leaf, leaf.leaf_hash
                );
            }
        }
        LedgerCommand::Proof(ProofCommand::Inclusion { index, size, json }) => {
            let p = record.inclusion_proof(index, size)?;
            if json {
                print_json(&p);
            } else {
                println!(
                    "leaf {} in tree of size {}\nleaf_hash {}\nroot_hash {}",
                    p.index, p.tree_size, p.leaf_hash, p.root_hash
                );
                for h in &p.path {
                    println!("path {h}");
                }
            }
        }
        LedgerCommand::Proof(ProofCommand::Consistency { from, to, json }) => {
            let p = record.consistency_proof(from, to)?;
            if json {
                print_json(&p);
            } else {
                println!(
                    "tree {} -> {}\nfirst_root {}\nsecond_root {}",
                    p.first, p.second, p.first_root, p.second_root
                );
                for h in &p.path {
                    println!("path {h}");
                }
            }
        }
    }
    Ok(())
}

/// Runs the HTTP server until SIGINT or SIGTERM.
fn serve(record: Record, args: &crate::args::ServeArgs) -> Result<(), RecordError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CARETRAIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .json()
        .with_writer(std::io::stderr)
        .try_init();
    let mut config =
        caretrail_server::ServerConfig::load(args.config.as_deref(), |k| std::env::var(k).ok())
            .map_err(|e| InputError::field("/config", e.to_string()))?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(cert) = &args.tls_cert {
        config.tls_cert = Some(cert.clone());
    }
    if let Some(key) = &args.tls_key {
        config.tls_key = Some(key.clone());
    }
    if config.tls_cert.is_some() != config.tls_key.is_some() {
        return Err(InputError::field("/tls_key", "--tls-cert and --tls-key go together").into());
    }
    let state = caretrail_server::AppState::new(std::sync::Arc::new(record), config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RecordError::Conflict(format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(caretrail_server::serve(state, |at| {
            println!("caretrail is serving at:");
            println!("{at}");
        }))
        .map_err(|e| RecordError::Conflict(format!("cannot serve: {e}")))
}

fn demo(dir: &DataDir, args: &crate::args::DemoArgs) -> Result<ExitCode, RecordError> {
    let (people, seed_value) = (args.people, args.seed);
    let seeded = dir.is_initialised()? && !dir.open()?.unaudited().store().people()?.is_empty();
    if !seeded {
        println!(
            "Seeding {} synthetic people into {} ...",
            people,
            dir.root.display()
        );
        let s = seed::seed(
            dir,
            people,
            seed_value,
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )?;
        println!("Seeded {} people and {} entries.", s.people, s.entries);
    }
    let record = dir.open()?;
    let report = record.verify(None)?;
    println!();
    println!("caretrail demo: data directory {}", dir.root.display());
    println!(
        "  log {}: {} leaves, verified, root {}",
        record.origin(),
        report.leaves,
        hex(&report.root)
    );
    println!(
        "  people {}, organisations {}",
        record.unaudited().store().people()?.len(),
        record.organisations()?.len()
    );
    println!(
        "  sign-in accounts (one per role, passwords random to this directory): {}",
        dir.accounts_path().display()
    );
    println!();
    if !report.ok() {
        return Ok(ExitCode::from(1));
    }
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Sign in with POST /api/v1/session using an account from the file above; Ctrl-C stops."
    );
    serve(record, &args.serve)?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
