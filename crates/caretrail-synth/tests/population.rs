//! What the synthetic population promises: determinism, valid data, resolvable references, the
//! relationship invariant, complete accounts, a realistic population and a falls model that
//! behaves as documented.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use caretrail_core::data::{
    AssessmentType, ConsentDirective, Gait, IncidentType, QuestionnaireInstrument,
};
use caretrail_core::{EntryData, EntryId, EntryKind, OrganisationKind, PersonId, Role};
use caretrail_synth::{
    DEFAULT_END, MIN_MONTHS, Population, PopulationSpec, SpecError, SynthEntry, generate, meds,
};
use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan};

fn hundred() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| generate(&PopulationSpec::new(100, 1)).expect("valid spec"))
}

fn large() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| generate(&PopulationSpec::new(1500, 2026)).expect("valid spec"))
}

fn midnight(d: Date) -> Timestamp {
    d.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
}

fn window() -> (Timestamp, Timestamp) {
    let start = DEFAULT_END.checked_sub(Span::new().months(18)).unwrap();
    (midnight(start), midnight(DEFAULT_END))
}

#[test]
fn same_seed_gives_an_identical_population() {
    let spec = PopulationSpec::new(30, 42);
    let a = generate(&spec).unwrap();
    let b = generate(&spec).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a.to_json()).unwrap(),
        serde_json::to_string(&b.to_json()).unwrap()
    );
}

#[test]
fn different_seeds_give_different_populations() {
    let a = generate(&PopulationSpec::new(30, 42)).unwrap();
    let b = generate(&PopulationSpec::new(30, 43)).unwrap();
    assert_ne!(a.to_json(), b.to_json());
    assert_ne!(a.people[0].0, b.people[0].0);
    assert_ne!(a.organisations[0].id, b.organisations[0].id);
}

#[test]
fn refuses_zero_people_with_a_clear_error() {
    let err = generate(&PopulationSpec::new(0, 1)).unwrap_err();
    assert_eq!(err, SpecError::NoPeople);
    assert_eq!(err.to_string(), "people must be at least 1 (got 0)");
}

#[test]
fn refuses_fewer_than_eighteen_months_with_a_clear_error() {
    let spec = PopulationSpec {
        months: 12,
        ..PopulationSpec::new(10, 1)
    };
    let err = generate(&spec).unwrap_err();
    assert_eq!(err, SpecError::TooFewMonths { months: 12 });
    let msg = err.to_string();
    assert!(msg.contains("months must be at least 18"), "{msg}");
    assert!(msg.contains("got 12"), "{msg}");
    let ok = PopulationSpec {
        months: MIN_MONTHS,
        ..PopulationSpec::new(3, 1)
    };
    assert!(generate(&ok).is_ok());
}

#[test]
fn refuses_an_end_date_outside_the_supported_years() {
    let spec = PopulationSpec {
        end: Date::constant(9500, 1, 1),
        ..PopulationSpec::new(10, 1)
    };
    let err = generate(&spec).unwrap_err();
    assert!(matches!(err, SpecError::EndOutOfRange { .. }));
    assert!(err.to_string().contains("end date"));
}

#[test]
fn every_entry_validates_and_round_trips_through_its_kind() {
    for e in &hundred().entries {
        e.data
            .validate()
            .unwrap_or_else(|err| panic!("{} {}: {err}", e.kind(), e.id));
        let parsed = EntryData::parse(e.kind(), &e.data.to_value())
            .unwrap_or_else(|err| panic!("{} {}: {err}", e.kind(), e.id));
        assert_eq!(parsed, e.data, "{}", e.id);
        assert_eq!(parsed.kind(), e.kind());
    }
}

#[test]
fn every_reference_resolves_and_amendments_point_back_to_the_same_kind() {
    let pop = hundred();
    let people: BTreeSet<PersonId> = pop.people.iter().map(|(id, _)| *id).collect();
    let orgs: BTreeMap<_, _> = pop.organisations.iter().map(|o| (o.id, o.kind)).collect();
    let users: BTreeSet<_> = pop.users.iter().map(|u| u.id).collect();
    let position: BTreeMap<EntryId, usize> = pop
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i))
        .collect();
    assert_eq!(position.len(), pop.entries.len(), "entry ids are unique");
    let mut amendments = 0;
    let mut claims = 0;
    for (i, e) in pop.entries.iter().enumerate() {
        assert!(people.contains(&e.person), "{}", e.id);
        assert!(orgs.contains_key(&e.organisation), "{}", e.id);
        assert!(users.contains(&e.author), "{}", e.id);
        if let Some(target) = e.amends {
            amendments += 1;
            let j = *position.get(&target).expect("amended entry exists");
            let t = &pop.entries[j];
            assert!(j < i, "amendment {} comes after what it amends", e.id);
            assert!(t.recorded_at < e.recorded_at);
            assert_eq!(t.person, e.person);
            assert_eq!(t.kind(), e.kind());
            assert_ne!(t.data, e.data, "an amendment corrects the data");
        }
        if let EntryData::Claim(c) = &e.data {
            claims += 1;
            assert_eq!(
                orgs.get(&c.provider),
                Some(&OrganisationKind::HomeCareProvider)
            );
            assert_eq!(e.organisation, c.provider);
            let j = *position.get(&c.visit).expect("claimed visit exists");
            let v = &pop.entries[j];
            assert_eq!(v.kind(), EntryKind::Visit);
            assert_eq!(v.person, e.person);
            assert!(j < i);
        }
        if let EntryData::Consent(set) = &e.data {
            for o in set.directives.iter().filter_map(|c| c.organisation) {
                assert!(orgs.contains_key(&o));
            }
        }
    }
    assert!(
        amendments > 10,
        "a few entries amend earlier ones ({amendments})"
    );
    assert!(claims > 1000);
    for c in &pop.truth.irregular_claims {
        let j = *position.get(&c.claim).expect("irregular claim exists");
        assert_eq!(pop.entries[j].kind(), EntryKind::Claim);
    }
    for r in &pop.relationships {
        assert!(people.contains(&r.person));
        assert!(users.contains(&r.practitioner));
        assert!(orgs.contains_key(&r.organisation));
    }
}

#[test]
fn practitioner_authors_hold_an_active_relationship_through_the_entry_organisation() {
    let pop = hundred();
    let roles: BTreeMap<_, _> = pop.users.iter().map(|u| (u.id, u)).collect();
    let mut by_key: BTreeMap<_, Vec<&caretrail_core::CareRelationship>> = BTreeMap::new();
    for r in &pop.relationships {
        by_key
            .entry((r.practitioner, r.person, r.organisation))
            .or_default()
            .push(r);
    }
    let mut citizen_entries = 0;
    for e in &pop.entries {
        let user = roles[&e.author];
        if user.role.is_practitioner() {
            assert_eq!(user.organisation, e.organisation, "{}", e.id);
            let ok = by_key
                .get(&(e.author, e.person, e.organisation))
                .is_some_and(|rs| rs.iter().any(|r| r.is_active_at(e.effective_at)));
            assert!(
                ok,
                "{} {} by {} has no active relationship at {}",
                e.kind(),
                e.id,
                user.username,
                e.effective_at
            );
        } else {
            assert_eq!(
                user.role,
                Role::Citizen,
                "only practitioners and citizens author"
            );
            assert_eq!(
                user.person,
                Some(e.person),
                "a citizen writes only in their own record"
            );
            citizen_entries += 1;
        }
    }
    assert!(citizen_entries > 0);
}

#[test]
fn relationships_are_well_formed_and_some_end() {
    let pop = hundred();
    let mut ended = 0;
    let (_, end) = window();
    for r in &pop.relationships {
        if let Some(to) = r.to {
            assert!(r.from < to, "{:?}", r.id);
            assert!(to <= end);
            ended += 1;
        }
        assert!(r.from < end);
    }
    assert!(ended > 10, "some relationships end ({ended})");
    // Every person has a registered GP.
    for (id, _) in &pop.people {
        assert!(
            pop.relationships.iter().any(
                |r| r.person == *id && r.kind == caretrail_core::RelationshipKind::RegisteredGp
            )
        );
    }
}

#[test]
fn organisations_roles_and_accounts_are_complete() {
    let pop = hundred();
    for kind in [
        OrganisationKind::Council,
        OrganisationKind::HomeCareProvider,
        OrganisationKind::GpPractice,
        OrganisationKind::Hospital,
    ] {
        assert!(pop.organisation(kind).is_some(), "{kind:?}");
    }
    for role in Role::ALL {
        let has = pop.users.iter().any(|u| u.role == role);
        // The system and the operator accounts are the deployment's, not the population's.
        assert_eq!(
            has,
            !matches!(role, Role::System | Role::Operator),
            "{role}"
        );
    }
    let people: BTreeSet<_> = pop.people.iter().map(|(id, _)| *id).collect();
    let council = pop.organisation(OrganisationKind::Council).unwrap().id;
    let citizens: Vec<_> = pop
        .users
        .iter()
        .filter(|u| u.role == Role::Citizen)
        .collect();
    assert!((3..=25).contains(&citizens.len()), "{}", citizens.len());
    for c in &citizens {
        assert!(people.contains(&c.person.expect("citizen names a person")));
        assert_eq!(c.organisation, council);
    }
    for u in pop.users.iter().filter(|u| u.role != Role::Citizen) {
        assert_eq!(u.person, None);
    }
    let mut names = BTreeSet::new();
    for u in &pop.users {
        assert!(names.insert(u.username.clone()), "duplicate {}", u.username);
        assert_eq!(u.username, u.username.to_lowercase());
        assert!(
            u.username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.')
        );
    }
    // A nurse in the home-care provider and another in the hospital.
    for kind in [
        OrganisationKind::HomeCareProvider,
        OrganisationKind::Hospital,
    ] {
        let org = pop.organisation(kind).unwrap().id;
        assert!(
            pop.users
                .iter()
                .any(|u| u.role == Role::Nurse && u.organisation == org)
        );
    }
}

#[test]
fn a_single_person_still_gets_a_citizen_account() {
    let pop = generate(&PopulationSpec::new(1, 9)).unwrap();
    assert_eq!(
        pop.users.iter().filter(|u| u.role == Role::Citizen).count(),
        1
    );
}

#[test]
fn caseloads_are_realistic_in_the_middle_of_the_window() {
    let pop = large();
    let (start, end) = window();
    let mid = start + Span::new().hours((end.as_second() - start.as_second()) / 7200);
    let mut load: BTreeMap<_, usize> = BTreeMap::new();
    for r in pop.relationships.iter().filter(|r| r.is_active_at(mid)) {
        *load.entry(r.practitioner).or_default() += 1;
    }
    let mean = |role: Role| {
        let loads: Vec<usize> = pop
            .users
            .iter()
            .filter(|u| u.role == role)
            .map(|u| load.get(&u.id).copied().unwrap_or(0))
            .collect();
        loads.iter().sum::<usize>() as f64 / loads.len() as f64
    };
    let sw = mean(Role::SocialWorker);
    let cw = mean(Role::CareWorker);
    assert!((20.0..=45.0).contains(&sw), "social worker caseload {sw}");
    assert!((7.0..=16.0).contains(&cw), "care worker caseload {cw}");
}

#[test]
fn people_are_adults_and_mostly_older() {
    let pop = hundred();
    let mut ages: Vec<i16> = pop
        .people
        .iter()
        .map(|(_, p)| p.age_on(DEFAULT_END))
        .collect();
    assert!(ages.iter().all(|a| (18..=100).contains(a)), "{ages:?}");
    ages.sort_unstable();
    assert!(
        ages[ages.len() / 2] >= 70,
        "median {}",
        ages[ages.len() / 2]
    );
    let older = ages.iter().filter(|a| **a >= 65).count();
    assert!(older * 2 > ages.len());
    for (_, p) in &pop.people {
        assert!(p.postcode.starts_with("ZZ99 "), "fictional postcodes only");
        assert!(p.sex == "female" || p.sex == "male");
    }
}

#[test]
fn entries_span_the_whole_window_and_are_sorted_by_recording_time() {
    let pop = hundred();
    let (start, end) = window();
    let first = pop.entries.iter().map(|e| e.effective_at).min().unwrap();
    let last = pop.entries.iter().map(|e| e.effective_at).max().unwrap();
    assert!(first < start + 24.hours(), "first {first}");
    assert!(last > end - 48.hours(), "last {last}");
    let span_days = (last.as_second() - first.as_second()) / 86_400;
    assert!(span_days >= 18 * 30, "{span_days} days");
    for w in pop.entries.windows(2) {
        assert!(
            (w[0].recorded_at, w[0].effective_at, w[0].id)
                <= (w[1].recorded_at, w[1].effective_at, w[1].id)
        );
    }
    for e in &pop.entries {
        assert!(e.effective_at <= e.recorded_at, "{}", e.id);
        assert!(e.recorded_at < end && e.effective_at >= start, "{}", e.id);
        assert!(
            e.recorded_at.as_second() - e.effective_at.as_second() <= 4 * 86_400,
            "recorded shortly after effective: {}",
            e.id
        );
    }
}

#[test]
fn every_entry_kind_but_erasure_flag_acknowledgement_referral_and_relationship_occurs() {
    let kinds: BTreeSet<EntryKind> = hundred().entries.iter().map(SynthEntry::kind).collect();
    for kind in EntryKind::ALL {
        // Seeding writes care relationships as directory rows, without the referrals and
        // relationship entries that starting care over the API writes.
        let expected = !matches!(
            kind,
            EntryKind::Erasure
                | EntryKind::Flag
                | EntryKind::Acknowledgement
                | EntryKind::Referral
                | EntryKind::Relationship
        );
        assert_eq!(kinds.contains(&kind), expected, "{kind}");
    }
}

#[test]
fn entries_per_person_stay_moderate() {
    let pop = hundred();
    let per_person = pop.entries.len() as f64 / pop.people.len() as f64;
    assert!((150.0..=450.0).contains(&per_person), "{per_person}");
}

#[test]
fn the_data_exercises_every_instrument() {
    let pop = hundred();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for e in &pop.entries {
        match &e.data {
            EntryData::Observation(o) => {
                let full = o.respiration_rate.is_some()
                    && o.spo2.is_some()
                    && o.systolic_bp.is_some()
                    && o.pulse.is_some()
                    && o.consciousness.is_some()
                    && o.temperature.is_some()
                    && o.supplemental_oxygen.is_some();
                if full {
                    seen.insert("news2 full set");
                    if o.spo2_scale == Some(2) {
                        seen.insert("spo2 scale 2");
                    }
                    if o.respiration_rate.unwrap() >= 25 || o.pulse.unwrap() >= 131 {
                        seen.insert("news2 red parameter");
                    }
                    if !o.soft_signs.is_empty() {
                        seen.insert("full set with soft signs");
                    }
                }
                if !full && !o.soft_signs.is_empty() {
                    seen.insert("soft signs alone");
                }
                if o.weight_kg.is_some() {
                    seen.insert("weight");
                }
            }
            EntryData::Assessment(a) => match a.assessment_type {
                AssessmentType::Falls => {
                    seen.insert("morse");
                    if a.gait == Some(Gait::Impaired) {
                        seen.insert("impaired gait");
                    }
                }
                AssessmentType::Needs => {
                    if a.eligibility.is_some() {
                        seen.insert("care act");
                    }
                }
                AssessmentType::Review => {
                    seen.insert("review");
                }
            },
            EntryData::Medication(m) => {
                if m.prn {
                    seen.insert("prn");
                }
                if meds::is_frid(&m.atc) {
                    seen.insert("frid");
                }
                assert!(
                    caretrail_core::codes::ATC.iter().any(|(c, _)| *c == m.atc),
                    "{}",
                    m.atc
                );
            }
            EntryData::Condition(c) => {
                assert!(caretrail_core::codes::snomed(&c.code).is_some());
            }
            EntryData::Incident(i) if i.incident_type == IncidentType::Fall => {
                seen.insert("fall");
            }
            EntryData::Questionnaire(q) => {
                seen.insert(match q.instrument {
                    QuestionnaireInstrument::Ors => "ors",
                    QuestionnaireInstrument::Srs => "srs",
                    QuestionnaireInstrument::Soc13 => "soc13",
                });
            }
            EntryData::Consent(set) => {
                for c in set.directives.iter() {
                    if c.directive == ConsentDirective::Deny {
                        seen.insert("deny");
                        if c.category.is_some() {
                            seen.insert("deny with category");
                        }
                    }
                }
            }
            EntryData::Visit(v) if v.missed => {
                seen.insert("missed visit");
            }
            _ => {}
        }
    }
    for want in [
        "news2 full set",
        "spo2 scale 2",
        "news2 red parameter",
        "full set with soft signs",
        "soft signs alone",
        "weight",
        "morse",
        "impaired gait",
        "care act",
        "review",
        "prn",
        "frid",
        "fall",
        "ors",
        "srs",
        "soc13",
        "deny",
        "deny with category",
        "missed visit",
    ] {
        assert!(seen.contains(want), "no {want} in the data");
    }
    assert!(
        medication_duplicates(pop) > 0,
        "no overlapping duplicate therapy"
    );
}

/// Pairs of non-prn medicines of one person in the same ATC class whose latest versions overlap
/// by more than a week.
fn medication_duplicates(pop: &Population) -> usize {
    let latest = latest_medicines(pop, None);
    let mut n = 0;
    for meds in latest.values() {
        for (i, a) in meds.iter().enumerate() {
            for b in &meds[i + 1..] {
                if a.prn || b.prn || a.atc[..5] != b.atc[..5] {
                    continue;
                }
                let from = a.start.max(b.start);
                let to = match (a.end, b.end) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                if to.is_none_or(|to| from.until(to).unwrap().get_days() > 7) {
                    n += 1;
                }
            }
        }
    }
    n
}

/// Each person's medicines, each at its latest version recorded before `before` (all when None).
fn latest_medicines(
    pop: &Population,
    before: Option<Timestamp>,
) -> BTreeMap<PersonId, Vec<caretrail_core::data::Medication>> {
    let visible = |e: &&SynthEntry| before.is_none_or(|t| e.recorded_at < t);
    let superseded: BTreeSet<EntryId> = pop
        .entries
        .iter()
        .filter(visible)
        .filter(|e| e.kind() == EntryKind::Medication)
        .filter_map(|e| e.amends)
        .collect();
    let mut out: BTreeMap<PersonId, Vec<_>> = BTreeMap::new();
    for e in pop.entries.iter().filter(visible) {
        if let EntryData::Medication(m) = &e.data
            && !superseded.contains(&e.id)
        {
            out.entry(e.person).or_default().push(m.clone());
        }
    }
    out
}

/// Record-based falls risk factors at the middle of the window, and falls after it.
struct FallsView {
    risk_factors: BTreeMap<PersonId, u32>,
    fell_before: BTreeSet<PersonId>,
    falls_after: BTreeMap<PersonId, u32>,
}

fn falls_view(pop: &Population) -> FallsView {
    let (start, end) = window();
    let mid = Timestamp::from_second((start.as_second() + end.as_second()) / 2).unwrap();
    let mid_date = mid.to_zoned(jiff::tz::TimeZone::UTC).date();
    let meds = latest_medicines(pop, Some(mid));
    let mut cognitive = BTreeSet::new();
    let mut poor_gait = BTreeSet::new();
    let mut fell_before = BTreeSet::new();
    let mut falls_after: BTreeMap<PersonId, u32> = BTreeMap::new();
    for e in &pop.entries {
        match &e.data {
            EntryData::Condition(c)
                if e.recorded_at < mid
                    && ["52448006", "26929004", "386806002"].contains(&c.code.as_str()) =>
            {
                cognitive.insert(e.person);
            }
            EntryData::Assessment(a)
                if e.recorded_at < mid
                    && a.assessment_type == AssessmentType::Falls
                    && matches!(a.gait, Some(Gait::Weak | Gait::Impaired)) =>
            {
                poor_gait.insert(e.person);
            }
            EntryData::Incident(i)
                if i.incident_type == IncidentType::Fall && e.amends.is_none() =>
            {
                if e.effective_at < mid {
                    fell_before.insert(e.person);
                } else {
                    *falls_after.entry(e.person).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    let mut risk_factors = BTreeMap::new();
    for (id, profile) in &pop.people {
        let frid = meds.get(id).is_some_and(|ms| {
            ms.iter().any(|m| {
                meds::is_frid(&m.atc) && m.start <= mid_date && m.end.is_none_or(|e| mid_date < e)
            })
        });
        let n = u32::from(profile.age_on(DEFAULT_END) >= 80)
            + u32::from(frid)
            + u32::from(cognitive.contains(id))
            + u32::from(poor_gait.contains(id))
            + u32::from(fell_before.contains(id));
        risk_factors.insert(*id, n);
    }
    FallsView {
        risk_factors,
        fell_before,
        falls_after,
    }
}

#[test]
fn falls_are_clearly_more_frequent_with_three_or_more_risk_factors_than_with_none() {
    let pop = large();
    let v = falls_view(pop);
    let rate = |keep: &dyn Fn(u32) -> bool| {
        let group: Vec<PersonId> = v
            .risk_factors
            .iter()
            .filter(|(_, n)| keep(**n))
            .map(|(id, _)| *id)
            .collect();
        let falls: u32 = group
            .iter()
            .map(|id| v.falls_after.get(id).copied().unwrap_or(0))
            .sum();
        (group.len(), f64::from(falls) / group.len().max(1) as f64)
    };
    let (n_none, none) = rate(&|n| n == 0);
    let (n_many, many) = rate(&|n| n >= 3);
    assert!(
        n_none >= 100 && n_many >= 100,
        "groups too small: {n_none} / {n_many}"
    );
    assert!(
        many >= 2.5 * none && many - none >= 0.3,
        "falls per person in the second half: {many:.3} with ≥3 risk factors vs {none:.3} with none"
    );
}

#[test]
fn people_who_have_fallen_fall_more_often_afterwards() {
    let pop = large();
    let v = falls_view(pop);
    let share_falling = |fell: bool| {
        let group: Vec<&PersonId> = pop
            .people
            .iter()
            .map(|(id, _)| id)
            .filter(|id| v.fell_before.contains(*id) == fell)
            .collect();
        let again = group
            .iter()
            .filter(|id| v.falls_after.contains_key(**id))
            .count();
        (group.len(), again as f64 / group.len().max(1) as f64)
    };
    let (n_fell, fell) = share_falling(true);
    let (n_not, not) = share_falling(false);
    assert!(n_fell >= 100 && n_not >= 100, "{n_fell} / {n_not}");
    assert!(
        fell >= 1.5 * not,
        "share falling in the second half: {fell:.3} after a fall vs {not:.3} without"
    );
}

#[test]
fn ground_truth_matches_the_population() {
    let pop = hundred();
    assert_eq!(pop.truth.people.len(), pop.people.len());
    for (t, (id, _)) in pop.truth.people.iter().zip(&pop.people) {
        assert_eq!(t.person, *id);
        assert!((0.0..1.0).contains(&t.traits.frailty));
    }
    let (start, end) = window();
    let recorded_falls = pop
        .entries
        .iter()
        .filter(
            |e| matches!(&e.data, EntryData::Incident(i) if i.incident_type == IncidentType::Fall),
        )
        .count();
    let true_falls: usize = pop.truth.people.iter().map(|t| t.falls.len()).sum();
    assert!(
        recorded_falls <= true_falls + 5,
        "{recorded_falls} > {true_falls}"
    );
    for t in &pop.truth.people {
        assert!(t.falls.iter().all(|f| *f >= start && *f < end));
    }
    assert!(!pop.truth.irregular_claims.is_empty());
}
