//! The deterministic synthetic population of caretrail.
//!
//! [`generate`] is a pure function: a [`PopulationSpec`] (how many people, a seed, the end date and
//! how many months of history) goes in, a [`Population`] comes out: four organisations (a council,
//! a home-care provider, a GP practice and a hospital), their users, the people with their
//! profiles, the care relationships between practitioners and people, and every entry of every
//! person's record over the window, sorted by the time it was recorded. Nothing reads the clock,
//! the environment or a hash map's iteration order, and every id comes from the seeded ChaCha20
//! generator, so the same spec gives the same population on every machine (DESIGN.md §4, "`seed
//! --seed S` is deterministic in content"). Only invented people exist here: names are drawn from
//! lists of common given and family names and combined at random; addresses are made up and every
//! postcode is in the non-geographic `ZZ99` area.
//!
//! The generative model (latent traits → conditions → medicines → care needs → visits; the monthly
//! fall hazard; deterioration episodes; claims) is written down in [`model`], with every
//! coefficient a named constant. Falls models are trained and evaluated on this data, so that
//! module is the ground truth they are judged against; [`Population::truth`] carries the latent
//! traits, every fall (recorded or not) and the irregular claims.
//!
//! The window is `[end − months, end)`: it opens at midnight UTC on the first day and closes at
//! midnight UTC on `end`, which no entry reaches. All times are UTC.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;

use caretrail_core::{
    CareRelationship, EntryData, EntryId, EntryKind, Organisation, OrganisationId,
    OrganisationKind, PersonId, PersonProfile, Role, User, UserId,
};
use jiff::civil::Date;
use jiff::{Span, Timestamp};
use serde_json::{Value, json};

pub mod meds;
pub mod model;
mod names;
mod plan;
mod rng;
mod sim;
mod text;

use crate::rng::{Prng, id_bytes, next_u64, pick, seeded};
use crate::sim::{Ctx, Orgs, Staff};

/// The fixed end of the window when none is given, so that content never depends on the clock.
pub const DEFAULT_END: Date = Date::constant(2026, 11, 1);
/// Months of history when none is given; also the least accepted.
pub const DEFAULT_MONTHS: u32 = 18;
/// The least number of months accepted: decision support and the falls model need 18.
pub const MIN_MONTHS: u32 = 18;
/// The most months accepted (ten years).
pub const MAX_MONTHS: u32 = 120;
/// The most people accepted in one population (memory: about 300 entries each).
pub const MAX_PEOPLE: u32 = 200_000;
/// Share of people who have a citizen account.
pub const CITIZEN_ACCOUNT_SHARE: f64 = 0.1;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationSpec {
    pub people: u32,
    pub seed: u64,
    /// The window closes at midnight UTC at the start of this day.
    pub end: Date,
    /// Months of history, at least [`MIN_MONTHS`].
    pub months: u32,
}

impl PopulationSpec {
    /// `people` people from `seed`, ending on [`DEFAULT_END`] after [`DEFAULT_MONTHS`] months.
    pub fn new(people: u32, seed: u64) -> Self {
        PopulationSpec {
            people,
            seed,
            end: DEFAULT_END,
            months: DEFAULT_MONTHS,
        }
    }

    /// The first day of the window, after checking the spec.
    pub fn start(&self) -> Result<Date, SpecError> {
        if self.people == 0 {
            return Err(SpecError::NoPeople);
        }
        if self.people > MAX_PEOPLE {
            return Err(SpecError::TooManyPeople {
                people: self.people,
            });
        }
        if self.months < MIN_MONTHS {
            return Err(SpecError::TooFewMonths {
                months: self.months,
            });
        }
        if self.months > MAX_MONTHS {
            return Err(SpecError::TooManyMonths {
                months: self.months,
            });
        }
        // Far enough inside jiff's range for a century of birth dates and a decade of history.
        if !(1900..=9000).contains(&self.end.year()) {
            return Err(SpecError::EndOutOfRange { end: self.end });
        }
        self.end
            .checked_sub(Span::new().months(self.months))
            .map_err(|_| SpecError::EndOutOfRange { end: self.end })
    }
}

/// A spec that cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    NoPeople,
    TooManyPeople { people: u32 },
    TooFewMonths { months: u32 },
    TooManyMonths { months: u32 },
    EndOutOfRange { end: Date },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::NoPeople => f.write_str("people must be at least 1 (got 0)"),
            SpecError::TooManyPeople { people } => {
                write!(f, "people must be at most {MAX_PEOPLE} (got {people})")
            }
            SpecError::TooFewMonths { months } => write!(
                f,
                "months must be at least {MIN_MONTHS} (got {months}): decision support needs {MIN_MONTHS} months of history"
            ),
            SpecError::TooManyMonths { months } => {
                write!(f, "months must be at most {MAX_MONTHS} (got {months})")
            }
            SpecError::EndOutOfRange { end } => {
                write!(f, "end date {end} must be in the years 1900 to 9000")
            }
        }
    }
}

impl std::error::Error for SpecError {}

/// One entry of a person's record, ready for the record service to write.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthEntry {
    pub id: EntryId,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub author: UserId,
    pub recorded_at: Timestamp,
    pub effective_at: Timestamp,
    pub amends: Option<EntryId>,
    pub data: EntryData,
}

impl SynthEntry {
    pub fn kind(&self) -> EntryKind {
        self.data.kind()
    }

    /// The entry in the JSON shape of DESIGN.md §4, without the fields the record assigns
    /// (`leaf_index`, `erased`).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "kind": self.kind(),
            "person": self.person,
            "organisation": self.organisation,
            "author": self.author,
            "recorded_at": self.recorded_at,
            "effective_at": self.effective_at,
            "codes": self.data.codes(),
            "amends": self.amends,
            "data": self.data.to_value(),
        })
    }
}

/// How a claim departs from the care delivered (the claims monitor's ground truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClaimIrregularity {
    /// More minutes claimed than delivered.
    InflatedMinutes,
    /// A missed visit claimed as delivered.
    MissedVisit,
    /// A second claim for a visit already claimed.
    Duplicate,
}

impl ClaimIrregularity {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimIrregularity::InflatedMinutes => "inflated-minutes",
            ClaimIrregularity::MissedVisit => "missed-visit",
            ClaimIrregularity::Duplicate => "duplicate",
        }
    }
}

/// A claim that is not honest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IrregularClaim {
    pub claim: EntryId,
    pub irregularity: ClaimIrregularity,
}

/// The truth behind one person's record.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonTruth {
    pub person: PersonId,
    /// The latent traits at the start of the window.
    pub traits: model::LatentTraits,
    /// Every fall inside the window, whether or not it reached the record.
    pub falls: Vec<Timestamp>,
    /// Falls in the simulated year before the window.
    pub falls_before_window: u32,
    pub died_at: Option<Timestamp>,
}

/// What the record cannot show but evaluations need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroundTruth {
    pub people: Vec<PersonTruth>,
    pub irregular_claims: Vec<IrregularClaim>,
}

/// A generated population.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub organisations: Vec<Organisation>,
    pub users: Vec<User>,
    pub people: Vec<(PersonId, PersonProfile)>,
    pub relationships: Vec<CareRelationship>,
    /// Sorted by `recorded_at`, then `effective_at`, then id.
    pub entries: Vec<SynthEntry>,
    pub truth: GroundTruth,
}

impl Population {
    /// The first organisation of `kind`.
    pub fn organisation(&self, kind: OrganisationKind) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.kind == kind)
    }

    /// Everything, as one JSON value (profiles included): a byte-stable dump for a seed.
    pub fn to_json(&self) -> Value {
        let people: Vec<Value> = self
            .people
            .iter()
            .map(|(id, p)| json!({"id": id, "profile": p}))
            .collect();
        let truth_people: Vec<Value> = self
            .truth
            .people
            .iter()
            .map(|t| {
                json!({
                    "person": t.person,
                    "frailty": t.traits.frailty,
                    "cognitive_impairment": t.traits.cognitive_impairment,
                    "gait": t.traits.gait,
                    "ambulatory_aid": t.traits.ambulatory_aid,
                    "lives_alone": t.traits.lives_alone,
                    "needs": format!("{:?}", t.traits.needs).to_lowercase(),
                    "falls": t.falls,
                    "falls_before_window": t.falls_before_window,
                    "died_at": t.died_at,
                })
            })
            .collect();
        let claims: Vec<Value> = self
            .truth
            .irregular_claims
            .iter()
            .map(|c| json!({"claim": c.claim, "irregularity": c.irregularity.as_str()}))
            .collect();
        json!({
            "organisations": self.organisations,
            "users": self.users,
            "people": people,
            "relationships": self.relationships,
            "entries": self.entries.iter().map(SynthEntry::to_json).collect::<Vec<_>>(),
            "truth": {"people": truth_people, "irregular_claims": claims},
        })
    }
}

/// Generates the population `spec` describes.
pub fn generate(spec: &PopulationSpec) -> Result<Population, SpecError> {
    let start = spec.start()?;
    let n_days = spec.end.duration_since(start).as_secs() / 86_400;
    let start_unix = start.duration_since(Date::constant(1970, 1, 1)).as_secs();
    let mut master = seeded(spec.seed);

    let orgs = Orgs {
        council: OrganisationId::from_random_bytes(id_bytes(&mut master)),
        provider: OrganisationId::from_random_bytes(id_bytes(&mut master)),
        gp: OrganisationId::from_random_bytes(id_bytes(&mut master)),
        hospital: OrganisationId::from_random_bytes(id_bytes(&mut master)),
    };
    let organisations = vec![
        org(orgs.council, "Northdale Council", OrganisationKind::Council),
        org(
            orgs.provider,
            "Brightwater Home Care",
            OrganisationKind::HomeCareProvider,
        ),
        org(
            orgs.gp,
            "Millbrook Medical Practice",
            OrganisationKind::GpPractice,
        ),
        org(
            orgs.hospital,
            "Northdale General Hospital",
            OrganisationKind::Hospital,
        ),
    ];

    // Phase 1: every person's plan, each from their own generator.
    let min_age = i16::try_from(18 + spec.months.div_ceil(12))
        .unwrap_or(18)
        .min(44);
    let mut plans = Vec::with_capacity(spec.people as usize);
    let mut seeds = Vec::with_capacity(spec.people as usize);
    for _ in 0..spec.people {
        let seed = next_u64(&mut master);
        let id = PersonId::from_random_bytes(id_bytes(&mut master));
        let mut rng = seeded(seed);
        plans.push(plan::plan_person(&mut rng, id, spec.end, n_days, min_age));
        seeds.push(seed);
    }
    if !plans.iter().any(|p| p.citizen_account) {
        plans[0].citizen_account = true;
    }

    // Phase 2: staff sized to the caseloads the plans imply.
    let (users, staff, citizens) = build_users(&mut master, &orgs, &plans);

    // Phase 3: each person's simulation.
    let cx = Ctx {
        orgs,
        staff: &staff,
        start,
        n_days,
        start_unix,
    };
    let end_secs = n_days * sim::DAY;
    let mut entries = Vec::new();
    let mut relationships = Vec::new();
    let mut truth = GroundTruth::default();
    for (i, plan) in plans.iter().enumerate() {
        let rng = seeded(seeds[i] ^ 0x5EED_0FCA_2E7A_11AB);
        let outcome = sim::simulate(&cx, plan, rng, citizens[i]);
        let mut kept = std::collections::BTreeSet::new();
        for d in outcome.drafts {
            if d.rec >= end_secs {
                continue;
            }
            kept.insert(d.id);
            entries.push(SynthEntry {
                id: d.id,
                person: plan.id,
                organisation: d.org,
                author: d.author,
                recorded_at: cx.timestamp(d.rec),
                effective_at: cx.timestamp(d.eff),
                amends: d.amends,
                data: d.data,
            });
        }
        for r in outcome.rels {
            if r.from >= end_secs {
                continue;
            }
            relationships.push(CareRelationship {
                id: r.id,
                practitioner: r.user,
                person: plan.id,
                organisation: r.org,
                kind: r.kind,
                from: cx.timestamp(r.from),
                to: r.to.map(|to| cx.timestamp(to.min(end_secs))),
            });
        }
        truth.people.push(PersonTruth {
            person: plan.id,
            traits: plan.traits,
            falls: outcome.falls.iter().map(|t| cx.timestamp(*t)).collect(),
            falls_before_window: outcome.falls_before_window,
            died_at: outcome.died_at.map(|t| cx.timestamp(t)),
        });
        truth.irregular_claims.extend(
            outcome
                .irregular
                .into_iter()
                .filter(|(id, _)| kept.contains(id))
                .map(|(claim, irregularity)| IrregularClaim {
                    claim,
                    irregularity,
                }),
        );
    }
    entries.sort_by(|a, b| {
        (a.recorded_at, a.effective_at, a.id).cmp(&(b.recorded_at, b.effective_at, b.id))
    });
    let people = plans.into_iter().map(|p| (p.id, p.profile)).collect();
    Ok(Population {
        organisations,
        users,
        people,
        relationships,
        entries,
        truth,
    })
}

fn org(id: OrganisationId, name: &str, kind: OrganisationKind) -> Organisation {
    Organisation {
        id,
        name: name.to_owned(),
        kind,
    }
}

/// Staff numbers follow the caseloads: a social worker holds about 30 people, a care worker about
/// 12 (each person has two to four), a home-care nurse about 30, a GP about 300 registered
/// patients and a hospital nurse covers the admissions of about 150 people.
fn build_users(
    rng: &mut Prng,
    orgs: &Orgs,
    plans: &[plan::PersonPlan],
) -> (Vec<User>, Staff, Vec<Option<UserId>>) {
    let people = plans.len();
    let social = plans.iter().filter(|p| p.social_care()).count();
    let home = plans.iter().filter(|p| p.home_care()).count();
    let n_sw = social.div_ceil(30).max(1);
    let n_cw = (home * 3).div_ceil(12).max(2);
    let n_nurse = home.div_ceil(30).max(1);
    let n_gp = people.div_ceil(300).max(1);
    let n_hosp = people.div_ceil(150).max(1);

    let mut users = Vec::new();
    let mut taken: BTreeMap<String, u32> = BTreeMap::new();
    let mut make = |rng: &mut Prng,
                    role: Role,
                    organisation: OrganisationId,
                    names: Option<(&str, &str)>,
                    person: Option<PersonId>|
     -> UserId {
        let (given, family) = match names {
            Some((g, f)) => (g.to_owned(), f.to_owned()),
            None => {
                let given = if rng::chance(rng, 0.5) {
                    *pick(rng, names::FEMALE_GIVEN)
                } else {
                    *pick(rng, names::MALE_GIVEN)
                };
                (given.to_owned(), (*pick(rng, names::FAMILY)).to_owned())
            }
        };
        let prefix = match role {
            Role::CareWorker => "cw",
            Role::Nurse => "rn",
            Role::SocialWorker => "sw",
            Role::Gp => "gp",
            Role::Manager => "mgr",
            Role::PrivacyOfficer => "dpo",
            Role::Auditor => "aud",
            Role::Citizen => "cit",
            Role::System => "sys",
            Role::Operator => "op",
        };
        let base = format!("{prefix}.{}", names::username_part(&family));
        let n = taken.entry(base.clone()).or_insert(0);
        *n += 1;
        let id = UserId::from_random_bytes(id_bytes(rng));
        users.push(User {
            id,
            username: format!("{base}{n}"),
            display_name: format!("{given} {family}"),
            role,
            organisation,
            person,
        });
        id
    };
    let mut many = |rng: &mut Prng, n: usize, role: Role, org: OrganisationId| -> Vec<UserId> {
        (0..n).map(|_| make(rng, role, org, None, None)).collect()
    };
    let social_workers = many(rng, n_sw, Role::SocialWorker, orgs.council);
    let care_workers = many(rng, n_cw, Role::CareWorker, orgs.provider);
    let provider_nurses = many(rng, n_nurse, Role::Nurse, orgs.provider);
    let gps = many(rng, n_gp, Role::Gp, orgs.gp);
    let hospital_nurses = many(rng, n_hosp, Role::Nurse, orgs.hospital);
    let managers = [orgs.council, orgs.provider, orgs.gp, orgs.hospital]
        .map(|o| make(rng, Role::Manager, o, None, None));
    make(rng, Role::PrivacyOfficer, orgs.council, None, None);
    make(rng, Role::Auditor, orgs.council, None, None);
    let citizens: Vec<Option<UserId>> = plans
        .iter()
        .map(|p| {
            p.citizen_account.then(|| {
                make(
                    rng,
                    Role::Citizen,
                    orgs.council,
                    Some((&p.profile.given_name, &p.profile.family_name)),
                    Some(p.id),
                )
            })
        })
        .collect();
    let staff = Staff {
        social_workers,
        care_workers,
        provider_nurses,
        provider_manager: managers[1],
        gps,
        hospital_nurses,
    };
    (users, staff, citizens)
}
