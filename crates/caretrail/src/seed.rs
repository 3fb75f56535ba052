//! `caretrail seed`: load a deterministic synthetic population into a data directory, and write
//! `DATA/demo-accounts.json` (mode 0600) with a random password per account.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use caretrail_core::{InputError, Organisation, OrganisationId, PersonId, Role, User, UserId};
use caretrail_record::{NewEntryRequest, NewPerson, Record, RecordError};
use caretrail_store::StoreError;
use caretrail_synth::{Population, PopulationSpec};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde::Serialize;

use crate::datadir::DataDir;

/// Username of the account that authors system writes (CLI entries, erasures by default, and
/// decision-support flags).
pub const SYSTEM_USERNAME: &str = caretrail_record::flags::SYSTEM_USERNAME;
const LOAD_BATCH: usize = 2000;

/// One line of `demo-accounts.json` (DESIGN §4).
#[derive(Debug, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub organisation: String,
    pub people: Vec<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
}

#[derive(Debug)]
pub struct SeedSummary {
    pub organisations: usize,
    pub users: usize,
    pub people: usize,
    pub entries: usize,
    pub tree_size: u64,
}

/// A random password: 20 characters from an alphabet without look-alikes.
fn random_password() -> Result<String, RecordError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = caretrail_store::vault::random_bytes::<20>()?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

fn hash_password(password: &str) -> Result<String, RecordError> {
    let salt = caretrail_store::vault::random_bytes::<16>()?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), salt.as_ref())
        .map(|h| h.to_string())
        .map_err(|_| RecordError::Conflict("could not hash a password".into()))
}

/// The system account, in the first council (or the first organisation): the same account the
/// record creates when a deployment has none (`caretrail_record::flags::system_user`).
fn system_user(orgs: &[Organisation]) -> User {
    use caretrail_record::flags::{system_home, system_user};
    system_user(system_home(orgs).unwrap_or(OrganisationId::from_bytes([0; 16])))
}

/// Seeds `dir` (initialising it first if new). Refuses a directory that already has people.
pub fn seed(
    dir: &DataDir,
    people: u32,
    seed: u64,
    progress: bool,
) -> Result<SeedSummary, RecordError> {
    if people == 0 {
        return Err(InputError::field("/people", "must be at least 1").into());
    }
    if people > 100_000 {
        return Err(InputError::field("/people", "must be at most 100000").into());
    }
    let record = if dir.is_initialised()? {
        dir.open()?
    } else {
        dir.init()?
    };
    if !record.unaudited().store().people()?.is_empty() {
        return Err(RecordError::Conflict(format!(
            "{} is already seeded; use a new data directory to seed again",
            dir.root.display()
        )));
    }
    let spec = PopulationSpec::new(people, seed);
    let population = caretrail_synth::generate(&spec)
        .map_err(|e| InputError::field("/people", e.to_string()))?;
    load(dir, &record, population, progress)
}

fn load(
    dir: &DataDir,
    record: &Record,
    pop: Population,
    progress: bool,
) -> Result<SeedSummary, RecordError> {
    let Population {
        organisations,
        users,
        people,
        relationships,
        entries,
        truth: _,
    } = pop;
    let now = Timestamp::now();
    let org_names: BTreeMap<OrganisationId, String> = organisations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();

    // Caseloads: people with an active relationship now; a manager's is their organisation's.
    let mut caseload: BTreeMap<UserId, BTreeSet<PersonId>> = BTreeMap::new();
    let mut org_caseload: BTreeMap<OrganisationId, BTreeSet<PersonId>> = BTreeMap::new();
    for r in relationships.iter().filter(|r| r.is_active_at(now)) {
        caseload.entry(r.practitioner).or_default().insert(r.person);
        org_caseload
            .entry(r.organisation)
            .or_default()
            .insert(r.person);
    }

    let mut accounts = Vec::new();
    let mut with_hashes = Vec::new();
    let spinner = bar(progress, users.len() as u64, "accounts");
    for u in &users {
        let password = random_password()?;
        let hash = hash_password(&password)?;
        let people: Vec<PersonId> = match u.role {
            Role::Manager => org_caseload
                .get(&u.organisation)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            Role::Citizen => u.person.into_iter().collect(),
            _ => caseload
                .get(&u.id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
        };
        accounts.push(DemoAccount {
            username: u.username.clone(),
            password,
            role: u.role,
            organisation: org_names.get(&u.organisation).cloned().unwrap_or_default(),
            people,
            person: u.person.filter(|_| u.role == Role::Citizen),
        });
        with_hashes.push((u.clone(), Some(hash)));
        spinner.inc(1);
    }
    spinner.finish_and_clear();
    with_hashes.push((system_user(&organisations), None));
    // The operator (the command line's principal) lives where the system account does.
    with_hashes.push((
        caretrail_record::flags::operator_user(
            caretrail_record::flags::system_home(&organisations)
                .unwrap_or(OrganisationId::from_bytes([0; 16])),
        ),
        None,
    ));

    let n_orgs = organisations.len();
    let n_users = with_hashes.len();
    let n_people = people.len();
    let new_people = people
        .into_iter()
        .map(|(id, profile)| NewPerson {
            id,
            profile,
            created_at: now,
        })
        .collect();
    record
        .unaudited()
        .register(organisations, with_hashes, new_people, relationships)?;

    let authors: BTreeMap<UserId, User> = users.into_iter().map(|u| (u.id, u)).collect();
    let pb = bar(progress, entries.len() as u64, "entries");
    let mut tree_size = 0;
    let n_entries = entries.len();
    for chunk in entries.chunks(LOAD_BATCH) {
        let reqs = chunk
            .iter()
            .map(|e| {
                let author = authors.get(&e.author).cloned().ok_or_else(|| {
                    RecordError::Conflict("a generated entry names an unknown author".into())
                })?;
                Ok(NewEntryRequest {
                    id: e.id,
                    person: e.person,
                    organisation: e.organisation,
                    author,
                    recorded_at: e.recorded_at,
                    effective_at: e.effective_at,
                    amends: e.amends,
                    data: e.data.clone(),
                })
            })
            .collect::<Result<Vec<_>, RecordError>>()?;
        tree_size = record.unaudited().load_entries(&reqs)?;
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();

    write_accounts(dir, &accounts)?;
    Ok(SeedSummary {
        organisations: n_orgs,
        users: n_users,
        people: n_people,
        entries: n_entries,
        tree_size,
    })
}

pub(crate) fn bar(enabled: bool, len: u64, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

fn write_accounts(dir: &DataDir, accounts: &[DemoAccount]) -> Result<(), RecordError> {
    let path = dir.accounts_path();
    let io = |e: std::io::Error| {
        RecordError::Store(StoreError::Io(format!(
            "cannot write {}: {}",
            path.display(),
            e.kind()
        )))
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    let json = serde_json::to_string_pretty(accounts).expect("accounts serialise");
    f.write_all(json.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .and_then(|_| f.sync_all())
        .map_err(io)
}
