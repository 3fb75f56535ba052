//! Phase 2 of a person: given the plan (`plan.rs`) and the staff, a day-by-day simulation over
//! the window that writes the person's entries and care relationships. Every probability and
//! coefficient comes from `model.rs`; this file applies them.
//!
//! Times are whole seconds from the start of the window (midnight UTC on the first day), so that
//! the simulation works in integers; `lib.rs` turns them into timestamps. Every practitioner entry
//! is written through [`Sim::write`], which picks its author among the users who hold an active
//! care relationship with the person, through the entry's organisation, at the entry's effective
//! time: the invariant the access layer relies on holds by construction.

use std::collections::BTreeMap;

use caretrail_core::codes;
use caretrail_core::data::{
    Acvpu, AmbulatoryAid, Assessment, AssessmentType, CareActOutcome, CarePlan, CaseNote, Claim,
    Condition, ConditionStatus, Consent, ConsentCategory, ConsentDirective, ConsentSet,
    Eligibility, Gait, Incident, IncidentType, InjurySeverity, Medication, MentalStatus,
    Observation, OutcomeStatus, Questionnaire, QuestionnaireInstrument, SoftSign, Visit,
};
use caretrail_core::{
    EntryData, EntryId, OrganisationId, RelationshipId, RelationshipKind, Role, UserId,
};
use jiff::civil::Date;
use jiff::{Span, Timestamp};

use crate::ClaimIrregularity;
use crate::meds;
use crate::model::{self, NeedsLevel};
use crate::plan::{Pathway, PersonPlan};
use crate::rng::{Prng, chance, distinct, int, normal, pick, uniform, unit, weighted};
use crate::text::{self, Voice};

pub(crate) const MIN: i64 = 60;
pub(crate) const HOUR: i64 = 3600;
pub(crate) const DAY: i64 = 86_400;

/// The four organisations of the population.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Orgs {
    pub council: OrganisationId,
    pub provider: OrganisationId,
    pub gp: OrganisationId,
    pub hospital: OrganisationId,
}

/// Practitioner pools, by organisation and role.
#[derive(Debug, Clone)]
pub(crate) struct Staff {
    pub social_workers: Vec<UserId>,
    pub care_workers: Vec<UserId>,
    pub provider_nurses: Vec<UserId>,
    pub provider_manager: UserId,
    pub gps: Vec<UserId>,
    pub hospital_nurses: Vec<UserId>,
}

/// What every person's simulation shares.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub orgs: Orgs,
    pub staff: &'a Staff,
    pub start: Date,
    pub n_days: i64,
    /// Seconds from the Unix epoch to the start of the window.
    pub start_unix: i64,
}

impl Ctx<'_> {
    /// The calendar date of day `day` of the window (negative before it).
    pub fn date(&self, day: i64) -> Date {
        // Invariant: the spec's end date was validated to lie far inside jiff's range, and days
        // used here stay within a few decades of it.
        self.start
            .checked_add(Span::new().days(day))
            .expect("dates stay inside the validated range")
    }

    /// Monday = 0.
    fn weekday(&self, day: i64) -> i64 {
        (i64::from(self.start.weekday().to_monday_zero_offset()) + day).rem_euclid(7)
    }

    pub fn timestamp(&self, t: i64) -> Timestamp {
        // Invariant: as for `date`, every time is within the validated range.
        Timestamp::from_second(self.start_unix + t).expect("times stay inside the validated range")
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation

#[derive(Debug, Clone)]
pub(crate) struct SimRel {
    pub id: RelationshipId,
    pub user: UserId,
    pub role: Role,
    pub org: OrganisationId,
    pub kind: RelationshipKind,
    pub from: i64,
    pub to: Option<i64>,
}

impl SimRel {
    fn active(&self, t: i64) -> bool {
        self.from <= t && self.to.is_none_or(|to| t < to)
    }
}

/// An entry before its times become timestamps.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub id: EntryId,
    pub org: OrganisationId,
    pub author: UserId,
    pub eff: i64,
    pub rec: i64,
    pub amends: Option<EntryId>,
    pub data: EntryData,
}

/// What one person's simulation returns.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub drafts: Vec<Draft>,
    pub rels: Vec<SimRel>,
    pub falls: Vec<i64>,
    pub falls_before_window: u32,
    pub died_at: Option<i64>,
    pub irregular: Vec<(EntryId, ClaimIrregularity)>,
}

/// Who writes an entry: an organisation and a role, resolved to a user through relationships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    CareWorker,
    ProviderNurse,
    ProviderManager,
    SocialWorker,
    Gp,
    HospitalNurse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EpisodeKind {
    Uti,
    Chest,
    Dehydration,
    Delirium,
}

impl EpisodeKind {
    fn key(self) -> &'static str {
        match self {
            EpisodeKind::Uti => "uti",
            EpisodeKind::Chest => "chest",
            EpisodeKind::Dehydration => "dehydration",
            EpisodeKind::Delirium => "delirium",
        }
    }

    fn soft_signs(self) -> &'static [SoftSign] {
        match self {
            EpisodeKind::Uti => &[
                SoftSign::NewConfusion,
                SoftSign::ReducedUrine,
                SoftSign::NewIncontinence,
                SoftSign::NotThemselves,
            ],
            EpisodeKind::Chest => &[
                SoftSign::NewCough,
                SoftSign::BreathingChange,
                SoftSign::NotThemselves,
                SoftSign::ReducedEatingDrinking,
            ],
            EpisodeKind::Dehydration => &[
                SoftSign::ReducedEatingDrinking,
                SoftSign::Drowsiness,
                SoftSign::ReducedUrine,
                SoftSign::VomitingDiarrhoea,
            ],
            EpisodeKind::Delirium => &[
                SoftSign::NewConfusion,
                SoftSign::Agitation,
                SoftSign::Drowsiness,
                SoftSign::NotThemselves,
            ],
        }
    }

    fn condition(self) -> Option<&'static str> {
        match self {
            EpisodeKind::Uti => Some(model::UTI),
            EpisodeKind::Dehydration => Some(model::DEHYDRATION),
            EpisodeKind::Delirium => Some(model::DELIRIUM),
            EpisodeKind::Chest => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Episode {
    kind: EpisodeKind,
    /// 1 mild, 2 moderate, 3 severe.
    severity: usize,
    end_day: i64,
}

/// What a full set of observations should show.
#[derive(Debug, Clone, Default)]
struct ObsSpec {
    /// 0 well, 1 mild, 2 moderate, 3 severe.
    severity: usize,
    kind: Option<EpisodeKind>,
    soft: Vec<SoftSign>,
    weight: bool,
    hospital: bool,
}

/// Where and why a Morse assessment is done (it sets the summary and the IV item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MorseSetting {
    Routine,
    AfterFall,
    Admission,
}

/// Why someone is admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdmitReason {
    Fall,
    Episode(EpisodeKind),
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Admission {
    admit: i64,
    discharge: i64,
}

#[derive(Debug, Clone)]
struct Package {
    /// First second at which visits happen.
    start: i64,
    visits_per_week: u8,
    minutes: u16,
    tasks: Vec<&'static str>,
}

/// A medicine as the record knows it.
#[derive(Debug, Clone)]
struct Med {
    data: Medication,
    start_day: i64,
    end_day: Option<i64>,
    entry: EntryId,
    rec: i64,
    amended: bool,
}

#[derive(Debug, Clone)]
struct Cond {
    code: &'static str,
    entry: EntryId,
    rec: i64,
    data: Condition,
    resolved: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Referral {
    Planned,
    Reablement,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Task {
    Referral(Referral),
    NeedsAssessment(Referral),
    StartPackage {
        visits_per_week: u8,
        minutes: u16,
        reablement: bool,
    },
    EndReablement,
    CloseCase,
    FallsAssessment(MorseSetting),
    MedReviewAfterFall,
    SocialWorkerFallNote,
    ResolveCondition(usize),
    EpisodeFollowUp(usize),
    PostDischargeReview {
        fracture: bool,
    },
    StopDuplicate(usize),
}

#[derive(Debug, Clone, Copy)]
struct Course {
    next_day: i64,
    left: u32,
    level: f64,
    trend: f64,
}

#[derive(Debug, Clone, Copy)]
struct Baseline {
    rr: f64,
    spo2: f64,
    scale2: bool,
    sbp: f64,
    pulse: f64,
    temp: f64,
}

pub(crate) struct Sim<'a> {
    cx: &'a Ctx<'a>,
    plan: &'a PersonPlan,
    rng: Prng,
    voice: Voice,
    citizen: Option<UserId>,
    frailty: f64,
    gait: Gait,
    aid: AmbulatoryAid,
    cognitive: bool,
    out: Vec<Draft>,
    rels: Vec<SimRel>,
    meds: Vec<Med>,
    conds: Vec<Cond>,
    falls: Vec<i64>,
    recorded_falls: Vec<i64>,
    package: Option<Package>,
    sw_open: bool,
    referred: bool,
    admission: Option<Admission>,
    recent_discharge_until: i64,
    episode: Option<Episode>,
    dead_at: Option<i64>,
    tasks: Vec<(i64, Task)>,
    next_nurse_obs: i64,
    next_morse: i64,
    last_weight_day: i64,
    next_sw_contact: i64,
    next_review: i64,
    next_gp_review: i64,
    fit: Option<Course>,
    soc: Option<Course>,
    fit_started: bool,
    baseline: Baseline,
    weight: f64,
    irregular: Vec<(EntryId, ClaimIrregularity)>,
    switch_day: Option<i64>,
}

const NEVER: i64 = i64::MAX;

pub(crate) fn simulate(
    cx: &Ctx<'_>,
    plan: &PersonPlan,
    rng: Prng,
    citizen: Option<UserId>,
) -> Outcome {
    let mut sim = Sim::new(cx, plan, rng, citizen);
    sim.run();
    sim.finish()
}

impl<'a> Sim<'a> {
    fn new(cx: &'a Ctx<'a>, plan: &'a PersonPlan, mut rng: Prng, citizen: Option<UserId>) -> Self {
        let voice = Voice {
            name: format!("{} {}", plan.title, plan.profile.family_name),
            female: plan.female,
            rel: plan.rel,
        };
        let copd = plan.conditions.contains(&model::COPD);
        let scale2 = copd && chance(&mut rng, 0.3);
        let baseline = Baseline {
            rr: uniform(&mut rng, 14.0, 18.5),
            spo2: if scale2 {
                uniform(&mut rng, 88.5, 92.0)
            } else if copd {
                uniform(&mut rng, 93.5, 96.5)
            } else {
                uniform(&mut rng, 95.5, 98.5)
            },
            scale2,
            sbp: (138.0 + 15.0 * normal(&mut rng)).clamp(100.0, 185.0),
            pulse: (76.0 + 9.0 * normal(&mut rng)).clamp(55.0, 100.0),
            temp: (36.7 + 0.2 * normal(&mut rng)).clamp(36.1, 37.3),
        };
        let weight =
            (if plan.female { 64.0 } else { 76.0 } + 12.0 * normal(&mut rng)).clamp(38.0, 140.0);
        Sim {
            cx,
            plan,
            rng,
            voice,
            citizen,
            frailty: plan.traits.frailty,
            gait: plan.traits.gait,
            aid: plan.traits.ambulatory_aid,
            cognitive: plan.traits.cognitive_impairment,
            out: Vec::new(),
            rels: Vec::new(),
            meds: Vec::new(),
            conds: Vec::new(),
            falls: Vec::new(),
            recorded_falls: Vec::new(),
            package: None,
            sw_open: false,
            referred: false,
            admission: None,
            recent_discharge_until: i64::MIN,
            episode: None,
            dead_at: None,
            tasks: Vec::new(),
            next_nurse_obs: NEVER,
            next_morse: NEVER,
            last_weight_day: -NEVER / 2,
            next_sw_contact: NEVER,
            next_review: NEVER,
            next_gp_review: NEVER,
            fit: None,
            soc: None,
            fit_started: false,
            baseline,
            weight,
            irregular: Vec::new(),
            switch_day: None,
        }
    }

    fn finish(self) -> Outcome {
        let falls_before_window =
            u32::try_from(self.falls.iter().filter(|t| **t < 0).count()).unwrap_or(u32::MAX);
        Outcome {
            drafts: self.out,
            rels: self.rels,
            falls: self.falls.into_iter().filter(|t| *t >= 0).collect(),
            falls_before_window,
            died_at: self.dead_at,
            irregular: self.irregular,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Plumbing

    fn age_on_day(&self, day: i64) -> f64 {
        f64::from(self.plan.age_at_end) - (self.cx.n_days - day) as f64 / 365.25
    }

    fn org_role(&self, who: Who) -> (OrganisationId, Role) {
        let o = self.cx.orgs;
        match who {
            Who::CareWorker => (o.provider, Role::CareWorker),
            Who::ProviderNurse => (o.provider, Role::Nurse),
            Who::ProviderManager => (o.provider, Role::Manager),
            Who::SocialWorker => (o.council, Role::SocialWorker),
            Who::Gp => (o.gp, Role::Gp),
            Who::HospitalNurse => (o.hospital, Role::Nurse),
        }
    }

    /// A user with an active relationship through `who`'s organisation and role at `t`.
    fn author(&mut self, who: Who, t: i64) -> Option<UserId> {
        let (org, role) = self.org_role(who);
        let candidates: Vec<UserId> = self
            .rels
            .iter()
            .filter(|r| r.org == org && r.role == role && r.active(t))
            .map(|r| r.user)
            .collect();
        if candidates.is_empty() {
            None
        } else {
            Some(*pick(&mut self.rng, &candidates))
        }
    }

    fn has_author(&self, who: Who, t: i64) -> bool {
        let (org, role) = self.org_role(who);
        self.rels
            .iter()
            .any(|r| r.org == org && r.role == role && r.active(t))
    }

    fn new_entry_id(&mut self) -> EntryId {
        EntryId::from_random_bytes(crate::rng::id_bytes(&mut self.rng))
    }

    fn emit(
        &mut self,
        org: OrganisationId,
        author: UserId,
        eff: i64,
        rec: i64,
        amends: Option<EntryId>,
        data: EntryData,
    ) -> EntryId {
        debug_assert!(rec >= eff, "recorded before effective");
        debug_assert!(data.validate().is_ok(), "invalid synthetic data: {data:?}");
        let id = self.new_entry_id();
        self.out.push(Draft {
            id,
            org,
            author,
            eff,
            rec,
            amends,
            data,
        });
        id
    }

    /// Writes an entry as `who`, if someone holds that relationship at `eff`.
    fn write(
        &mut self,
        who: Who,
        eff: i64,
        rec: i64,
        data: EntryData,
    ) -> Option<(EntryId, UserId)> {
        let author = self.author(who, eff)?;
        let (org, _) = self.org_role(who);
        Some((self.emit(org, author, eff, rec, None, data), author))
    }

    fn note(&mut self, who: Who, eff: i64, rec: i64, text: String) -> Option<EntryId> {
        let data = EntryData::CaseNote(CaseNote { text });
        let (id, author) = self.write(who, eff, rec, data.clone())?;
        // A few notes are corrected: a new entry that amends the first.
        if chance(&mut self.rng, 0.01)
            && let EntryData::CaseNote(n) = data
        {
            let (org, _) = self.org_role(who);
            let fixed = EntryData::CaseNote(CaseNote {
                text: format!(
                    "{} (Amended: the note was first saved with the wrong time of contact.)",
                    n.text
                ),
            });
            let later = rec + int(&mut self.rng, 10, 240) * MIN;
            self.emit(org, author, eff, later, Some(id), fixed);
        }
        Some(id)
    }

    fn add_rel(
        &mut self,
        who: Who,
        user: UserId,
        kind: RelationshipKind,
        from: i64,
        to: Option<i64>,
    ) {
        let (org, role) = self.org_role(who);
        let id = RelationshipId::from_random_bytes(crate::rng::id_bytes(&mut self.rng));
        self.rels.push(SimRel {
            id,
            user,
            role,
            org,
            kind,
            from,
            to,
        });
    }

    /// Ends every relationship matching `keep` at `t`; drops those that would only start later.
    fn close_rels(&mut self, t: i64, matches: impl Fn(&SimRel) -> bool) {
        self.rels.retain(|r| !(matches(r) && r.from >= t));
        for r in self.rels.iter_mut().filter(|r| matches(r)) {
            if r.to.is_none_or(|to| to > t) {
                r.to = Some(t);
            }
        }
    }

    fn in_hospital(&self, t: i64) -> bool {
        self.admission
            .is_some_and(|a| a.admit <= t && t < a.discharge)
    }

    fn alive(&self, t: i64) -> bool {
        self.dead_at.is_none_or(|d| t < d)
    }

    fn available(&self, t: i64) -> bool {
        self.alive(t) && !self.in_hospital(t)
    }

    fn has_package_at(&self, t: i64) -> bool {
        self.package.as_ref().is_some_and(|p| p.start <= t) && self.has_author(Who::CareWorker, t)
    }

    fn schedule(&mut self, day: i64, task: Task) {
        let duplicate = matches!(task, Task::FallsAssessment(_))
            && self
                .tasks
                .iter()
                .any(|(_, t)| matches!(t, Task::FallsAssessment(_)));
        if day < self.cx.n_days && !duplicate {
            self.tasks.push((day, task));
        }
    }

    fn frid_count(&self, day: i64) -> u32 {
        let n = self
            .meds
            .iter()
            .filter(|m| {
                m.start_day <= day
                    && m.end_day.is_none_or(|e| day < e)
                    && meds::is_frid(&m.data.atc)
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn has_condition(&self, code: &str) -> bool {
        self.plan.conditions.contains(&code)
            || self.conds.iter().any(|c| c.code == code && !c.resolved)
    }

    fn active_condition_count(&self) -> usize {
        self.conds
            .iter()
            .filter(|c| {
                !c.resolved
                    && codes::SNOMED
                        .iter()
                        .any(|(id, _, u)| *id == c.code && *u == codes::ConceptUse::Condition)
            })
            .count()
    }

    /// `t` if it falls in working hours (08:00–20:00), otherwise the next morning.
    fn daytime(&mut self, t: i64) -> i64 {
        let day = t.div_euclid(DAY);
        let second = t.rem_euclid(DAY);
        if second < 8 * HOUR {
            self.time_on(day, 8, 11)
        } else if second >= 20 * HOUR {
            self.time_on(day + 1, 8, 11)
        } else {
            t
        }
    }

    /// A time on `day` between the two hours given.
    fn time_on(&mut self, day: i64, from_hour: i64, to_hour: i64) -> i64 {
        day * DAY + int(&mut self.rng, from_hour * 60, to_hour * 60 - 1) * MIN
    }

    // -----------------------------------------------------------------------------------------
    // The run

    fn run(&mut self) {
        self.history_before_window();
        self.register_with_gp();
        self.onboard();
        match self.plan.pathway {
            Pathway::Existing => self.existing_package(),
            Pathway::Referral(day) => self.schedule(day, Task::Referral(Referral::Planned)),
            Pathway::GpOnly => {}
        }
        self.next_gp_review = int(&mut self.rng, 14, 364);
        if chance(&mut self.rng, 0.12) {
            self.switch_day = Some(int(&mut self.rng, 30, self.cx.n_days - 30));
        }
        if self.plan.soc && self.citizen.is_some() {
            self.soc = Some(Course {
                next_day: int(&mut self.rng, 10, 200),
                left: u32::try_from(int(&mut self.rng, 2, 3)).unwrap_or(2),
                level: uniform(&mut self.rng, 3.0, 6.0),
                trend: 0.0,
            });
        }
        for day in 0..self.cx.n_days {
            if self.dead_at.is_some() {
                break;
            }
            self.day(day);
        }
        if let Some(dead) = self.dead_at {
            let until = dead + 2 * DAY;
            self.close_rels(until, |_| true);
        }
    }

    /// A year of falls before the window, with the same hazard, so "previous fall" is defined.
    fn history_before_window(&mut self) {
        for m in &self.plan.medicines {
            let start_day = -meds::days_on_before_window(&mut self.rng);
            let data = Medication {
                atc: m.atc.to_owned(),
                dose: meds::dose(m.atc, m.prn),
                start: self.cx.date(start_day),
                end: None,
                prn: m.prn,
            };
            // Recorded at onboarding; the entry id is filled in there.
            self.meds.push(Med {
                data,
                start_day,
                end_day: None,
                entry: EntryId::from_bytes([0; 16]),
                rec: 0,
                amended: false,
            });
        }
        for day in -365..0 {
            let p =
                model::monthly_to_daily(model::monthly_fall_probability(&self.fall_inputs(day)));
            if chance(&mut self.rng, p) {
                let t = self.time_on(day, 6, 23);
                self.falls.push(t);
            }
        }
    }

    fn fall_inputs(&self, day: i64) -> model::FallRiskInputs {
        let since = day * DAY - 365 * DAY;
        let recent = self
            .falls
            .iter()
            .filter(|t| **t >= since && **t < day * DAY)
            .count();
        model::FallRiskInputs {
            age: self.age_on_day(day),
            falls_last_12_months: u32::try_from(recent).unwrap_or(u32::MAX),
            frid_count: self.frid_count(day),
            cognitive_impairment: self.cognitive,
            gait: self.gait,
            frailty: self.frailty,
            acute_illness: self.episode.is_some(),
            recently_discharged: day * DAY < self.recent_discharge_until,
            lives_alone: self.plan.traits.lives_alone,
        }
    }

    fn register_with_gp(&mut self) {
        let gps = &self.cx.staff.gps;
        let gp = *pick(&mut self.rng, gps);
        let from = -int(&mut self.rng, 365, 7300) * DAY;
        if gps.len() > 1 && chance(&mut self.rng, 0.06) {
            let change = int(&mut self.rng, 30, self.cx.n_days - 30) * DAY;
            let mut other = *pick(&mut self.rng, gps);
            while other == gp {
                other = *pick(&mut self.rng, gps);
            }
            self.add_rel(
                Who::Gp,
                gp,
                RelationshipKind::RegisteredGp,
                from,
                Some(change),
            );
            self.add_rel(Who::Gp, other, RelationshipKind::RegisteredGp, change, None);
        } else {
            self.add_rel(Who::Gp, gp, RelationshipKind::RegisteredGp, from, None);
        }
    }

    /// Day 0: the GP shares the problem list and medicines into the new shared record.
    fn onboard(&mut self) {
        let mut t = self.time_on(0, 7, 9);
        let codes_now: Vec<&'static str> = self.plan.conditions.clone();
        let mut all = codes_now;
        let before = self.falls.iter().filter(|f| **f < 0).count();
        if before >= 1 {
            all.push(model::FALLS_FINDING);
        }
        if before >= 2 {
            all.push(model::RECURRENT_FALLS);
        }
        if self.age_on_day(0) >= 75.0 && chance(&mut self.rng, 0.03) {
            all.push(model::HISTORY_OF_HIP_FRACTURE);
        }
        for code in all {
            let years = int(&mut self.rng, 0, 15);
            let onset = if matches!(code, model::FALLS_FINDING | model::RECURRENT_FALLS) {
                self.falls
                    .iter()
                    .find(|f| **f < 0)
                    .map(|f| self.cx.date(f.div_euclid(DAY)))
            } else if chance(&mut self.rng, 0.8) {
                Some(self.cx.date(-(years * 365 + int(&mut self.rng, 30, 364))))
            } else {
                None
            };
            t += int(&mut self.rng, 1, 3) * MIN;
            self.record_condition(Who::Gp, t, t, code, onset, None);
        }
        for i in 0..self.meds.len() {
            t += int(&mut self.rng, 1, 3) * MIN;
            let data = EntryData::Medication(self.meds[i].data.clone());
            if let Some((id, _)) = self.write(Who::Gp, t, t, data) {
                let m = &mut self.meds[i];
                m.entry = id;
                m.rec = t;
            }
        }
        // Only medicines that reached the record take part in amendments.
        self.meds
            .retain(|m| m.entry != EntryId::from_bytes([0; 16]));
        let consent_day = int(&mut self.rng, 0, 20);
        self.schedule_consent(consent_day);
    }

    fn record_condition(
        &mut self,
        who: Who,
        eff: i64,
        rec: i64,
        code: &'static str,
        onset: Option<Date>,
        note: Option<String>,
    ) -> Option<usize> {
        let data = Condition {
            code: code.to_owned(),
            status: ConditionStatus::Active,
            onset,
            note,
        };
        let (id, _) = self.write(who, eff, rec, EntryData::Condition(data.clone()))?;
        self.conds.push(Cond {
            code,
            entry: id,
            rec,
            data,
            resolved: false,
        });
        Some(self.conds.len() - 1)
    }

    fn schedule_consent(&mut self, day: i64) {
        let permit = chance(&mut self.rng, 0.4);
        let deny = chance(&mut self.rng, 0.06);
        if !permit && !deny {
            return;
        }
        let t = self.time_on(day, 9, 17);
        let orgs = self.cx.orgs;
        let data = if deny {
            let (org, category) = match weighted(&mut self.rng, &[0.6, 0.25, 0.15]) {
                0 => (
                    orgs.hospital,
                    chance(&mut self.rng, 0.5).then_some(ConsentCategory::MentalHealth),
                ),
                1 => (
                    orgs.provider,
                    Some(if chance(&mut self.rng, 0.5) {
                        ConsentCategory::MentalHealth
                    } else {
                        ConsentCategory::SexualHealth
                    }),
                ),
                _ => (orgs.gp, Some(ConsentCategory::Safeguarding)),
            };
            Consent {
                directive: ConsentDirective::Deny,
                organisation: Some(org),
                category,
                note: Some(pick(&mut self.rng, text::CONSENT_DENY_NOTES).to_string()),
            }
        } else {
            Consent {
                directive: ConsentDirective::Permit,
                organisation: None,
                category: None,
                note: Some(pick(&mut self.rng, text::CONSENT_PERMIT_NOTES).to_string()),
            }
        };
        // One consent entry per person, so the set it replaces is always empty.
        let set = |basis| {
            EntryData::Consent(ConsentSet {
                directives: vec![data.clone()],
                basis,
            })
        };
        // A practitioner recording it does so on the person's instruction, and says so.
        let on_instruction = || {
            Some(caretrail_core::data::ConsentBasis {
                kind: caretrail_core::data::ConsentBasisKind::PersonsInstruction,
                note: "Recorded at the person's request during a visit.".into(),
            })
        };
        let rec = t + int(&mut self.rng, 1, 30) * MIN;
        if let Some(citizen) = self.citizen {
            self.emit(orgs.council, citizen, t, rec, None, set(None));
        } else if self.has_author(Who::SocialWorker, t) {
            self.write(Who::SocialWorker, t, rec, set(on_instruction()));
        } else {
            self.write(Who::Gp, t, rec, set(on_instruction()));
        }
    }

    fn allocate_social_worker(&mut self, from: i64) {
        let sws = &self.cx.staff.social_workers;
        let sw = *pick(&mut self.rng, sws);
        if sws.len() > 1 && chance(&mut self.rng, 0.25) {
            let first_day = (from.div_euclid(DAY) + 30).max(1);
            if first_day < self.cx.n_days - 10 {
                let change = int(&mut self.rng, first_day, self.cx.n_days - 10) * DAY + 9 * HOUR;
                let mut other = *pick(&mut self.rng, sws);
                while other == sw {
                    other = *pick(&mut self.rng, sws);
                }
                self.add_rel(
                    Who::SocialWorker,
                    sw,
                    RelationshipKind::AllocatedWorker,
                    from,
                    Some(change),
                );
                self.add_rel(
                    Who::SocialWorker,
                    other,
                    RelationshipKind::AllocatedWorker,
                    change,
                    None,
                );
            } else {
                self.add_rel(
                    Who::SocialWorker,
                    sw,
                    RelationshipKind::AllocatedWorker,
                    from,
                    None,
                );
            }
        } else {
            self.add_rel(
                Who::SocialWorker,
                sw,
                RelationshipKind::AllocatedWorker,
                from,
                None,
            );
        }
        self.sw_open = true;
        let today = from.div_euclid(DAY).max(0);
        self.next_sw_contact = today + int(&mut self.rng, 20, 60);
        if self.plan.fit && !self.fit_started {
            self.fit_started = true;
            self.fit = Some(Course {
                next_day: today + int(&mut self.rng, 14, 120),
                left: u32::try_from(int(&mut self.rng, 4, 10)).unwrap_or(4),
                level: (19.0 + 5.0 * normal(&mut self.rng)).clamp(6.0, 32.0),
                trend: if chance(&mut self.rng, 0.7) {
                    uniform(&mut self.rng, 0.8, 2.5)
                } else {
                    uniform(&mut self.rng, -1.2, 0.4)
                },
            });
        }
        if self.plan.soc && self.soc.is_none() {
            self.soc = Some(Course {
                next_day: today + int(&mut self.rng, 10, 200),
                left: u32::try_from(int(&mut self.rng, 2, 3)).unwrap_or(2),
                level: uniform(&mut self.rng, 3.0, 6.0),
                trend: 0.0,
            });
        }
    }

    /// Care workers (two to four), a nurse and the provider's manager join the care team at `from`.
    fn form_care_team(&mut self, from: i64) {
        let staff = self.cx.staff;
        let n = usize::try_from(int(&mut self.rng, 2, 4)).unwrap_or(3);
        let chosen = distinct(&mut self.rng, staff.care_workers.len(), n);
        for i in chosen {
            let cw = staff.care_workers[i];
            // Staff turnover: some care workers leave the team and are replaced.
            let first = (from.div_euclid(DAY) + 14).max(1);
            if chance(&mut self.rng, 0.3) && first < self.cx.n_days - 7 {
                let change = int(&mut self.rng, first, self.cx.n_days - 7) * DAY + 6 * HOUR;
                let other = *pick(&mut self.rng, &staff.care_workers);
                self.add_rel(
                    Who::CareWorker,
                    cw,
                    RelationshipKind::CareTeam,
                    from,
                    Some(change),
                );
                self.add_rel(
                    Who::CareWorker,
                    other,
                    RelationshipKind::CareTeam,
                    change,
                    None,
                );
            } else {
                self.add_rel(Who::CareWorker, cw, RelationshipKind::CareTeam, from, None);
            }
        }
        let nurse = *pick(&mut self.rng, &staff.provider_nurses);
        self.add_rel(
            Who::ProviderNurse,
            nurse,
            RelationshipKind::CareTeam,
            from,
            None,
        );
        self.add_rel(
            Who::ProviderManager,
            staff.provider_manager,
            RelationshipKind::CareTeam,
            from,
            None,
        );
    }

    fn end_care_team(&mut self, t: i64) {
        let provider = self.cx.orgs.provider;
        self.close_rels(t, |r| r.org == provider);
        self.package = None;
        self.next_nurse_obs = NEVER;
        self.next_morse = NEVER;
    }

    fn existing_package(&mut self) {
        let from = -int(&mut self.rng, 60, 900) * DAY;
        self.allocate_social_worker(from);
        let team_from = -int(&mut self.rng, 30, 700) * DAY;
        self.form_care_team(team_from.max(from));
        // Reassessment when the package moves onto the shared record.
        let t = self.time_on(0, 9, 11);
        self.needs_assessment(t, true);
        let (vpw, minutes) = self.package_size();
        let t_plan = self.time_on(0, 12, 15);
        self.start_package(t_plan, vpw, minutes, false);
        self.next_review = int(&mut self.rng, 120, 364);
    }

    fn package_size(&mut self) -> (u8, u16) {
        let needs = self.plan.traits.needs.max(NeedsLevel::Low);
        let table = model::VISITS_PER_WEEK
            .iter()
            .find(|(n, _)| *n == needs)
            .map_or(&[(3u8, 1.0)][..], |(_, t)| *t);
        let w: Vec<f64> = table.iter().map(|r| r.1).collect();
        let vpw = table[weighted(&mut self.rng, &w)].0;
        let minutes = match needs {
            NeedsLevel::None | NeedsLevel::Low => 30,
            NeedsLevel::Moderate => *pick(&mut self.rng, &[30, 30, 45]),
            NeedsLevel::High => *pick(&mut self.rng, &[30, 45, 45, 60]),
        };
        (vpw, minutes)
    }

    fn package_tasks(&mut self) -> Vec<&'static str> {
        let mut tasks = vec![*pick(&mut self.rng, text::VISIT_TASKS_BASIC)];
        if self.plan.traits.needs >= NeedsLevel::Moderate {
            for i in distinct(&mut self.rng, text::VISIT_TASKS_PERSONAL.len(), 2) {
                tasks.push(text::VISIT_TASKS_PERSONAL[i]);
            }
        }
        if chance(&mut self.rng, 0.6) {
            tasks.push(*pick(&mut self.rng, text::VISIT_TASKS_HOME));
        }
        tasks.push(text::VISIT_TASKS_BASIC[0]);
        tasks.dedup();
        let mut seen = Vec::new();
        tasks.retain(|t| {
            let new = !seen.contains(t);
            seen.push(*t);
            new
        });
        tasks
    }

    /// Writes the care plan at `t` and starts visits the next morning.
    fn start_package(&mut self, t: i64, visits_per_week: u8, minutes: u16, reablement: bool) {
        let tasks = self.package_tasks();
        self.write_care_plan(t, visits_per_week, minutes, &tasks, reablement);
        let day = t.div_euclid(DAY);
        let start = (day + 1) * DAY;
        self.package = Some(Package {
            start,
            visits_per_week,
            minutes,
            tasks,
        });
        self.next_morse = day + int(&mut self.rng, 2, 14);
        self.next_nurse_obs = day + int(&mut self.rng, 3, 28);
    }

    fn write_care_plan(
        &mut self,
        t: i64,
        visits_per_week: u8,
        minutes: u16,
        tasks: &[&'static str],
        reablement: bool,
    ) {
        let n_goals = usize::try_from(int(&mut self.rng, 2, 4)).unwrap_or(2);
        let goals: Vec<String> = distinct(&mut self.rng, text::CARE_PLAN_GOALS.len(), n_goals)
            .into_iter()
            .map(|i| text::CARE_PLAN_GOALS[i].to_owned())
            .collect();
        let summary = if visits_per_week == 0 {
            "Reablement completed. No ongoing home care is needed; the person knows how to ask for help again.".to_owned()
        } else {
            format!(
                "{}Home care {} times a week, {} minutes a call: {}.",
                if reablement {
                    "Six weeks of reablement. "
                } else {
                    ""
                },
                visits_per_week,
                minutes,
                tasks.join(", ")
            )
        };
        let day = t.div_euclid(DAY);
        let review_on = Some(self.cx.date(day + if reablement { 42 } else { 365 }));
        let data = CarePlan {
            summary,
            goals,
            visits_per_week,
            minutes_per_visit: minutes,
            review_on,
        };
        let rec = t + int(&mut self.rng, 15, 90) * MIN;
        if let Some((id, author)) =
            self.write(Who::SocialWorker, t, rec, EntryData::CarePlan(data.clone()))
            && chance(&mut self.rng, 0.04)
            && visits_per_week > 0
        {
            // The minutes were keyed wrongly; the corrected plan amends the first.
            let fixed = CarePlan {
                minutes_per_visit: minutes + 15,
                ..data
            };
            if let Some(p) = self.package.as_mut() {
                p.minutes = fixed.minutes_per_visit;
            }
            let later = rec + int(&mut self.rng, 1, 48) * HOUR;
            let council = self.cx.orgs.council;
            self.emit(
                council,
                author,
                t,
                later,
                Some(id),
                EntryData::CarePlan(fixed),
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // Assessments

    fn needs_assessment(&mut self, t: i64, eligible: bool) -> bool {
        let needs = self.plan.traits.needs;
        let (el, unable) = self.eligibility(needs, eligible);
        let mut summary = self.voice.pick(&mut self.rng, text::NEEDS_OPENERS);
        summary.push(' ');
        summary.push_str(&self.needs_sentence(&unable));
        summary.push_str(if eligible {
            " The eligibility criteria are met and a package of care will be arranged."
        } else {
            " The eligibility criteria are not met at present."
        });
        let data = Assessment {
            assessment_type: AssessmentType::Needs,
            summary: Some(summary),
            history_of_falling: None,
            secondary_diagnosis: None,
            ambulatory_aid: None,
            iv_or_heparin_lock: None,
            gait: None,
            mental_status: None,
            eligibility: Some(el),
        };
        let rec = t + int(&mut self.rng, 30, 240) * MIN;
        if let Some((id, author)) = self.write(
            Who::SocialWorker,
            t,
            rec,
            EntryData::Assessment(data.clone()),
        ) && chance(&mut self.rng, 0.05)
        {
            // A finding is corrected after a call with the family.
            let mut fixed = data;
            if let Some(el) = fixed.eligibility.as_mut() {
                el.outcomes.insert(
                    CareActOutcome::HabitableHome,
                    OutcomeStatus::SignificantlyLonger,
                );
            }
            let later = rec + int(&mut self.rng, 2, 72) * HOUR;
            let council = self.cx.orgs.council;
            self.emit(
                council,
                author,
                t,
                later,
                Some(id),
                EntryData::Assessment(fixed),
            );
        }
        eligible
    }

    fn needs_sentence(&self, unable: &[CareActOutcome]) -> String {
        let phrase = |o: &CareActOutcome| match o {
            CareActOutcome::Nutrition => "preparing meals and eating well",
            CareActOutcome::PersonalHygiene => "washing",
            CareActOutcome::ToiletNeeds => "getting to the toilet in time",
            CareActOutcome::BeingClothed => "getting dressed",
            CareActOutcome::HomeSafely => "moving around the home safely",
            CareActOutcome::HabitableHome => "keeping the home clean and warm",
            CareActOutcome::Relationships => "keeping in touch with family and friends",
            CareActOutcome::WorkTrainingEducationVolunteering => "volunteering or learning",
            CareActOutcome::CommunityFacilities => "getting to the shops and the surgery",
            CareActOutcome::CaringForChild => "caring for a child",
        };
        let pron = if self.plan.female { "She" } else { "He" };
        match unable {
            [] => format!("{pron} manages daily living with occasional help from family."),
            [one] => format!("{pron} needs help with {}.", phrase(one)),
            [init @ .., last] => format!(
                "{pron} needs help with {} and {}.",
                init.iter().map(phrase).collect::<Vec<_>>().join(", "),
                phrase(last)
            ),
        }
    }

    /// Care Act findings (SI 2015/313 reg 2) consistent with `eligible`.
    fn eligibility(
        &mut self,
        needs: NeedsLevel,
        eligible: bool,
    ) -> (Eligibility, Vec<CareActOutcome>) {
        use CareActOutcome as O;
        use OutcomeStatus as S;
        let f = self.frailty;
        let cog = if self.cognitive { 1.0 } else { 0.0 };
        let alone = if self.plan.traits.lives_alone {
            1.0
        } else {
            0.0
        };
        let gait = match self.gait {
            Gait::Normal => 0.0,
            Gait::Weak => 0.5,
            Gait::Impaired => 1.0,
        };
        let fell = if self.falls.is_empty() { 0.0 } else { 1.0 };
        let incont = if self.has_condition(model::INCONTINENCE) {
            1.0
        } else {
            0.0
        };
        let low_mood = if self.has_condition(model::DEPRESSION) {
            1.0
        } else {
            0.0
        };
        let age = self.age_on_day(0);
        let candidates = [
            (O::Nutrition, 0.3 * cog + 0.3 * f + 0.1 * alone),
            (O::PersonalHygiene, 0.6 * f + 0.3 * gait),
            (O::ToiletNeeds, 0.4 * incont + 0.2 * gait + 0.1 * cog),
            (O::BeingClothed, 0.5 * f + 0.1 * gait),
            (O::HomeSafely, 0.4 * gait + 0.3 * fell + 0.2 * cog),
            (O::HabitableHome, 0.4 * f + 0.2 * alone),
            (O::Relationships, 0.3 * alone + 0.3 * low_mood),
            (O::CommunityFacilities, 0.5 * gait + 0.1 * f),
        ];
        let k = if eligible {
            match needs {
                NeedsLevel::None | NeedsLevel::Low => int(&mut self.rng, 2, 3),
                NeedsLevel::Moderate => int(&mut self.rng, 2, 4),
                NeedsLevel::High => int(&mut self.rng, 4, 7),
            }
        } else {
            int(&mut self.rng, 0, 1)
        };
        let mut scored: Vec<(f64, CareActOutcome)> = candidates
            .iter()
            .map(|(o, w)| (w + 0.25 * unit(&mut self.rng), *o))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let unable: Vec<CareActOutcome> = scored
            .iter()
            .take(usize::try_from(k).unwrap_or(0))
            .map(|(_, o)| *o)
            .collect();
        let mut outcomes = BTreeMap::new();
        for o in [
            O::Nutrition,
            O::PersonalHygiene,
            O::ToiletNeeds,
            O::BeingClothed,
            O::HomeSafely,
            O::HabitableHome,
            O::Relationships,
            O::WorkTrainingEducationVolunteering,
            O::CommunityFacilities,
            O::CaringForChild,
        ] {
            let status = if unable.contains(&o) {
                let limbs: &[S] = match o {
                    O::HomeSafely => &[S::EndangersHealthSafety, S::WithoutAssistance],
                    O::Relationships => &[S::SignificantPainDistressAnxiety, S::WithoutAssistance],
                    O::PersonalHygiene | O::BeingClothed => &[
                        S::WithoutAssistance,
                        S::SignificantlyLonger,
                        S::SignificantPainDistressAnxiety,
                    ],
                    O::ToiletNeeds => &[S::WithoutAssistance, S::SignificantPainDistressAnxiety],
                    O::CommunityFacilities => &[S::WithoutAssistance, S::SignificantlyLonger],
                    _ => &[
                        S::WithoutAssistance,
                        S::EndangersHealthSafety,
                        S::SignificantlyLonger,
                    ],
                };
                *pick(&mut self.rng, limbs)
            } else {
                match o {
                    O::WorkTrainingEducationVolunteering if age >= 67.0 => S::NotApplicable,
                    O::CaringForChild => {
                        if age < 60.0 && chance(&mut self.rng, 0.2) {
                            S::Achieves
                        } else {
                            S::NotApplicable
                        }
                    }
                    _ => S::Achieves,
                }
            };
            outcomes.insert(o, status);
        }
        let wellbeing = if eligible {
            true
        } else if unable.len() >= 2 {
            false
        } else {
            chance(&mut self.rng, 0.4)
        };
        (
            Eligibility {
                needs_from_impairment_or_illness: eligible
                    || !self.plan.conditions.is_empty()
                    || self.cognitive,
                outcomes,
                significant_impact_on_wellbeing: wellbeing,
            },
            unable,
        )
    }

    /// All six Morse Fall Scale items, as an assessor would find them at `t`.
    fn falls_assessment(&mut self, who: Who, t: i64, setting: MorseSetting) {
        let hospital = setting == MorseSetting::Admission;
        let recent = self.falls.iter().any(|f| *f <= t && *f >= t - 90 * DAY);
        let observed_gait = if chance(&mut self.rng, 0.1) {
            match self.gait {
                Gait::Normal => Gait::Weak,
                Gait::Weak => {
                    if chance(&mut self.rng, 0.5) {
                        Gait::Normal
                    } else {
                        Gait::Impaired
                    }
                }
                Gait::Impaired => Gait::Weak,
            }
        } else {
            self.gait
        };
        let forgets = if self.cognitive {
            chance(&mut self.rng, 0.85)
        } else {
            chance(&mut self.rng, 0.05)
        };
        let secondary = self.active_condition_count() >= 2;
        let aid = if chance(&mut self.rng, 0.05) {
            model::worse_aid(self.aid)
        } else {
            self.aid
        };
        let summary = if hospital {
            Some("Falls risk assessed on admission to the ward.".to_owned())
        } else if chance(&mut self.rng, 0.6) {
            let texts = if setting == MorseSetting::AfterFall {
                text::FALLS_ASSESSMENT_AFTER_FALL
            } else {
                text::FALLS_ASSESSMENT_SUMMARIES
            };
            Some(self.voice.pick(&mut self.rng, texts))
        } else {
            None
        };
        let data = Assessment {
            assessment_type: AssessmentType::Falls,
            summary,
            history_of_falling: Some(recent),
            secondary_diagnosis: Some(secondary),
            ambulatory_aid: Some(aid),
            iv_or_heparin_lock: Some(hospital && chance(&mut self.rng, 0.4)),
            gait: Some(observed_gait),
            mental_status: Some(if forgets {
                MentalStatus::ForgetsLimitations
            } else {
                MentalStatus::Oriented
            }),
            eligibility: None,
        };
        let rec = t + int(&mut self.rng, 10, 120) * MIN;
        self.write(who, t, rec, EntryData::Assessment(data));
    }

    fn review_assessment(&mut self, t: i64, openers: &[&str]) {
        let needs = self.plan.traits.needs;
        let with_findings = chance(&mut self.rng, 0.5);
        let (el, unable) = self.eligibility(needs, true);
        let mut summary = self.voice.pick(&mut self.rng, openers);
        summary.push(' ');
        summary.push_str(&self.needs_sentence(&unable));
        summary.push_str(" The package continues to meet assessed needs.");
        let data = Assessment {
            assessment_type: AssessmentType::Review,
            summary: Some(summary),
            history_of_falling: None,
            secondary_diagnosis: None,
            ambulatory_aid: None,
            iv_or_heparin_lock: None,
            gait: None,
            mental_status: None,
            eligibility: with_findings.then_some(el),
        };
        let rec = t + int(&mut self.rng, 30, 300) * MIN;
        self.write(Who::SocialWorker, t, rec, EntryData::Assessment(data));
    }

    // -----------------------------------------------------------------------------------------
    // Observations

    fn vitals(
        &mut self,
        severity: usize,
        kind: Option<EpisodeKind>,
        hospital: bool,
    ) -> Observation {
        let b = self.baseline;
        let s = severity.min(3);
        let chest = kind == Some(EpisodeKind::Chest);
        let dry = kind == Some(EpisodeKind::Dehydration);
        let delirium = kind == Some(EpisodeKind::Delirium);
        let r = &mut self.rng;
        let rr = b.rr + [0.0, 3.0, 6.0, 10.0][s] * if chest { 1.3 } else { 1.0 } + 1.3 * normal(r);
        let spo2 =
            b.spo2 - [0.0, 1.0, 3.0, 6.0][s] * if chest { 1.5 } else { 0.6 } + 0.8 * normal(r);
        let sbp = b.sbp - [0.0, 5.0, 18.0, 40.0][s] * if dry { 1.3 } else { 1.0 } + 9.0 * normal(r);
        let pulse = b.pulse + [0.0, 12.0, 25.0, 38.0][s] + 6.0 * normal(r);
        let temp = b.temp
            + [0.0, 0.7, 1.3, 1.9][s] * if dry || delirium { 0.3 } else { 1.0 }
            + 0.25 * normal(r);
        let p_confused = [0.0, 0.1, 0.35, 0.6][s] * if delirium { 1.6 } else { 1.0 };
        let consciousness = if chance(r, p_confused) {
            if s == 3 && chance(r, 0.15) {
                Acvpu::V
            } else {
                Acvpu::C
            }
        } else {
            Acvpu::A
        };
        let oxygen = hospital && s >= 2 && chance(r, 0.5);
        Observation {
            respiration_rate: Some(rr.round().clamp(6.0, 45.0) as u16),
            spo2: Some(spo2.round().clamp(70.0, 100.0) as u16),
            spo2_scale: Some(if b.scale2 { 2 } else { 1 }),
            supplemental_oxygen: Some(oxygen),
            systolic_bp: Some(sbp.round().clamp(60.0, 240.0) as u16),
            pulse: Some(pulse.round().clamp(35.0, 170.0) as u16),
            consciousness: Some(consciousness),
            temperature: Some(((temp * 10.0).round() / 10.0).clamp(34.0, 41.0)),
            soft_signs: Vec::new(),
            weight_kg: None,
        }
    }

    fn soft_signs(&mut self, pool: &[SoftSign], k: usize) -> Vec<SoftSign> {
        let mut s: Vec<SoftSign> = distinct(&mut self.rng, pool.len(), k)
            .into_iter()
            .map(|i| pool[i])
            .collect();
        s.sort();
        s
    }

    fn weigh(&mut self, day: i64) -> f64 {
        let years = (day - self.last_weight_day.max(-400)).max(0) as f64 / 365.25;
        self.weight = (self.weight - (0.3 + 1.5 * self.frailty) * years * 0.5).max(35.0);
        self.last_weight_day = day;
        ((self.weight + 0.4 * normal(&mut self.rng)) * 10.0).round() / 10.0
    }

    /// A full NEWS2 set (and sometimes weight), with a few keyed wrongly and then corrected.
    fn full_observation(&mut self, who: Who, t: i64, spec: ObsSpec) -> Option<EntryId> {
        let mut obs = self.vitals(spec.severity, spec.kind, spec.hospital);
        obs.soft_signs = spec.soft;
        if spec.weight {
            let day = t.div_euclid(DAY);
            obs.weight_kg = Some(self.weigh(day));
        }
        let rec = t + int(&mut self.rng, 2, 45) * MIN;
        let pulse = obs.pulse.unwrap_or(0);
        let swapped = (pulse % 10) * 10 + pulse / 10;
        if (10..100).contains(&pulse) && swapped != pulse && chance(&mut self.rng, 0.01) {
            // Digits transposed on entry, corrected by the same practitioner.
            let wrong = Observation {
                pulse: Some(swapped),
                ..obs.clone()
            };
            let (id, author) = self.write(who, t, rec, EntryData::Observation(wrong))?;
            let (org, _) = self.org_role(who);
            let later = rec + int(&mut self.rng, 10, 180) * MIN;
            self.emit(org, author, t, later, Some(id), EntryData::Observation(obs));
            return Some(id);
        }
        self.write(who, t, rec, EntryData::Observation(obs))
            .map(|(id, _)| id)
    }

    // -----------------------------------------------------------------------------------------
    // One day

    fn day(&mut self, d: i64) {
        self.frailty = (self.frailty + model::FRAILTY_DRIFT_PER_YEAR / 365.25).min(0.99);
        let day_start = d * DAY;
        if self.admission.is_some_and(|a| a.discharge <= day_start) {
            self.admission = None;
        }
        if self.in_hospital(day_start + 12 * HOUR) && self.in_hospital(day_start) {
            self.run_tasks(d);
            return;
        }
        if self.plan.cognitive_onset_day == Some(d) {
            self.cognitive_onset(d);
        }
        if self.episode.is_some_and(|e| e.end_day <= d) {
            self.episode = None;
        }
        if self.episode.is_none() && !self.in_hospital(day_start) {
            self.maybe_episode(d);
        }
        if !self.in_hospital(day_start + 12 * HOUR) {
            self.maybe_fall(d);
        }
        if self.dead_at.is_some() {
            return;
        }
        if !self.in_hospital(day_start + 12 * HOUR)
            && chance(&mut self.rng, model::OTHER_ADMISSIONS_PER_YEAR / 365.25)
        {
            let t = self.time_on(d, 9, 16);
            self.admit(t, AdmitReason::Other, 1, false);
        }
        self.visits(d);
        self.scheduled(d);
        self.run_tasks(d);
    }

    fn cognitive_onset(&mut self, d: i64) {
        self.cognitive = true;
        let t = self.time_on(d, 9, 17);
        let code = if chance(&mut self.rng, 0.6) {
            model::DEMENTIA
        } else {
            model::IMPAIRED_COGNITION
        };
        let onset = Some(self.cx.date(d - int(&mut self.rng, 30, 200)));
        let rec = t + int(&mut self.rng, 5, 60) * MIN;
        if self
            .record_condition(Who::Gp, t, rec, code, onset, None)
            .is_some()
        {
            let text = self.voice.fill(
                "Memory assessment completed with {name} and {his} {rel}. The findings fit a diagnosis of dementia. Discussed what this means, support available and planning ahead.",
            );
            self.note(Who::Gp, t + 30 * MIN, rec + 30 * MIN, text);
            if code == model::DEMENTIA && chance(&mut self.rng, 0.6) {
                self.start_medicine(Who::Gp, t + 40 * MIN, "N06DA02", false, None);
            }
        }
    }

    fn maybe_episode(&mut self, d: i64) {
        let cardio = self.has_condition(model::HEART_FAILURE) || self.has_condition(model::COPD);
        let monthly = model::logistic(
            model::EPISODE_INTERCEPT
                + model::EPISODE_FRAILTY * self.frailty
                + if self.cognitive {
                    model::EPISODE_COGNITION
                } else {
                    0.0
                }
                + if cardio {
                    model::EPISODE_CARDIORESPIRATORY
                } else {
                    0.0
                },
        );
        if !chance(&mut self.rng, model::monthly_to_daily(monthly)) {
            return;
        }
        let delirium_w = if self.cognitive || self.age_on_day(d) >= 85.0 {
            0.15
        } else {
            0.04
        };
        let kind = [
            EpisodeKind::Uti,
            EpisodeKind::Chest,
            EpisodeKind::Dehydration,
            EpisodeKind::Delirium,
        ][weighted(&mut self.rng, &[0.35, 0.3, 0.2, delirium_w])];
        let severity = 1 + weighted(&mut self.rng, &model::EPISODE_SEVERITY_WEIGHTS);
        let end_day = d + int(&mut self.rng, 4, 12);
        self.episode = Some(Episode {
            kind,
            severity,
            end_day,
        });
        let t0 = self.time_on(d, 8, 19);
        // Carers notice soft signs first (RESTORE2) and ask for observations.
        if self.has_package_at(t0) {
            let k = usize::try_from(int(&mut self.rng, 1, 3)).unwrap_or(1);
            let signs = self.soft_signs(kind.soft_signs(), k);
            let obs = Observation {
                soft_signs: signs,
                ..Observation::default()
            };
            let rec = t0 + int(&mut self.rng, 5, 40) * MIN;
            self.write(Who::CareWorker, t0, rec, EntryData::Observation(obs));
        }
        let later = t0 + int(&mut self.rng, 60, 26 * 60) * MIN;
        let t1 = self.daytime(later);
        if !self.available(t1) {
            return;
        }
        let who = if self.has_package_at(t1) && self.has_author(Who::ProviderNurse, t1) {
            Who::ProviderNurse
        } else {
            Who::Gp
        };
        let k = usize::try_from(int(&mut self.rng, 1, 3)).unwrap_or(1);
        let signs = self.soft_signs(kind.soft_signs(), k);
        self.full_observation(
            who,
            t1,
            ObsSpec {
                severity,
                kind: Some(kind),
                soft: signs,
                ..ObsSpec::default()
            },
        );
        let notes = text::EPISODE_NOTES
            .iter()
            .find(|(k, _)| *k == kind.key())
            .map_or(&[][..], |(_, n)| *n);
        if !notes.is_empty() {
            let text = self.voice.pick(&mut self.rng, notes);
            let rec = t1 + int(&mut self.rng, 20, 90) * MIN;
            self.note(who, t1 + 10 * MIN, rec, text);
        }
        if let Some(code) = kind.condition() {
            let rec = t1 + int(&mut self.rng, 60, 300) * MIN;
            let onset = Some(self.cx.date(d));
            if let Some(ci) = self.record_condition(Who::Gp, t1 + 30 * MIN, rec, code, onset, None)
            {
                let when = end_day + int(&mut self.rng, 3, 14);
                if chance(&mut self.rng, 0.7) {
                    self.schedule(when, Task::ResolveCondition(ci));
                }
            }
        }
        let p_admit = model::P_ADMIT_BY_SEVERITY[severity - 1];
        if chance(&mut self.rng, p_admit) {
            let t_admit = t1 + int(&mut self.rng, 60, 240) * MIN;
            self.admit(t_admit, AdmitReason::Episode(kind), severity, false);
        } else {
            let follow = d + int(&mut self.rng, 2, 3);
            self.schedule(follow, Task::EpisodeFollowUp(severity.saturating_sub(1)));
        }
    }

    fn maybe_fall(&mut self, d: i64) {
        let x = self.fall_inputs(d);
        let p = model::monthly_to_daily(model::monthly_fall_probability(&x));
        if !chance(&mut self.rng, p) {
            return;
        }
        let t = if chance(&mut self.rng, 0.15) {
            self.time_on(d, 1, 6)
        } else {
            self.time_on(d, 6, 23)
        };
        if !self.available(t) {
            return;
        }
        self.fall(t);
    }

    fn injury(&mut self) -> InjurySeverity {
        let mut w = model::INJURY_WEIGHTS;
        let mut harm = 1.0 + model::INJURY_FRAILTY * self.frailty;
        if self.has_condition(model::OSTEOPOROSIS) {
            harm *= model::INJURY_OSTEOPOROSIS;
        }
        for x in &mut w[2..] {
            *x *= harm;
        }
        [
            InjurySeverity::None,
            InjurySeverity::Minor,
            InjurySeverity::Moderate,
            InjurySeverity::Severe,
            InjurySeverity::Fatal,
        ][weighted(&mut self.rng, &w)]
    }

    fn fall(&mut self, t: i64) {
        self.falls.push(t);
        let d = t.div_euclid(DAY);
        let injury = self.injury();
        let serious = injury >= InjurySeverity::Moderate;
        let with_care = self.has_package_at(t);
        let p_report = if serious {
            1.0
        } else if with_care {
            model::P_REPORT_FALL_WITH_CARE
        } else {
            model::P_REPORT_FALL_NO_CARE
        };
        let (loc, at) = *pick(&mut self.rng, text::FALL_LOCATIONS);
        let circumstance = if injury == InjurySeverity::Fatal {
            self.voice.fill(text::FATAL_FALL_DESCRIPTION)
        } else {
            self.voice.pick(&mut self.rng, text::FALL_DESCRIPTIONS)
        };
        let mut description = circumstance.replace("{loc}", at);
        let injuries = text::FALL_INJURIES[injury_index(injury)];
        description.push(' ');
        description.push_str(&self.voice.pick(&mut self.rng, injuries));
        let data = EntryData::Incident(Incident {
            incident_type: IncidentType::Fall,
            injury,
            location: Some(loc.to_owned()),
            description: Some(description),
        });
        let mut recorded = false;
        if chance(&mut self.rng, p_report) {
            let written = if with_care {
                let rec = t + int(&mut self.rng, 20, 360) * MIN;
                let w = self.write(Who::CareWorker, t, rec, data.clone());
                if w.is_some() && chance(&mut self.rng, 0.5) && injury < InjurySeverity::Severe {
                    let signs = self.soft_signs(
                        &[
                            SoftSign::NewFall,
                            SoftSign::NewPain,
                            SoftSign::ReducedMobility,
                        ],
                        1,
                    );
                    let mut signs = signs;
                    if !signs.contains(&SoftSign::NewFall) {
                        signs.insert(0, SoftSign::NewFall);
                    }
                    signs.sort();
                    let obs = Observation {
                        soft_signs: signs,
                        ..Observation::default()
                    };
                    self.write(
                        Who::CareWorker,
                        rec,
                        rec + 5 * MIN,
                        EntryData::Observation(obs),
                    );
                }
                w
            } else {
                let later = t + int(&mut self.rng, 2 * 60, 3 * 24 * 60) * MIN;
                let rec = self.daytime(later);
                self.write(Who::Gp, t, rec, data)
            };
            recorded = written.is_some();
        }
        if recorded {
            self.recorded_falls.push(t);
            self.after_recorded_fall(t, d, injury);
        }
        match injury {
            InjurySeverity::Fatal => {
                self.dead_at = Some(t + int(&mut self.rng, 30, 120) * MIN);
                let text = self.voice.pick(&mut self.rng, text::DEATH_NOTES);
                let te = t + int(&mut self.rng, 4, 20) * HOUR;
                let who = if self.sw_open {
                    Who::SocialWorker
                } else {
                    Who::Gp
                };
                self.note(who, te, te + 30 * MIN, text);
            }
            InjurySeverity::Severe => {
                let fracture = chance(&mut self.rng, model::P_HIP_FRACTURE_GIVEN_SEVERE);
                let ta = t + int(&mut self.rng, 60, 180) * MIN;
                self.admit(ta, AdmitReason::Fall, 1, fracture);
            }
            InjurySeverity::Moderate => {
                if chance(&mut self.rng, model::P_ADMIT_MODERATE_INJURY) {
                    let ta = t + int(&mut self.rng, 60, 180) * MIN;
                    self.admit(ta, AdmitReason::Fall, 0, false);
                } else if chance(&mut self.rng, 0.4) {
                    // A short course of analgesia for the injury.
                    let ts = t + int(&mut self.rng, 20, 72) * HOUR;
                    if self.available(ts) {
                        let atc = if chance(&mut self.rng, 0.5) {
                            "N02AX02"
                        } else {
                            "R05DA04"
                        };
                        let days = int(&mut self.rng, 14, 28);
                        self.start_medicine(Who::Gp, ts, atc, false, Some(days));
                    }
                }
            }
            _ => {}
        }
    }

    fn after_recorded_fall(&mut self, t: i64, d: i64, injury: InjurySeverity) {
        if injury == InjurySeverity::Fatal {
            return;
        }
        let tc = t + int(&mut self.rng, 24, 72) * HOUR;
        if !self.conds.iter().any(|c| c.code == model::FALLS_FINDING)
            && !self.plan.conditions.contains(&model::FALLS_FINDING)
        {
            let onset = Some(self.cx.date(d));
            self.record_condition(Who::Gp, tc, tc, model::FALLS_FINDING, onset, None);
        }
        let in_year = self
            .recorded_falls
            .iter()
            .filter(|f| **f > t - 365 * DAY)
            .count();
        if in_year >= 2 && !self.conds.iter().any(|c| c.code == model::RECURRENT_FALLS) {
            let onset = Some(self.cx.date(d));
            self.record_condition(
                Who::Gp,
                tc + HOUR,
                tc + HOUR,
                model::RECURRENT_FALLS,
                onset,
                None,
            );
        }
        let fa = d + int(&mut self.rng, 1, 7);
        self.schedule(fa, Task::FallsAssessment(MorseSetting::AfterFall));
        if chance(&mut self.rng, model::P_MED_REVIEW_AFTER_FALL) {
            let mr = d + int(&mut self.rng, 3, 21);
            self.schedule(mr, Task::MedReviewAfterFall);
        }
        if self.sw_open && chance(&mut self.rng, 0.6) {
            let sn = d + int(&mut self.rng, 1, 5);
            self.schedule(sn, Task::SocialWorkerFallNote);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Hospital

    /// An admission at `t`: the whole stay is written now, and follow-ups are scheduled.
    fn admit(&mut self, t: i64, reason: AdmitReason, severity: usize, fracture: bool) {
        let kind = match reason {
            AdmitReason::Episode(k) => Some(k),
            AdmitReason::Fall | AdmitReason::Other => None,
        };
        if self.in_hospital(t) || !self.alive(t) {
            return;
        }
        let los_days = if fracture {
            int(&mut self.rng, 10, 28)
        } else {
            match severity {
                0 => int(&mut self.rng, 1, 2),
                1 => int(&mut self.rng, 2, 6),
                2 => int(&mut self.rng, 3, 9),
                _ => int(&mut self.rng, 5, 16),
            }
        };
        let discharge_day = t.div_euclid(DAY) + los_days;
        let discharge = discharge_day * DAY + int(&mut self.rng, 11 * 60, 17 * 60) * MIN;
        self.admission = Some(Admission {
            admit: t,
            discharge,
        });
        self.episode = None;
        let nurses = &self.cx.staff.hospital_nurses;
        let k = usize::try_from(int(&mut self.rng, 1, 2)).unwrap_or(1);
        for i in distinct(&mut self.rng, nurses.len(), k) {
            let nurse = self.cx.staff.hospital_nurses[i];
            self.add_rel(
                Who::HospitalNurse,
                nurse,
                RelationshipKind::HospitalTeam,
                t,
                Some(discharge + 2 * HOUR),
            );
        }
        let text = if reason == AdmitReason::Fall {
            self.voice.pick(&mut self.rng, &text::ADMISSION_NOTES[..1])
        } else {
            self.voice.pick(&mut self.rng, &text::ADMISSION_NOTES[1..])
        };
        self.note(Who::HospitalNurse, t + 20 * MIN, t + 50 * MIN, text);
        let soft = kind.map_or_else(Vec::new, |k| {
            let n = usize::try_from(int(&mut self.rng, 1, 2)).unwrap_or(1);
            self.soft_signs(k.soft_signs(), n)
        });
        self.full_observation(
            Who::HospitalNurse,
            t + 30 * MIN,
            ObsSpec {
                severity,
                kind,
                soft,
                weight: true,
                hospital: true,
            },
        );
        self.falls_assessment(Who::HospitalNurse, t + 2 * HOUR, MorseSetting::Admission);
        if fracture {
            let onset = Some(self.cx.date(t.div_euclid(DAY)));
            self.record_condition(
                Who::HospitalNurse,
                t + 3 * HOUR,
                t + 3 * HOUR + 10 * MIN,
                model::HIP_FRACTURE,
                onset,
                Some("Fractured neck of femur after a fall at home; surgical repair.".to_owned()),
            );
            self.gait = model::worse_gait(self.gait);
            self.aid = model::worse_aid(self.aid);
            self.frailty = (self.frailty + model::FRAILTY_AFTER_HIP_FRACTURE).min(0.99);
        }
        if (self.cognitive || self.age_on_day(t.div_euclid(DAY)) >= 85.0)
            && chance(&mut self.rng, 0.2)
        {
            let onset = Some(self.cx.date(t.div_euclid(DAY)));
            let tc = t + int(&mut self.rng, 12, 40) * HOUR;
            if tc < discharge
                && let Some(ci) = self.record_condition(
                    Who::HospitalNurse,
                    tc,
                    tc + 15 * MIN,
                    model::DELIRIUM,
                    onset,
                    None,
                )
            {
                let when = discharge_day + int(&mut self.rng, 7, 30);
                self.schedule(when, Task::ResolveCondition(ci));
            }
        }
        // Daily observations on the ward, settling as the person recovers.
        let first = t.div_euclid(DAY) + 1;
        for (i, day) in (first..discharge_day).enumerate() {
            let to = day * DAY + int(&mut self.rng, 7 * 60, 9 * 60) * MIN;
            let sev = severity.saturating_sub(i / 2 + 1);
            self.full_observation(
                Who::HospitalNurse,
                to,
                ObsSpec {
                    severity: sev,
                    kind,
                    hospital: true,
                    ..ObsSpec::default()
                },
            );
        }
        // Discharge: medicines changed on the ward, and the discharge note.
        let td = discharge - HOUR;
        let r = unit(&mut self.rng);
        if r < 0.25 {
            let atc = *pick(
                &mut self.rng,
                &[
                    "C03CA01", "R05DA04", "A02BC03", "N06AB06", "N02BE01", "A11CC05",
                ],
            );
            self.start_medicine(Who::HospitalNurse, td, atc, false, None);
        } else if r < 0.33 {
            // The discharge list repeats a medicine already prescribed, at a new dose: a
            // substance duplicate until the GP stops the old one.
            let regular: Vec<usize> = (0..self.meds.len())
                .filter(|i| {
                    let m = &self.meds[*i];
                    !m.data.prn && m.end_day.is_none() && !m.amended
                })
                .collect();
            if !regular.is_empty() {
                let i = *pick(&mut self.rng, &regular);
                let atc = self.meds[i].data.atc.clone();
                if let Some(atc) = codes::ATC.iter().map(|(c, _)| *c).find(|c| *c == atc) {
                    self.start_medicine(Who::HospitalNurse, td, atc, false, None);
                    let later = discharge_day + int(&mut self.rng, 20, 90);
                    self.schedule(later, Task::StopDuplicate(i));
                }
            }
        }
        let text = self.voice.pick(&mut self.rng, text::DISCHARGE_NOTES);
        self.note(Who::HospitalNurse, discharge, discharge + 20 * MIN, text);
        self.recent_discharge_until = discharge + model::RECENT_DISCHARGE_DAYS * DAY;
        // Follow-ups at home.
        let after = discharge_day + 1;
        if self.package.is_some() {
            let review = discharge_day + int(&mut self.rng, 2, 10);
            self.schedule(review, Task::PostDischargeReview { fracture });
            let fa = discharge_day + int(&mut self.rng, 1, 5);
            self.schedule(fa, Task::FallsAssessment(MorseSetting::Routine));
        } else if !self.referred && (fracture || self.frailty > 0.45) && chance(&mut self.rng, 0.7)
        {
            self.referred = true;
            self.schedule(discharge_day, Task::Referral(Referral::Reablement));
        }
        // Tasks that fell inside the stay wait until the person is home.
        for (day, _) in self.tasks.iter_mut() {
            if *day <= discharge_day && *day >= t.div_euclid(DAY) {
                *day = after;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Medicines

    fn start_medicine(
        &mut self,
        who: Who,
        t: i64,
        atc: &'static str,
        prn: bool,
        course_days: Option<i64>,
    ) -> Option<usize> {
        let day = t.div_euclid(DAY);
        let end_day = course_days.map(|n| day + n);
        let data = Medication {
            atc: atc.to_owned(),
            dose: meds::dose(atc, prn),
            start: self.cx.date(day),
            end: end_day.map(|e| self.cx.date(e)),
            prn,
        };
        let rec = t + int(&mut self.rng, 2, 30) * MIN;
        let (entry, _) = self.write(who, t, rec, EntryData::Medication(data.clone()))?;
        self.meds.push(Med {
            data,
            start_day: day,
            end_day,
            entry,
            rec,
            amended: false,
        });
        Some(self.meds.len() - 1)
    }

    /// Stops medicine `i` from `day` by amending its entry with an end date.
    fn stop_medicine(&mut self, i: usize, t: i64) -> bool {
        let day = t.div_euclid(DAY);
        let m = &self.meds[i];
        if m.amended || m.start_day >= day || m.end_day.is_some_and(|e| e <= day) {
            return false;
        }
        let Some(author) = self.author(Who::Gp, t) else {
            return false;
        };
        let mut data = self.meds[i].data.clone();
        data.end = Some(self.cx.date(day));
        let rec = (t + int(&mut self.rng, 2, 30) * MIN).max(self.meds[i].rec + MIN);
        let prev = self.meds[i].entry;
        let gp_org = self.cx.orgs.gp;
        self.emit(
            gp_org,
            author,
            t,
            rec,
            Some(prev),
            EntryData::Medication(data),
        );
        let m = &mut self.meds[i];
        m.amended = true;
        m.end_day = Some(day);
        true
    }

    fn active_frids(&self, day: i64) -> Vec<usize> {
        (0..self.meds.len())
            .filter(|i| {
                let m = &self.meds[*i];
                meds::is_frid(&m.data.atc)
                    && !m.amended
                    && m.start_day < day
                    && m.end_day.is_none_or(|e| e > day)
            })
            .collect()
    }

    fn medication_review(&mut self, t: i64, after_fall: bool) {
        let day = t.div_euclid(DAY);
        let p_stop = if after_fall {
            model::P_DEPRESCRIBE_AT_REVIEW
        } else {
            0.15
        };
        let frids = self.active_frids(day);
        if !frids.is_empty() && chance(&mut self.rng, p_stop) {
            // Sedatives first (STOPPFall's first targets), otherwise any FRID.
            let sedative = frids.iter().copied().find(|i| {
                let a = &self.meds[*i].data.atc;
                a.starts_with("N05C") || a.starts_with("N05B") || a.starts_with("N05A")
            });
            let i = sedative.unwrap_or_else(|| *pick(&mut self.rng, &frids));
            if self.stop_medicine(i, t) {
                let drug = codes::atc(&self.meds[i].data.atc).display;
                let texts = if after_fall {
                    text::DEPRESCRIBE_NOTES
                } else {
                    text::DEPRESCRIBE_ANNUAL_NOTES
                };
                let text = self
                    .voice
                    .pick(&mut self.rng, texts)
                    .replace("{drug}", &drug);
                self.note(Who::Gp, t + 5 * MIN, t + 40 * MIN, text);
                return;
            }
        }
        let text = self.voice.pick(&mut self.rng, text::MED_REVIEW_NOTES);
        self.note(Who::Gp, t, t + 30 * MIN, text);
    }

    fn medicine_changes(&mut self, d: i64) {
        let t = self.time_on(d, 9, 17);
        if !self.available(t) {
            return;
        }
        // New falls-risk-increasing drugs (a hypnotic after a bereavement, an antidepressant,
        // a painkiller), more often for frail people.
        let p_frid = model::monthly_to_daily(0.012 + 0.02 * self.frailty);
        if chance(&mut self.rng, p_frid) {
            let atc = *pick(
                &mut self.rng,
                &[
                    "N05CF01", "N06AB06", "N06AB04", "N02AX02", "N03AX12", "N06AX11", "C03CA01",
                    "R06AB04",
                ],
            );
            if !self
                .meds
                .iter()
                .any(|m| m.data.atc == atc && m.end_day.is_none())
            {
                let prn = atc == "R06AB04" || (atc == "N05CF01" && chance(&mut self.rng, 0.3));
                let course = (atc == "N02AX02").then(|| int(&mut self.rng, 14, 60));
                self.start_medicine(Who::Gp, t, atc, prn, course);
            }
        }
        let p_other = model::monthly_to_daily(0.012);
        if chance(&mut self.rng, p_other) {
            let atc = *pick(
                &mut self.rng,
                &["C08CA01", "C10AA05", "A11CC05", "N02BE01", "A02BC01"],
            );
            if !self
                .meds
                .iter()
                .any(|m| m.data.atc == atc && m.end_day.is_none())
            {
                let prn = atc == "N02BE01" && chance(&mut self.rng, 0.5);
                self.start_medicine(Who::Gp, t, atc, prn, None);
            }
        }
        if self.switch_day == Some(d) {
            self.switch_within_class(t);
        }
    }

    /// A switch within an ATC class (PPI or SSRI). The old medicine is stopped after an overlap
    /// that is sometimes a planned switch (within the instrument's grace days) and sometimes a
    /// forgotten stop: a class duplicate.
    fn switch_within_class(&mut self, t: i64) {
        let pairs: [(&str, &'static str); 4] = [
            ("A02BC01", "A02BC03"),
            ("A02BC03", "A02BC01"),
            ("N06AB04", "N06AB06"),
            ("N06AB05", "N06AB06"),
        ];
        let day = t.div_euclid(DAY);
        for (from, to) in pairs {
            let found = (0..self.meds.len()).find(|i| {
                let m = &self.meds[*i];
                m.data.atc == from && !m.amended && m.end_day.is_none() && !m.data.prn
            });
            if let Some(i) = found {
                if self.start_medicine(Who::Gp, t, to, false, None).is_some() {
                    let overlap = if chance(&mut self.rng, 0.5) {
                        int(&mut self.rng, 1, 5)
                    } else {
                        int(&mut self.rng, 20, 60)
                    };
                    self.schedule(day + overlap, Task::StopDuplicate(i));
                }
                return;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Visits and claims

    fn visits(&mut self, d: i64) {
        let Some(p) = self.package.as_ref() else {
            return;
        };
        if p.start > d * DAY + 23 * HOUR || p.visits_per_week == 0 {
            return;
        }
        let vpw = i64::from(p.visits_per_week);
        let w = self.cx.weekday(d);
        let base = vpw / 7;
        let extra = vpw % 7;
        let extra_today = (w + 1) * extra / 7 != w * extra / 7;
        let count = (base + i64::from(extra_today)).clamp(0, 4);
        let slots: &[i64] = match count {
            0 => &[],
            1 => &[9 * 60 + 30],
            2 => &[8 * 60, 17 * 60 + 30],
            3 => &[8 * 60, 12 * 60 + 30, 18 * 60],
            _ => &[8 * 60, 12 * 60 + 30, 17 * 60, 20 * 60 + 30],
        };
        for slot in slots {
            self.visit(d, *slot);
        }
    }

    fn visit(&mut self, d: i64, slot_minutes: i64) {
        let planned = d * DAY + slot_minutes * MIN;
        let Some(p) = self.package.as_ref() else {
            return;
        };
        if planned < p.start || !self.available(planned) {
            return;
        }
        let planned_minutes = p.minutes;
        let tasks = p.tasks.clone();
        if !self.has_author(Who::CareWorker, planned) {
            return;
        }
        let provider = self.cx.orgs.provider;
        let missed = chance(&mut self.rng, model::P_MISSED_VISIT);
        let ts = |s: &Sim<'_>, t: i64| s.cx.timestamp(t);
        let (visit, eff, rec, end) = if missed {
            let note = chance(&mut self.rng, 0.6)
                .then(|| self.voice.pick(&mut self.rng, text::MISSED_VISIT_NOTES));
            let rec = planned + int(&mut self.rng, 30, 120) * MIN;
            (
                Visit {
                    planned_start: ts(self, planned),
                    arrived_at: None,
                    departed_at: None,
                    minutes: 0,
                    tasks: Vec::new(),
                    missed: true,
                    note,
                },
                planned,
                rec,
                planned + i64::from(planned_minutes) * MIN,
            )
        } else {
            let late = (4.0 + 8.0 * normal(&mut self.rng))
                .round()
                .clamp(-10.0, 45.0) as i64;
            let arrived = planned + late * MIN;
            let factor = if chance(&mut self.rng, model::P_SHORT_VISIT) {
                uniform(&mut self.rng, 0.4, 0.7)
            } else {
                uniform(&mut self.rng, 0.85, 1.05)
            };
            let minutes = ((f64::from(planned_minutes) * factor).round() as u16).max(5);
            let departed = arrived + i64::from(minutes) * MIN;
            let n = usize::try_from(int(&mut self.rng, 1, 3)).unwrap_or(1);
            let done: Vec<String> = distinct(&mut self.rng, tasks.len(), n)
                .into_iter()
                .map(|i| tasks[i].to_owned())
                .collect();
            let note = chance(&mut self.rng, 0.15)
                .then(|| self.voice.pick(&mut self.rng, text::VISIT_NOTES));
            let rec = departed + int(&mut self.rng, 1, 30) * MIN;
            (
                Visit {
                    planned_start: ts(self, planned),
                    arrived_at: Some(ts(self, arrived)),
                    departed_at: Some(ts(self, departed)),
                    minutes,
                    tasks: done,
                    missed: false,
                    note,
                },
                arrived,
                rec,
                departed,
            )
        };
        let delivered = visit.minutes;
        // The carer who visits holds a care-team relationship when the visit starts.
        let Some(author) = self.author(Who::CareWorker, eff) else {
            return;
        };
        let visit_id = self.emit(
            provider,
            author,
            eff,
            rec,
            None,
            EntryData::Visit(visit.clone()),
        );
        if !missed && chance(&mut self.rng, 0.004) {
            // The carer corrects the departure time the next morning.
            let extra = u16::try_from(int(&mut self.rng, 5, 15)).unwrap_or(5);
            let fixed_minutes = delivered + extra;
            let fixed = Visit {
                minutes: fixed_minutes,
                departed_at: visit
                    .arrived_at
                    .map(|a| a + jiff::SignedDuration::from_mins(i64::from(fixed_minutes))),
                ..visit
            };
            let later = rec + int(&mut self.rng, 8, 20) * HOUR;
            self.emit(
                provider,
                author,
                eff,
                later,
                Some(visit_id),
                EntryData::Visit(fixed),
            );
        }
        if missed && chance(&mut self.rng, 0.3) {
            let text = self.voice.pick(&mut self.rng, text::MISSED_VISIT_INCIDENTS);
            let data = EntryData::Incident(Incident {
                incident_type: IncidentType::MissedVisit,
                injury: InjurySeverity::None,
                location: None,
                description: Some(text),
            });
            let r = rec + int(&mut self.rng, 30, 240) * MIN;
            self.write(Who::ProviderManager, planned, r, data);
        }
        // The provider's claim, sent in the nightly batch.
        let (claimed, irregular) = if missed {
            if chance(&mut self.rng, model::P_CLAIM_FOR_MISSED_VISIT) {
                (Some(planned_minutes), Some(ClaimIrregularity::MissedVisit))
            } else {
                (None, None)
            }
        } else if chance(&mut self.rng, model::P_CLAIM_INFLATED) {
            let more = u16::try_from(int(&mut self.rng, 10, 30)).unwrap_or(15);
            (
                Some(delivered.max(planned_minutes) + more),
                Some(ClaimIrregularity::InflatedMinutes),
            )
        } else {
            (Some(delivered), None)
        };
        let Some(minutes) = claimed else {
            return;
        };
        let batch = (d * DAY + 23 * HOUR + int(&mut self.rng, 0, 50) * MIN).max(rec + MIN);
        let claim = Claim {
            provider,
            visit: visit_id,
            minutes,
            amount_pence: u32::from(minutes) * model::PENCE_PER_MINUTE,
        };
        let Some((claim_id, _)) = self.write(
            Who::ProviderManager,
            end,
            batch,
            EntryData::Claim(claim.clone()),
        ) else {
            return;
        };
        if let Some(kind) = irregular {
            self.irregular.push((claim_id, kind));
        }
        if chance(&mut self.rng, model::P_CLAIM_DUPLICATE)
            && let Some((dup, _)) = self.write(
                Who::ProviderManager,
                end,
                batch + DAY,
                EntryData::Claim(claim),
            )
        {
            self.irregular.push((dup, ClaimIrregularity::Duplicate));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Scheduled work

    fn scheduled(&mut self, d: i64) {
        // Home-care nurse: observations about monthly, weight about quarterly, Morse twice a year.
        if d >= self.next_nurse_obs {
            let t = self.time_on(d, 10, 16);
            if self.available(t) && self.has_author(Who::ProviderNurse, t) {
                let weight = d - self.last_weight_day >= 80;
                let (sev, kind) = match self.episode {
                    Some(e) => (e.severity, Some(e.kind)),
                    None => (0, None),
                };
                self.full_observation(
                    Who::ProviderNurse,
                    t,
                    ObsSpec {
                        severity: sev,
                        kind,
                        weight,
                        ..ObsSpec::default()
                    },
                );
            }
            self.next_nurse_obs = d + int(&mut self.rng, 21, 35);
        }
        if d >= self.next_morse {
            let t = self.time_on(d, 10, 16);
            if self.available(t) && self.has_author(Who::ProviderNurse, t) {
                self.falls_assessment(Who::ProviderNurse, t, MorseSetting::Routine);
            }
            self.next_morse = d + int(&mut self.rng, 150, 210);
        }
        // Social worker: contacts, and the annual review with a fresh care plan.
        if self.sw_open && d >= self.next_sw_contact {
            let t = self.time_on(d, 9, 17);
            if self.available(t) {
                let text = self.voice.pick(&mut self.rng, text::SW_CONTACT_NOTES);
                let rec = t + int(&mut self.rng, 10, 180) * MIN;
                self.note(Who::SocialWorker, t, rec, text);
            }
            self.next_sw_contact = d + int(&mut self.rng, 30, 75);
        }
        if d >= self.next_review {
            let t = self.time_on(d, 10, 15);
            if self.available(t) && self.package.is_some() && self.sw_open {
                self.review_assessment(t, text::REVIEW_OPENERS);
                if let Some(p) = self.package.clone() {
                    let vpw = if chance(&mut self.rng, 0.25) {
                        (p.visits_per_week + 1).min(28)
                    } else {
                        p.visits_per_week
                    };
                    let tp = t + int(&mut self.rng, 1, 5) * HOUR;
                    self.write_care_plan(tp, vpw, p.minutes, &p.tasks, false);
                    if let Some(p) = self.package.as_mut() {
                        p.visits_per_week = vpw;
                    }
                }
            }
            self.next_review = d + int(&mut self.rng, 330, 400);
        }
        // GP: annual review with observations, a medication review and, for older people, a
        // falls assessment.
        if d >= self.next_gp_review {
            let t = self.time_on(d, 9, 17);
            if self.available(t) {
                if chance(&mut self.rng, 0.5) {
                    self.full_observation(
                        Who::Gp,
                        t,
                        ObsSpec {
                            weight: true,
                            ..ObsSpec::default()
                        },
                    );
                } else {
                    let mut obs = Observation {
                        systolic_bp: Some(
                            (self.baseline.sbp + 8.0 * normal(&mut self.rng))
                                .round()
                                .clamp(80.0, 220.0) as u16,
                        ),
                        pulse: Some(
                            (self.baseline.pulse + 5.0 * normal(&mut self.rng))
                                .round()
                                .clamp(40.0, 140.0) as u16,
                        ),
                        ..Observation::default()
                    };
                    obs.weight_kg = Some(self.weigh(d));
                    let rec = t + int(&mut self.rng, 2, 30) * MIN;
                    self.write(Who::Gp, t, rec, EntryData::Observation(obs));
                }
                self.medication_review(t + 20 * MIN, false);
                let older = self.age_on_day(d) >= 65.0;
                if older && (!self.recorded_falls.is_empty() || chance(&mut self.rng, 0.3)) {
                    self.falls_assessment(Who::Gp, t + 40 * MIN, MorseSetting::Routine);
                }
            }
            self.next_gp_review = d + int(&mut self.rng, 330, 400);
        }
        self.medicine_changes(d);
        self.questionnaires(d);
        self.other_incidents(d);
    }

    fn questionnaires(&mut self, d: i64) {
        if let Some(mut c) = self.fit
            && d >= c.next_day
        {
            let t = self.time_on(d, 10, 16);
            if self.sw_open && self.available(t) && self.has_author(Who::SocialWorker, t) {
                let ors_items = spread(&mut self.rng, c.level, 4, 10.0);
                let ors = Questionnaire {
                    instrument: QuestionnaireInstrument::Ors,
                    items: ors_items,
                };
                self.write(
                    Who::SocialWorker,
                    t,
                    t + 5 * MIN,
                    EntryData::Questionnaire(ors),
                );
                let alliance = if chance(&mut self.rng, 0.15) {
                    uniform(&mut self.rng, 26.0, 35.5)
                } else {
                    uniform(&mut self.rng, 35.0, 40.0)
                };
                let srs = Questionnaire {
                    instrument: QuestionnaireInstrument::Srs,
                    items: spread(&mut self.rng, alliance, 4, 10.0),
                };
                let te = t + 50 * MIN;
                self.write(
                    Who::SocialWorker,
                    te,
                    te + 5 * MIN,
                    EntryData::Questionnaire(srs),
                );
                if chance(&mut self.rng, 0.3) {
                    let text = self.voice.pick(&mut self.rng, text::ORS_NOTES);
                    self.note(Who::SocialWorker, te, te + 20 * MIN, text);
                }
                c.level = (c.level + c.trend + 1.5 * normal(&mut self.rng)).clamp(2.0, 38.0);
                c.left = c.left.saturating_sub(1);
            }
            c.next_day = d + 14;
            self.fit = (c.left > 0).then_some(c);
        }
        if let Some(mut c) = self.soc
            && d >= c.next_day
        {
            let t = self.time_on(d, 10, 18);
            if self.available(t) {
                let items: Vec<f64> = (0..13)
                    .map(|i| {
                        // Items 1, 2, 3, 7 and 10 are reverse-keyed: answered on the other end.
                        let reversed = matches!(i, 0 | 1 | 2 | 6 | 9);
                        let x = (c.level + 1.1 * normal(&mut self.rng))
                            .round()
                            .clamp(1.0, 7.0);
                        if reversed { 8.0 - x } else { x }
                    })
                    .collect();
                let data = EntryData::Questionnaire(Questionnaire {
                    instrument: QuestionnaireInstrument::Soc13,
                    items,
                });
                let council = self.cx.orgs.council;
                if let Some(citizen) = self.citizen {
                    self.emit(council, citizen, t, t + 2 * MIN, None, data);
                } else {
                    self.write(Who::SocialWorker, t, t + 10 * MIN, data);
                }
                c.level = (c.level + 0.4 * normal(&mut self.rng)).clamp(1.5, 6.5);
                c.left = c.left.saturating_sub(1);
            }
            c.next_day = d + int(&mut self.rng, 120, 200);
            self.soc = (c.left > 0).then_some(c);
        }
    }

    fn other_incidents(&mut self, d: i64) {
        let t = self.time_on(d, 8, 20);
        if !self.available(t) {
            return;
        }
        if self.sw_open && chance(&mut self.rng, 0.015 / 365.25) {
            let text = self.voice.pick(&mut self.rng, text::SAFEGUARDING_NOTES);
            let data = EntryData::Incident(Incident {
                incident_type: IncidentType::Safeguarding,
                injury: InjurySeverity::None,
                location: Some("home".to_owned()),
                description: Some(text.clone()),
            });
            let rec = t + int(&mut self.rng, 1, 4) * HOUR;
            if self.write(Who::SocialWorker, t, rec, data).is_some() {
                self.note(Who::SocialWorker, rec, rec + 30 * MIN, text);
            }
        }
        if self.has_package_at(t) {
            if chance(&mut self.rng, 0.04 / 365.25) {
                let text = self
                    .voice
                    .pick(&mut self.rng, text::MEDICATION_ERROR_DESCRIPTIONS);
                let data = EntryData::Incident(Incident {
                    incident_type: IncidentType::MedicationError,
                    injury: if chance(&mut self.rng, 0.8) {
                        InjurySeverity::None
                    } else {
                        InjurySeverity::Minor
                    },
                    location: Some("home".to_owned()),
                    description: Some(text),
                });
                let rec = t + int(&mut self.rng, 20, 180) * MIN;
                self.write(Who::CareWorker, t, rec, data);
            }
            if chance(&mut self.rng, 0.03 / 365.25) {
                let text = self
                    .voice
                    .pick(&mut self.rng, text::OTHER_INCIDENT_DESCRIPTIONS);
                let data = EntryData::Incident(Incident {
                    incident_type: IncidentType::Other,
                    injury: InjurySeverity::None,
                    location: Some("home".to_owned()),
                    description: Some(text),
                });
                let rec = t + int(&mut self.rng, 20, 180) * MIN;
                self.write(Who::CareWorker, t, rec, data);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tasks

    fn run_tasks(&mut self, d: i64) {
        if self.tasks.iter().all(|(day, _)| *day > d) {
            return;
        }
        let mut due = Vec::new();
        let mut later = Vec::new();
        for (day, task) in std::mem::take(&mut self.tasks) {
            if day <= d {
                due.push(task);
            } else {
                later.push((day, task));
            }
        }
        self.tasks = later;
        for task in due {
            if self.dead_at.is_some() {
                return;
            }
            let t = self.time_on(d, 9, 17);
            if !self.available(t) {
                self.tasks.push((d + 1, task));
                continue;
            }
            self.task(d, t, task);
        }
    }

    fn task(&mut self, d: i64, t: i64, task: Task) {
        match task {
            Task::Referral(reason) => {
                self.referred = true;
                if self.package.is_some() {
                    // Already receiving care (reablement that carried on): nothing to assess.
                    return;
                }
                if !self.sw_open {
                    self.allocate_social_worker(d * DAY + 9 * HOUR);
                }
                let when = d + int(&mut self.rng, 3, 14);
                self.schedule(when, Task::NeedsAssessment(reason));
            }
            Task::NeedsAssessment(reason) => {
                let eligible = match reason {
                    Referral::Reablement => true,
                    Referral::Planned => {
                        self.plan.traits.needs >= NeedsLevel::Moderate || self.plan.low_eligible
                    }
                };
                self.needs_assessment(t, eligible);
                if eligible {
                    let (vpw, minutes, reablement) = if reason == Referral::Reablement {
                        (7, 30, true)
                    } else {
                        let (v, m) = self.package_size();
                        (v, m, false)
                    };
                    let when = d + int(&mut self.rng, 1, 7);
                    self.schedule(
                        when,
                        Task::StartPackage {
                            visits_per_week: vpw,
                            minutes,
                            reablement,
                        },
                    );
                } else {
                    let when = d + int(&mut self.rng, 10, 40);
                    self.schedule(when, Task::CloseCase);
                    let text = self.voice.pick(&mut self.rng, text::SIGNPOST_NOTES);
                    self.note(Who::SocialWorker, t + HOUR, t + 2 * HOUR, text);
                }
            }
            Task::StartPackage {
                visits_per_week,
                minutes,
                reablement,
            } => {
                if self.package.is_some() {
                    return;
                }
                self.form_care_team(t);
                self.start_package(t + 10 * MIN, visits_per_week, minutes, reablement);
                if reablement {
                    self.schedule(d + 42, Task::EndReablement);
                } else {
                    self.next_review = d + int(&mut self.rng, 330, 400);
                }
            }
            Task::EndReablement => {
                self.review_assessment(t, text::DISCHARGE_REVIEW_OPENERS);
                let carry_on =
                    self.plan.traits.needs >= NeedsLevel::Low && chance(&mut self.rng, 0.5);
                if carry_on {
                    let (vpw, minutes) = self.package_size();
                    let tp = t + HOUR;
                    let tasks = self
                        .package
                        .as_ref()
                        .map(|p| p.tasks.clone())
                        .unwrap_or_default();
                    self.write_care_plan(tp, vpw, minutes, &tasks, false);
                    if let Some(p) = self.package.as_mut() {
                        p.visits_per_week = vpw;
                        p.minutes = minutes;
                    }
                    self.next_review = d + int(&mut self.rng, 330, 400);
                } else {
                    self.write_care_plan(t + HOUR, 0, 30, &[], false);
                    self.end_care_team(t + 2 * HOUR);
                    let when = d + int(&mut self.rng, 7, 21);
                    self.schedule(when, Task::CloseCase);
                }
            }
            Task::CloseCase => {
                if self.package.is_some() || !self.sw_open {
                    return;
                }
                let text = self.voice.fill("Case closed. {name} has been given our contact details in case anything changes.");
                self.note(Who::SocialWorker, t, t + 20 * MIN, text);
                let council = self.cx.orgs.council;
                self.close_rels(t + HOUR, |r| r.org == council);
                self.sw_open = false;
                self.fit = None;
            }
            Task::FallsAssessment(setting) => {
                let who = if self.has_author(Who::ProviderNurse, t) {
                    Who::ProviderNurse
                } else if chance(&mut self.rng, 0.6) {
                    Who::Gp
                } else {
                    return;
                };
                self.falls_assessment(who, t, setting);
            }
            Task::MedReviewAfterFall => self.medication_review(t, true),
            Task::SocialWorkerFallNote => {
                let text = self.voice.pick(&mut self.rng, text::FALL_CASE_NOTES);
                let rec = t + int(&mut self.rng, 10, 120) * MIN;
                self.note(Who::SocialWorker, t, rec, text);
            }
            Task::ResolveCondition(i) => {
                let Some(c) = self.conds.get(i).cloned() else {
                    return;
                };
                if c.resolved {
                    return;
                }
                let Some(author) = self.author(Who::Gp, t) else {
                    return;
                };
                let data = Condition {
                    status: ConditionStatus::Resolved,
                    ..c.data
                };
                let rec = (t + 10 * MIN).max(c.rec + MIN);
                let gp = self.cx.orgs.gp;
                self.emit(
                    gp,
                    author,
                    t,
                    rec,
                    Some(c.entry),
                    EntryData::Condition(data),
                );
                self.conds[i].resolved = true;
            }
            Task::EpisodeFollowUp(severity) => {
                let who = if self.has_package_at(t) && self.has_author(Who::ProviderNurse, t) {
                    Who::ProviderNurse
                } else {
                    Who::Gp
                };
                let kind = self.episode.map(|e| e.kind);
                self.full_observation(
                    who,
                    t,
                    ObsSpec {
                        severity,
                        kind,
                        ..ObsSpec::default()
                    },
                );
            }
            Task::PostDischargeReview { fracture } => {
                if !self.sw_open {
                    return;
                }
                self.review_assessment(t, text::DISCHARGE_REVIEW_OPENERS);
                if let Some(p) = self.package.clone() {
                    let vpw = if fracture {
                        (p.visits_per_week + 3).min(21)
                    } else {
                        p.visits_per_week
                    };
                    self.write_care_plan(t + HOUR, vpw, p.minutes, &p.tasks, false);
                    if let Some(p) = self.package.as_mut() {
                        p.visits_per_week = vpw;
                    }
                }
            }
            Task::StopDuplicate(i) => {
                if self.stop_medicine(i, t) {
                    let drug = codes::atc(&self.meds[i].data.atc).display;
                    let text = format!(
                        "Medicines reconciled. Stopped the earlier prescription of {drug} so that only one remains."
                    );
                    self.note(Who::Gp, t + 5 * MIN, t + 30 * MIN, text);
                }
            }
        }
    }
}

fn injury_index(injury: InjurySeverity) -> usize {
    match injury {
        InjurySeverity::None => 0,
        InjurySeverity::Minor => 1,
        InjurySeverity::Moderate => 2,
        InjurySeverity::Severe => 3,
        InjurySeverity::Fatal => 4,
    }
}

/// `k` items in 0..=`max` with one decimal that add up to about `total`.
fn spread(rng: &mut Prng, total: f64, k: usize, max: f64) -> Vec<f64> {
    let mean = total / k as f64;
    (0..k)
        .map(|_| {
            let x = (mean + 0.8 * normal(rng)).clamp(0.0, max);
            (x * 10.0).round() / 10.0
        })
        .collect()
}
