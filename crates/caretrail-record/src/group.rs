//! Group commit: concurrent writers share one transaction and one fsync.
//!
//! Callers hand a batch of [`Write`]s to one writer thread and wait. The thread takes the first
//! waiting batch, drains whatever else is already queued (up to [`MAX_GROUP_WRITES`]), appends it
//! all in one durable transaction, and answers every caller with its own leaf indexes and the
//! signed checkpoint that covers them.
//!
//! Failure rules (DESIGN §2): if the commit fails with an I/O error the process aborts: it never
//! acknowledges, never retries-and-acknowledges, and recovery re-reads the log on restart. If the
//! group fails for another reason (one caller's batch broke a rule), each batch is retried on its
//! own so one bad batch does not fail its neighbours.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use caretrail_ledger::{Checkpoint, Hash, LogSigner};
use caretrail_store::{Appended, CheckpointSigner, Store, StoreError, Write};

/// Upper bound on writes merged into one transaction.
pub const MAX_GROUP_WRITES: usize = 4096;

struct Job {
    writes: Vec<Write>,
    reply: mpsc::SyncSender<Result<Appended, StoreError>>,
}

/// Signs checkpoints with the log's key and origin.
#[derive(Debug)]
pub struct NoteSigner {
    pub origin: String,
    pub signer: LogSigner,
}

impl CheckpointSigner for NoteSigner {
    fn sign(&self, size: u64, root: &Hash) -> String {
        self.signer.sign(&Checkpoint {
            origin: self.origin.clone(),
            size,
            root: *root,
        })
    }
    fn signed(&self, note: &str) -> Option<(u64, Hash)> {
        let verified = self.signer.verifier().verify(note).ok()?;
        let cp = verified.checkpoint();
        (cp.origin == self.origin).then_some((cp.size, cp.root))
    }
}

/// The handle callers write through (shared by reference). Dropping it stops the writer
/// thread and waits for it, so the thread's hold on the store ends with its owner and the
/// store's connections close cleanly (SQLite then folds its journal into the main file).
#[derive(Debug)]
pub struct GroupCommit {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        // Closing the channel ends the writer loop after the jobs already queued.
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({} writes)", self.writes.len())
    }
}

impl GroupCommit {
    pub fn start(store: Arc<dyn Store>, signer: Arc<NoteSigner>) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = thread::Builder::new()
            .name("caretrail-writer".into())
            .spawn(move || writer_loop(&*store, &signer, rx))
            .expect("the writer thread can be spawned at start-up");
        GroupCommit {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Appends `writes` durably; returns only after the commit.
    pub fn submit(&self, writes: Vec<Write>) -> Result<Appended, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.tx
            .as_ref()
            .ok_or_else(|| StoreError::Backend("the writer has stopped".into()))?
            .send(Job { writes, reply })
            .map_err(|_| StoreError::Backend("the writer has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError::Backend("the writer has stopped".into()))?
    }
}

fn leaf_count(writes: &[Write]) -> usize {
    writes.iter().filter(|w| w.appends_leaf()).count()
}

fn fatal(err: &StoreError) -> ! {
    // Never acknowledge after a failed durable commit. Restart re-reads the log.
    eprintln!(
        "caretrail: fatal storage failure during commit ({err}); stopping without acknowledging"
    );
    std::process::abort();
}

fn writer_loop(store: &dyn Store, signer: &NoteSigner, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut total = jobs[0].writes.len();
        while total < MAX_GROUP_WRITES {
            match rx.try_recv() {
                Ok(job) => {
                    total += job.writes.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        if jobs.len() == 1 {
            let job = jobs.pop().expect("one job");
            let result = store.append(&job.writes, signer);
            if let Err(e @ StoreError::Io(_)) = &result {
                fatal(e);
            }
            let _ = job.reply.send(result);
            continue;
        }
        let all: Vec<Write> = jobs.iter().flat_map(|j| j.writes.iter().cloned()).collect();
        match store.append(&all, signer) {
            Ok(appended) => {
                let mut offset = 0;
                for job in jobs {
                    let n = leaf_count(&job.writes);
                    let mine = Appended {
                        leaf_indexes: appended.leaf_indexes[offset..offset + n].to_vec(),
                        ..appended.clone()
                    };
                    offset += n;
                    let _ = job.reply.send(Ok(mine));
                }
            }
            Err(e @ StoreError::Io(_)) => fatal(&e),
            Err(_) => {
                for job in jobs {
                    let result = store.append(&job.writes, signer);
                    if let Err(e @ StoreError::Io(_)) = &result {
                        fatal(e);
                    }
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}
