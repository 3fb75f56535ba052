//! Command-line arguments (clap derive). Every subcommand has `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "caretrail",
    version,
    about = "A shared, tamper-evident care record with explainable decision support",
    long_about = None
)]
pub struct Cli {
    /// Data directory: key files and, by default, the SQLite database.
    #[arg(
        long,
        global = true,
        env = "CARETRAIL_DATA",
        default_value = "./caretrail-data"
    )]
    pub data: PathBuf,

    /// Record store: the embedded SQLite database in the data directory by default,
    /// `sqlite:PATH`, or a PostgreSQL URL
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`. With `schema=NAME` the
    /// tables live in that schema (created if missing), so several deployments can share one
    /// database. The key files stay in `--data DIR/keys` whatever the store, so give both flags.
    #[arg(long, global = true, env = "CARETRAIL_DATABASE", value_name = "URL")]
    pub database: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new data directory: key files (mode 0600) and an empty log.
    Init,
    /// Fill the data directory with a deterministic synthetic population (runs init if needed).
    Seed(SeedArgs),
    /// Start on an embedded database seeded with a synthetic population and say where to sign in.
    Demo(DemoArgs),
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Recompute every leaf, hash, root and checkpoint from stored data; report the first bad leaf.
    Verify {
        /// A signed checkpoint kept outside the database; the log must still contain it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Read the Merkle log: checkpoints, the verifier key, leaves and proofs.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Write entries into a person's record.
    #[command(subcommand)]
    Entry(EntryCommand),
    /// Print a person's entries in effective-time order, decrypted.
    Timeline {
        #[arg(long)]
        person: String,
        /// Print a JSON array of entries.
        #[arg(long)]
        json: bool,
    },
    /// Crypto-shred a person: destroy their keys and ciphertexts, keep the log verifiable.
    Erase {
        #[arg(long)]
        person: String,
        /// The legal ground, e.g. "GDPR Art. 17 request". Do not write personal data here.
        #[arg(long)]
        reason: String,
        /// Username of the officer erasing (default: the system account).
        #[arg(long)]
        by: Option<String>,
    },
    /// Score one decision-support instrument: reads one JSON object (standard input or
    /// --input) and prints one JSON object. Needs no data directory.
    Score(crate::score::ScoreArgs),
    /// Measure throughput and latency as ratios against baselines run in the same process.
    Bench(crate::bench::BenchArgs),
    /// One server process of `bench --database postgres://...` (started by it, not by hand).
    #[command(hide = true)]
    BenchWriter(crate::bench::WriterArgs),
    /// Copy a SQLite deployment into PostgreSQL (same leaves, tree, checkpoints and root);
    /// run it again to resume after an interruption. Stop the source's server first.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The data directory to copy: its key files and its SQLite database. Afterwards use it
    /// as `--data DATA_DIR --database URL`: the keys stay there.
    #[arg(long, value_name = "DATA_DIR")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into: `postgres://...[?schema=NAME]`, empty, or
    /// holding an interrupted copy of the same log.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Leaves copied per transaction.
    #[arg(long, default_value_t = 2000, hide = true)]
    pub batch: usize,
    /// For tests: stop, as if interrupted, once the target holds at least N leaves.
    #[arg(long, value_name = "N", hide = true)]
    pub stop_after: Option<u64>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Number of people to generate (at least 1).
    #[arg(long, default_value_t = 100)]
    pub people: u32,
    /// Seed of the generator: the same seed gives the same content.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 60)]
    pub people: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Seed and verify, print the summary, and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080, or the configuration file's `listen`).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// A TOML configuration file; environment variables CARETRAIL_* override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Print the latest signed checkpoint (a C2SP signed note).
    Checkpoint,
    /// Print the log's verifier key (C2SP note verifier key format).
    Key,
    /// Print one leaf and its hash.
    Leaf {
        #[arg(long)]
        index: u64,
        #[arg(long)]
        json: bool,
    },
    /// Print a proof.
    #[command(subcommand)]
    Proof(ProofCommand),
}

#[derive(Debug, Subcommand)]
pub enum ProofCommand {
    /// Inclusion proof of a leaf in the tree of a given size (default: latest checkpoint).
    Inclusion {
        #[arg(long)]
        index: u64,
        #[arg(long)]
        size: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Consistency proof between two tree sizes.
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EntryCommand {
    /// Add an entry: reads its `data` as one JSON object from --input or standard input and
    /// prints the receipt.
    Add {
        #[arg(long)]
        person: String,
        /// assessment, care-plan, visit, observation, condition, medication, incident,
        /// case-note, questionnaire, consent, claim, flag or acknowledgement.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        input: Option<PathBuf>,
        /// Username of the author (default: the system account).
        #[arg(long)]
        author: Option<String>,
        /// When the recorded fact happened (RFC 3339), default now.
        #[arg(long)]
        effective_at: Option<String>,
        /// The id of the entry this one corrects.
        #[arg(long)]
        amends: Option<String>,
    },
}
