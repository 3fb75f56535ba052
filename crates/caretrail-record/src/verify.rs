//! Full offline verification of a data directory (DESIGN §4, `caretrail verify`).
//!
//! Trusts nothing stored: every leaf is recomputed from its entry row and the keys (so a changed
//! ciphertext, metadata or leaf is caught), every leaf hash and every stored subtree hash is
//! recomputed, every stored checkpoint's signature is checked and its root compared with the
//! recomputed tree at its size (which makes all checkpoints mutually consistent), and an
//! optional checkpoint kept outside the database must be covered too (a restored older copy is a
//! rollback). The verdict names the lowest bad leaf index: for a changed leaf, the leaf; for a
//! changed subtree hash, its first leaf; for a truncated log, the first missing leaf.

use std::collections::HashMap;

use caretrail_core::PersonId;
use caretrail_ledger::{CompactRange, Hash, NodeId, leaf_hash, node_hash};
use caretrail_store::fact::{self, FactKey, FactKind, FactLeaf};
use caretrail_store::{AuditRow, EntryRow, leaf};

use crate::error::RecordError;
use crate::service::Record;

const PAGE: usize = 8192;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Leaves stored.
    pub leaves: u64,
    /// Root of the recomputed tree over the stored leaves.
    pub root: Hash,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// The lowest index whose leaf, leaf hash or subtree hash does not match, or the first
    /// missing leaf of a truncated log.
    pub first_bad_leaf: Option<u64>,
    /// What was found wrong, in plain words (no personal data).
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.first_bad_leaf.is_none() && self.problems.is_empty()
    }
}

#[derive(Default)]
struct Findings {
    first_bad: Option<u64>,
    problems: Vec<String>,
}

impl Findings {
    fn bad(&mut self, index: u64, why: impl FnOnce() -> String) {
        if self.first_bad.is_none_or(|b| index < b) {
            self.first_bad = Some(index);
        }
        if self.problems.len() < 20 {
            self.problems.push(why());
        }
    }

    fn problem(&mut self, why: String) {
        if self.problems.len() < 20 {
            self.problems.push(why);
        }
    }
}

/// One page of the log: leaves from some index, and every entry whose leaf index lies after the
/// previous page and up to this page's last leaf (or every remaining entry, after the last leaf).
struct Page {
    leaves: Vec<(u64, Vec<u8>)>,
    entries: Vec<EntryRow>,
    audits: Vec<AuditRow>,
}

fn read_page(
    store: &dyn caretrail_store::Store,
    next_leaf: u64,
    next_entry: u64,
) -> Result<Page, RecordError> {
    let leaves = store.leaves_from(next_leaf, PAGE)?;
    let until = leaves.last().map(|(i, _)| *i);
    let entries = rows_until(
        next_entry,
        until,
        |from, limit| store.entries_by_leaf_from(from, limit),
        |e| e.leaf_index,
    )?;
    let audits = rows_until(
        next_entry,
        until,
        |from, limit| store.audit_by_leaf_from(from, limit),
        |a| a.leaf_index,
    )?;
    Ok(Page {
        leaves,
        entries,
        audits,
    })
}

/// Rows with leaf index in `[from, until]` (or all from `from` when `until` is `None`).
fn rows_until<T>(
    mut from: u64,
    until: Option<u64>,
    fetch: impl Fn(u64, usize) -> Result<Vec<T>, caretrail_store::StoreError>,
    index: impl Fn(&T) -> u64,
) -> Result<Vec<T>, RecordError> {
    let mut rows = Vec::new();
    loop {
        let limit = match until {
            Some(u) if u < from => break,
            Some(u) => ((u - from + 1) as usize).min(PAGE),
            None => PAGE,
        };
        let chunk = fetch(from, limit)?;
        let Some(last) = chunk.last() else { break };
        from = index(last) + 1;
        rows.extend(
            chunk
                .into_iter()
                .filter(|r| until.is_none_or(|u| index(r) <= u)),
        );
    }
    Ok(rows)
}

struct PersonState {
    pseudonym: [u8; 16],
    keys: Option<std::sync::Arc<caretrail_store::vault::PersonKeys>>,
    erased: bool,
}

impl Record {
    /// Verifies the whole log; `external` is a signed checkpoint note kept outside the database.
    pub fn verify(&self, external: Option<&str>) -> Result<VerifyReport, RecordError> {
        let store = self.store();
        let mut f = Findings::default();

        // 1. Signed checkpoints: signature, and the size column agrees with the signed body.
        let mut checkpoints: Vec<(u64, Hash)> = Vec::new();
        let mut from = 0;
        loop {
            let page = store.checkpoints_from(from, PAGE)?;
            let Some(last) = page.last() else { break };
            from = last.size + 1;
            for c in &page {
                match self.verifier().verify(&c.note) {
                    Ok(v)
                        if v.checkpoint().size == c.size
                            && v.checkpoint().origin == self.origin() =>
                    {
                        checkpoints.push((c.size, v.checkpoint().root))
                    }
                    Ok(_) => f.problem(format!(
                        "stored checkpoint of size {} does not match its signed body",
                        c.size
                    )),
                    Err(e) => f.problem(format!(
                        "stored checkpoint of size {} fails its signature check: {e}",
                        c.size
                    )),
                }
            }
        }
        let stored_checkpoints = checkpoints.len() as u64;
        // The head: the largest size a stored checkpoint validly signs.
        let signed_head = checkpoints.iter().map(|c| c.0).max().unwrap_or(0);
        if let Some(note) = external {
            match self.verifier().verify(note) {
                Ok(v) => checkpoints.push((v.checkpoint().size, v.checkpoint().root)),
                Err(e) => f.problem(format!(
                    "the given checkpoint is not a valid checkpoint of this log: {e}"
                )),
            }
        }

        // 2. Leaves against entries, recomputed from the rows and the keys. A reader thread
        //    fetches the next page (leaves, and the entries up to the page's last leaf) while
        //    this thread hashes the current one.
        let mut level0: Vec<Hash> = Vec::new();
        let mut people: HashMap<PersonId, PersonState> = HashMap::new();
        let mut erased_people_with_record: std::collections::HashSet<PersonId> = Default::default();
        // The latest leaf of each fact, for the fold (step 7).
        let mut facts: HashMap<FactKey, (u64, FactLeaf)> = HashMap::new();
        let mut contiguous = true;
        let mut stored_leaves = 0u64;
        let mut max_signal = 0u64;
        std::thread::scope(|scope| -> Result<(), RecordError> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Page, RecordError>>(2);
            scope.spawn(move || {
                let mut next_leaf = 0u64;
                let mut next_entry = 0u64;
                loop {
                    let page = read_page(store.as_ref(), next_leaf, next_entry);
                    let done = match &page {
                        Ok(p) => p.leaves.is_empty(),
                        Err(_) => true,
                    };
                    if let Ok(Some((last, _))) = page.as_ref().map(|p| p.leaves.last()) {
                        next_leaf = last + 1;
                        next_entry = last + 1;
                    }
                    if tx.send(page).is_err() || done {
                        break;
                    }
                }
            });
            for page in rx {
                let page = page?;
                if page.leaves.is_empty() {
                    // Rows past the last leaf betray a truncated log.
                    for li in page
                        .entries
                        .iter()
                        .map(|e| e.leaf_index)
                        .chain(page.audits.iter().map(|a| a.leaf_index))
                    {
                        max_signal = max_signal.max(li + 1);
                    }
                    break;
                }
                let mut entries = page.entries.iter().peekable();
                let mut audits = page.audits.iter().peekable();
                for (idx, data) in &page.leaves {
                    let idx = *idx;
                    stored_leaves += 1;
                    max_signal = max_signal.max(idx + 1);
                    if idx != level0.len() as u64 && contiguous {
                        let missing = level0.len() as u64;
                        f.bad(missing, || format!("leaf {missing} is missing"));
                        contiguous = false;
                    }
                    while let Some(e) = entries.next_if(|e| e.leaf_index < idx) {
                        let li = e.leaf_index;
                        f.bad(li, || {
                            format!("entry refers to leaf {li}, which is missing")
                        });
                    }
                    while let Some(a) = audits.next_if(|a| a.leaf_index < idx) {
                        let li = a.leaf_index;
                        f.bad(li, || {
                            format!("audit event refers to leaf {li}, which is missing")
                        });
                    }
                    let entry = entries.next_if(|e| e.leaf_index == idx);
                    let audit = audits.next_if(|a| a.leaf_index == idx);
                    let why = match (entry, audit, leaf::kind(data)) {
                        (Some(e), None, Some(leaf::KIND_ENTRY)) => {
                            self.check_leaf(e, data, &mut people, &mut erased_people_with_record)?
                        }
                        (None, Some(a), Some(leaf::KIND_AUDIT)) => {
                            let pseudonym = a.event.person.map(|p| self.pseudonym(p));
                            (leaf::encode_audit(&a.event, pseudonym.as_ref()) != *data)
                                .then(|| "the leaf does not match its audit event".to_owned())
                        }
                        (None, None, Some(fact::KIND_FACT)) => match fact::decode(data) {
                            Some(leaf) => {
                                facts.insert(leaf.key, (idx, leaf));
                                None
                            }
                            None => Some("the fact leaf is malformed".to_owned()),
                        },
                        (None, None, _) => Some("the leaf has no entry or audit event".to_owned()),
                        _ => {
                            Some("the leaf's kind does not match the row it belongs to".to_owned())
                        }
                    };
                    if let Some(why) = why {
                        f.bad(idx, || format!("leaf {idx}: {why}"));
                    }
                    if contiguous {
                        level0.push(leaf_hash(data));
                    }
                }
            }
            Ok(())
        })?;
        // An erased person's entries are acceptable only if the log records the erasure.
        for p in &erased_people_with_record {
            if !self.erasure_recorded(*p)? {
                f.problem(
                    "entries read as erased but the log records no erasure of their person".into(),
                );
                f.bad(0, || "erased entries without an erasure record".into());
            }
        }

        // 3. Stored subtree hashes, each against its own children as stored (level 0: against
        //    the hash of the stored leaf). A node that disagrees only because a child below it is
        //    already bad is a consequence, not a new finding; so one changed row is reported at
        //    its own place, and the lowest bad index is the first leaf of the lowest bad node.
        let n = level0.len() as u64;
        let mut below: Vec<Option<Hash>> = Vec::new();
        let mut below_bad: Vec<bool> = Vec::new();
        let mut level = 0u8;
        loop {
            let expected = (n >> level) as usize;
            let mut stored: Vec<Option<Hash>> = vec![None; expected];
            let mut from = 0u64;
            loop {
                let page = store.nodes_from(level, from, PAGE)?;
                let Some(&(last, _)) = page.last() else { break };
                from = last + 1;
                for (idx, hash) in page {
                    max_signal = max_signal.max((NodeId { level, index: idx }).end_leaf());
                    if let Some(slot) = stored.get_mut(idx as usize) {
                        *slot = Some(hash);
                    }
                }
            }
            let mut bad = vec![false; expected];
            for (x, slot) in stored.iter().enumerate() {
                let id = NodeId {
                    level,
                    index: x as u64,
                };
                let first = id.first_leaf();
                let Some(hash) = slot else {
                    f.bad(first, || format!("tree node ({level}, {x}) is missing"));
                    bad[x] = true;
                    continue;
                };
                let (want, explained) = if level == 0 {
                    (Some(level0[x]), false)
                } else {
                    let (l, r) = (below[2 * x], below[2 * x + 1]);
                    let explained = below_bad[2 * x] || below_bad[2 * x + 1];
                    (l.zip(r).map(|(l, r)| node_hash(&l, &r)), explained)
                };
                if want != Some(*hash) {
                    bad[x] = true;
                    if !explained {
                        f.bad(first, || {
                            format!("tree node ({level}, {x}) does not match what it covers")
                        });
                    }
                }
            }
            if expected < 2 {
                // Nothing above can exist for n leaves; a stray row betrays a truncation.
                if let Some(&(idx, _)) = store.nodes_from(level + 1, 0, 1)?.first() {
                    max_signal = max_signal.max(
                        (NodeId {
                            level: level + 1,
                            index: idx,
                        })
                        .end_leaf(),
                    );
                }
                break;
            }
            below = stored;
            below_bad = bad;
            level += 1;
        }
        let mut levels: Vec<Vec<Hash>> = vec![level0];
        while levels.last().is_some_and(|l| l.len() >= 2) {
            let next = levels
                .last()
                .expect("non-empty")
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(next);
        }

        // 4. Size: the log must hold every leaf that any stored row or checkpoint speaks of.
        for &(size, _) in &checkpoints {
            max_signal = max_signal.max(size);
        }
        if max_signal > n {
            f.bad(n, || format!("the log is truncated or rolled back: leaf {n} is missing (expected at least {max_signal} leaves)"));
        }

        // 5. Every checkpoint's root against the tree of the stored leaves at its size. A
        //    mismatch already explained by a bad leaf below its size adds nothing; otherwise the
        //    first bad leaf lies past the last checkpoint that still matches.
        checkpoints.sort_by_key(|c| c.0);
        let mut last_good = 0u64;
        for (size, root) in &checkpoints {
            if *size > n {
                continue;
            }
            if root_from_levels(&levels, *size) == *root {
                last_good = *size;
            } else if f.first_bad.is_none_or(|b| b >= *size) {
                f.bad(last_good, || {
                    format!("the checkpoint of size {size} does not match the stored log")
                });
            } else {
                f.problem(format!(
                    "the checkpoint of size {size} does not match the stored log"
                ));
            }
        }

        // 6. The signed head: every stored leaf must be under a stored signed checkpoint. A
        //    leaf past the latest one was added without the log's key (or the checkpoints
        //    over it were deleted or altered); the first such leaf is the first bad one.
        if n > signed_head {
            f.bad(signed_head, || {
                format!(
                    "leaves {signed_head} to {} are not covered by a signed checkpoint (the latest signs {signed_head})",
                    n - 1
                )
            });
        }

        // 7. The directory against the fold of the fact leaves: every row must be what the
        //    latest leaf of its fact commits to, and every fact a leaf sets must have its row.
        //    A row no leaf sets is reported at the log's size (no stored leaf is bad; the leaf
        //    that should set it is missing).
        self.check_fold(&facts, n, &mut f)?;

        let root = root_from_levels(&levels, n);
        Ok(VerifyReport {
            leaves: stored_leaves,
            root,
            checkpoints: stored_checkpoints,
            first_bad_leaf: f.first_bad,
            problems: f.problems,
        })
    }

    /// Recomputes the leaf of `e` and compares it with `stored`. Returns what is wrong.
    fn check_leaf(
        &self,
        e: &EntryRow,
        stored: &[u8],
        people: &mut HashMap<PersonId, PersonState>,
        erased_seen: &mut std::collections::HashSet<PersonId>,
    ) -> Result<Option<String>, RecordError> {
        let m = &e.meta;
        if leaf::entry_id(stored) != Some(*m.id.as_bytes()) {
            return Ok(Some("the leaf does not name its entry".into()));
        }
        let st = match people.entry(m.person) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let row = self.store().person(m.person)?;
                v.insert(PersonState {
                    pseudonym: self.pseudonym(m.person),
                    keys: self.keys_for(m.person)?,
                    erased: row.as_ref().is_some_and(|r| r.erased_at.is_some()),
                })
            }
        };
        let commitment = match (&e.payload, e.key_version) {
            (Some(ct), 0) => self.system_keys().commit(ct),
            (Some(ct), v) => match &st.keys {
                Some(k) if k.version == v => k.commit(ct),
                _ => return Ok(Some("no key of the entry's version for its person".into())),
            },
            (None, 0) => return Ok(Some("a system entry has lost its payload".into())),
            (None, _) => {
                if !st.erased || st.keys.is_some() {
                    return Ok(Some(
                        "the payload is missing but the person is not erased".into(),
                    ));
                }
                erased_seen.insert(m.person);
                match leaf::commitment(stored) {
                    Some(c) => c,
                    None => return Ok(Some("the leaf is malformed".into())),
                }
            }
        };
        let expected = leaf::encode_entry(m, &st.pseudonym, &commitment);
        Ok((expected != stored).then(|| "the leaf does not match its entry and ciphertext".into()))
    }

    fn check_fold(
        &self,
        facts: &HashMap<FactKey, (u64, FactLeaf)>,
        size: u64,
        f: &mut Findings,
    ) -> Result<(), RecordError> {
        let mut seen: std::collections::HashSet<FactKey> = Default::default();
        for fact in self.directory_facts()? {
            let key = self.fact_key(&fact);
            seen.insert(key);
            let what = key.kind.as_str();
            let Some((idx, leaf)) = facts.get(&key) else {
                f.bad(size, || format!("a {what} row is set by no fact leaf"));
                continue;
            };
            let idx = *idx;
            // The store's index of latest fact leaves guards read-modify-writes: it must agree.
            if self.store().fact_head(&key)? != Some(idx) {
                f.bad(idx, || {
                    format!("the store's index of facts does not name leaf {idx}, the latest of its {what}")
                });
            }
            let keys = match fact.person() {
                Some(p) if leaf.person_keyed => self.keys_for(p)?,
                _ => None,
            };
            let expected = match (leaf.person_keyed, keys) {
                (false, _) => Some(self.fact_commitment(&fact, None)),
                (true, Some(keys)) => Some(self.fact_commitment(&fact, Some(&keys))),
                // The person's secret is gone: their facts can no longer be confirmed, which
                // only an erasure may do; and an erasure sets the person row under the
                // system secret.
                (true, None) if key.kind == FactKind::Person => {
                    f.bad(idx, || {
                        format!("the {what} set by leaf {idx} has lost its keys with no erasure recorded")
                    });
                    None
                }
                (true, None) => None,
            };
            if expected.is_some_and(|c| c != leaf.commitment) {
                f.bad(idx, || {
                    format!("the {what} set by leaf {idx} differs from its row")
                });
            }
        }
        let mut gone: Vec<(u64, FactKind)> = facts
            .iter()
            .filter(|(key, _)| !seen.contains(key))
            .map(|(key, (idx, _))| (*idx, key.kind))
            .collect();
        gone.sort();
        for (idx, kind) in gone {
            f.bad(idx, || {
                format!("the {} set by leaf {idx} has no row", kind.as_str())
            });
        }
        Ok(())
    }

    fn erasure_recorded(&self, person: PersonId) -> Result<bool, RecordError> {
        Ok(self
            .store()
            .entries_for_person(person)?
            .iter()
            .any(|e| e.meta.kind == caretrail_core::EntryKind::Erasure && e.key_version == 0))
    }
}

/// Root of the first `size` leaves from fully computed levels (perfect subtrees only).
fn root_from_levels(levels: &[Vec<Hash>], size: u64) -> Hash {
    let ids = CompactRange::frontier_ids(size);
    let hashes: Vec<Hash> = ids
        .iter()
        .map(|id| levels[usize::from(id.level)][id.index as usize])
        .collect();
    CompactRange::from_parts(size, hashes)
        .expect("frontier ids match the size")
        .root()
}
