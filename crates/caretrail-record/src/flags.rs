//! Decision support on the write path (`reference/instruments.md`, "Flags raised on writes";
//! DESIGN §2: "Flags raised by insight are entries authored by the system, stamped with
//! instrument/model name and version and the inputs they used").
//!
//! [`Record::flags_for`] reads what a new entry, together with the person's record, lets
//! `caretrail-insight` score, and returns the flag entries the results raise, authored by the
//! system account, for the caller to commit **with** the entry (one transaction). It writes
//! nothing itself, and it knows nothing of who may write what: the server authorises the
//! system's flag writes through `caretrail-access`.
//!
//! | new entry | instrument | input |
//! |---|---|---|
//! | observation with all eight NEWS2 vital signs | `news2` | the observation |
//! | medication | `medication` | the person's medicines (this one included, amended ones left out), reviewed at the entry's effective date |
//! | falls assessment (all six Morse items) | `morse` | the assessment |
//! | incident of type fall | `morse` | the latest falls assessment with `history_of_falling` set; without one, or below the high band, a reassessment prompt |
//! | questionnaire `ors` | `ors` | the person's ORS series in effective-time order and their age at the entry's date |
//! | questionnaire `srs`, `soc13` | `srs`, `soc13` | the questionnaire |
//!
//! Supersession: "a new flag for the same person, instrument and reason supersedes the open one".
//! The new flag entry `amends` the open flag (the record's own link between entries: nothing is
//! deleted, and the earlier flag stays in the ledger). A flag is open while no acknowledgement
//! names it and no later flag amends it ([`FlagStatus`]).

use std::collections::{HashMap, HashSet};

use caretrail_core::data::{
    Acknowledgement, AssessmentType, Incident, IncidentType, Observation, QuestionnaireInstrument,
};
use caretrail_core::{
    Entry, EntryData, EntryId, EntryKind, Organisation, OrganisationId, OrganisationKind, PersonId,
    Role, User, UserId,
};
use caretrail_insight::{Flag, Scored, Severity};
use serde::{Deserialize, Serialize};
use serde_json::json;

use caretrail_access::{CategorySet, categories_of};
use caretrail_store::{Appended, StoreError, Write};

use crate::error::RecordError;
use crate::service::{NewEntryRequest, Record};

/// The system account's username (the author of every flag).
pub const SYSTEM_USERNAME: &str = "caretrail-system";

/// The system account's id: the same in every deployment, so that two processes that create it
/// create the same row.
pub fn system_user_id() -> UserId {
    UserId::from_random_bytes(*b"caretrail-system")
}

/// The organisation the system account belongs to: the first council, else the first
/// organisation; `None` for a deployment with no organisation yet.
pub fn system_home(organisations: &[Organisation]) -> Option<OrganisationId> {
    organisations
        .iter()
        .find(|o| o.kind == OrganisationKind::Council)
        .or(organisations.first())
        .map(|o| o.id)
}

/// The system account for a deployment whose first council (or first organisation) is
/// `organisation`. It has no password, so nobody signs in as it.
pub fn system_user(organisation: OrganisationId) -> User {
    User {
        id: system_user_id(),
        username: SYSTEM_USERNAME.into(),
        display_name: "caretrail system".into(),
        role: Role::System,
        organisation,
        person: None,
    }
}

/// The operator account's username: whoever runs the command line on the server.
pub const OPERATOR_USERNAME: &str = "caretrail-operator";

/// The operator account's id: the same in every deployment.
pub fn operator_user_id() -> UserId {
    UserId::from_random_bytes(*b"caretrail-operat")
}

/// The operator account of a deployment whose system home is `organisation`. It has no
/// password, so nobody signs in as it.
pub fn operator_user(organisation: OrganisationId) -> User {
    User {
        id: operator_user_id(),
        username: OPERATOR_USERNAME.into(),
        display_name: "caretrail operator (command line)".into(),
        role: Role::Operator,
        organisation,
        person: None,
    }
}

/// Where a flag stands: open until it is acknowledged or superseded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    Open,
    Acknowledged,
    Superseded,
}

/// A flag entry with its status and the entries that closed it.
#[derive(Debug, Clone)]
pub struct FlagState {
    pub entry: Entry,
    pub status: FlagStatus,
    /// The acknowledgement entry, when acknowledged.
    pub acknowledgement: Option<Entry>,
    /// The flag entry that supersedes this one, when superseded.
    pub superseded_by: Option<EntryId>,
}

impl FlagState {
    /// The flag's reason (the row of the flag table), from its explanation.
    pub fn reason(&self) -> Option<&str> {
        self.entry
            .data
            .as_ref()?
            .get("explanation")?
            .get("reason")?
            .as_str()
    }

    /// The flag's instrument.
    pub fn instrument(&self) -> Option<&str> {
        self.entry.data.as_ref()?.get("instrument")?.as_str()
    }
}

/// A fall prompts reassessment (NICE NG249: after a fall, a multifactorial assessment). This row
/// is caretrail's own: the reference's flag table has no row for an incident.
const FALL_REASON: &str = "fall_reassessment";

impl Record {
    /// The system account: the user with role `system`, created (without a password) in the
    /// first council, else the first organisation, else `fallback`, when the deployment has none.
    pub fn system_account(&self, fallback: OrganisationId) -> Result<User, RecordError> {
        if let Some(u) = self.system.lock().expect("system account lock").clone() {
            return Ok(u);
        }
        let users = self.store().users()?;
        let user = match users.into_iter().find(|u| u.role == Role::System) {
            Some(u) => u,
            None => {
                let org = system_home(&self.store().organisations()?).unwrap_or(fallback);
                let user = system_user(org);
                self.add_account_without_password(&user)?;
                user
            }
        };
        *self.system.lock().expect("system account lock") = Some(user.clone());
        Ok(user)
    }

    /// The operator: the account the command line acts as. Stored with the directory (in the
    /// system's organisation) once the deployment has an organisation; before that it exists
    /// only as the principal of the commands run, with no organisation.
    pub fn operator_account(&self) -> Result<User, RecordError> {
        if let Some(u) = self
            .store()
            .users()?
            .into_iter()
            .find(|u| u.role == Role::Operator)
        {
            return Ok(u);
        }
        let Some(org) = system_home(&self.store().organisations()?) else {
            return Ok(operator_user(OrganisationId::from_bytes([0; 16])));
        };
        let user = operator_user(org);
        self.add_account_without_password(&user)?;
        Ok(user)
    }

    /// Adds an account that cannot sign in (the system, the operator) to the directory.
    fn add_account_without_password(&self, user: &User) -> Result<(), RecordError> {
        self.put_facts(
            vec![caretrail_store::fact::Fact::User {
                user: user.clone(),
                password_hash: None,
            }],
            None,
        )
    }

    /// The person's flags, oldest first, each with its status.
    pub(crate) fn flags(&self, person: PersonId) -> Result<Vec<FlagState>, RecordError> {
        let entries = self.timeline_where(person, |m| {
            matches!(m.kind, EntryKind::Flag | EntryKind::Acknowledgement)
        })?;
        let mut acks: HashMap<EntryId, Entry> = HashMap::new();
        let mut superseded: HashMap<EntryId, EntryId> = HashMap::new();
        for e in &entries {
            match e.kind {
                EntryKind::Acknowledgement => {
                    if let Some(Ok(a)) = e
                        .data
                        .as_ref()
                        .map(caretrail_core::problem::deserialize_strict::<Acknowledgement>)
                    {
                        acks.entry(a.flag).or_insert_with(|| e.clone());
                    }
                }
                EntryKind::Flag => {
                    if let Some(old) = e.amends {
                        superseded.insert(old, e.id);
                    }
                }
                _ => {}
            }
        }
        let mut out: Vec<FlagState> = entries
            .into_iter()
            .filter(|e| e.kind == EntryKind::Flag)
            .map(|entry| {
                let acknowledgement = acks.get(&entry.id).cloned();
                let superseded_by = superseded.get(&entry.id).copied();
                let status = if acknowledgement.is_some() {
                    FlagStatus::Acknowledged
                } else if superseded_by.is_some() {
                    FlagStatus::Superseded
                } else {
                    FlagStatus::Open
                };
                FlagState {
                    entry,
                    status,
                    acknowledgement,
                    superseded_by,
                }
            })
            .collect();
        out.sort_by_key(|f| f.entry.leaf_index);
        Ok(out)
    }

    /// The flag entries `new` raises, authored by the system account, each superseding the person's open
    /// flag of the same instrument and reason. Input the instruments refuse (for example an ORS
    /// for a person under 6) raises nothing.
    pub(crate) fn flags_for(
        &self,
        new: &NewEntryRequest,
    ) -> Result<Vec<NewEntryRequest>, RecordError> {
        let raised = self.evaluate_write(new)?;
        if raised.is_empty() {
            return Ok(Vec::new());
        }
        let system = self.system_account(new.organisation)?;
        let open: Vec<FlagState> = self
            .flags(new.person)?
            .into_iter()
            .filter(|f| f.status == FlagStatus::Open)
            .collect();
        let mut out = Vec::new();
        for Raised {
            flag,
            inputs,
            scored,
        } in raised
        {
            let supersedes = open
                .iter()
                .rev()
                .find(|f| {
                    f.instrument() == Some(flag.instrument) && f.reason() == Some(flag.reason)
                })
                .map(|f| f.entry.id);
            let mut flag_data = flag.to_entry_data(inputs);
            // The exact input the instrument scored and its whole result, so that the flag
            // explains itself without the entries it read.
            if let (Some((input, result)), Some(map)) =
                (scored, flag_data.explanation.as_object_mut())
            {
                map.insert("input".into(), input);
                map.insert("result".into(), result);
            }
            // The flag discloses what it was computed from: it carries their categories.
            let categories = self.categories_of_inputs(new, &flag_data.inputs)?;
            flag_data.categories = Some(categories.iter().collect());
            let data = EntryData::Flag(flag_data);
            data.validate()?;
            out.push(NewEntryRequest {
                id: EntryId::new(),
                person: new.person,
                organisation: system.organisation,
                author: system.clone(),
                recorded_at: new.recorded_at,
                effective_at: new.effective_at,
                amends: supersedes,
                data,
            });
        }
        Ok(out)
    }

    /// The consent categories of a flag's inputs: `new` itself or the person's stored entries.
    fn categories_of_inputs(
        &self,
        new: &NewEntryRequest,
        inputs: &[EntryId],
    ) -> Result<CategorySet, RecordError> {
        let mut set = CategorySet::EMPTY;
        for id in inputs {
            if *id == new.id {
                set.extend(categories_of(&new.data.codes()));
            } else if let Some(row) = self.store().entry(*id)? {
                set.extend(categories_of(&self.decrypt(&row)?.codes));
            }
        }
        Ok(set)
    }

    /// Submits `body` (an answer to `flag`) only if the flag is still open when it commits: the
    /// person's latest flag and acknowledgement leaves are read first, then the flag's state,
    /// and the batch expects both leaves unchanged, so anything written in between makes it
    /// stale and it is read again (a few times at most).
    pub(crate) fn submit_if_flag_open(
        &self,
        person: PersonId,
        flag: EntryId,
        body: Vec<Write>,
    ) -> Result<Appended, RecordError> {
        for _ in 0..4 {
            let latest = |kind| -> Result<Write, RecordError> {
                Ok(Write::Expect {
                    person,
                    kind,
                    latest: self
                        .store()
                        .latest_entry_of_kind(person, kind)?
                        .map(|r| r.leaf_index),
                })
            };
            let mut writes = vec![
                latest(EntryKind::Flag)?,
                latest(EntryKind::Acknowledgement)?,
            ];
            let open = self
                .flags(person)?
                .iter()
                .any(|f| f.entry.id == flag && f.status.is_open());
            if !open {
                return Err(RecordError::FlagNotOpen);
            }
            writes.extend(body.iter().cloned());
            match self.writer.submit(writes) {
                Err(StoreError::Stale) => continue,
                other => return Ok(other?),
            }
        }
        Err(RecordError::Conflict(
            "the person's flags kept changing while this answer was written; try again".into(),
        ))
    }

    /// The flags `new` raises, each with the entries it read.
    fn evaluate_write(&self, new: &NewEntryRequest) -> Result<Vec<Raised>, RecordError> {
        let scored = |instrument: &str, input: serde_json::Value| {
            // Refused input raises nothing; the refusal names fields, never values.
            caretrail_insight::evaluate(instrument, &input)
                .ok()
                .map(|s| (input, s))
        };
        let raise = |s: Option<(serde_json::Value, Scored)>, inputs: Vec<EntryId>| {
            s.and_then(|(input, s)| {
                let flag = s.flag()?;
                Some(vec![Raised {
                    flag,
                    inputs,
                    scored: Some((input, s.to_json())),
                }])
            })
            .unwrap_or_default()
        };
        let date = new.effective_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        Ok(match &new.data {
            EntryData::Observation(o) if complete_vitals(o) => {
                let mut input = new.data.to_value();
                if let Some(map) = input.as_object_mut() {
                    map.remove("weight_kg");
                }
                raise(scored(caretrail_insight::news2::NAME, input), vec![new.id])
            }
            EntryData::Assessment(a) => match morse_items(&new.data) {
                Some(items) if a.assessment_type == AssessmentType::Falls => {
                    raise(scored(caretrail_insight::morse::NAME, items), vec![new.id])
                }
                _ => Vec::new(),
            },
            EntryData::Incident(Incident {
                incident_type: IncidentType::Fall,
                ..
            }) => self.after_a_fall(new)?,
            EntryData::Medication(_) => {
                let mut medicines: Vec<(EntryId, serde_json::Value)> = self
                    .current(new, EntryKind::Medication)?
                    .into_iter()
                    .filter_map(|e| Some((e.id, e.data?)))
                    .collect();
                medicines.push((new.id, new.data.to_value()));
                let items: Vec<serde_json::Value> = medicines
                    .iter()
                    .map(|(id, d)| {
                        json!({"id": id.to_string(), "atc": d["atc"], "start": d["start"],
                               "end": d.get("end").cloned().unwrap_or(serde_json::Value::Null),
                               "prn": d.get("prn").cloned().unwrap_or(json!(false))})
                    })
                    .collect();
                let s = scored(
                    caretrail_insight::medication::NAME,
                    json!({"date": date.to_string(), "medications": items}),
                );
                let inputs = match &s {
                    Some((_, Scored::Medication(r))) => {
                        r.active.iter().filter_map(|id| id.parse().ok()).collect()
                    }
                    _ => Vec::new(),
                };
                raise(s, inputs)
            }
            EntryData::Questionnaire(q) => match q.instrument {
                QuestionnaireInstrument::Ors => {
                    let Some(profile) = self.profile(new.person)? else {
                        return Ok(Vec::new());
                    };
                    let Ok(age) = profile.date_of_birth.until((jiff::Unit::Year, date)) else {
                        return Ok(Vec::new());
                    };
                    let mut series: Vec<(jiff::Timestamp, EntryId, serde_json::Value)> = self
                        .current(new, EntryKind::Questionnaire)?
                        .into_iter()
                        .filter_map(|e| {
                            let d = e.data?;
                            (d["instrument"] == "ors")
                                .then(|| (e.effective_at, e.id, d["items"].clone()))
                        })
                        .collect();
                    series.push((new.effective_at, new.id, json!(q.items)));
                    series.sort_by_key(|(at, _, _)| *at);
                    let sessions: Vec<&serde_json::Value> = series.iter().map(|s| &s.2).collect();
                    raise(
                        scored(
                            caretrail_insight::fit::ORS_NAME,
                            json!({"age": age.get_years(), "sessions": sessions}),
                        ),
                        series.iter().map(|s| s.1).collect(),
                    )
                }
                QuestionnaireInstrument::Srs => raise(
                    scored(caretrail_insight::fit::SRS_NAME, json!({"items": q.items})),
                    vec![new.id],
                ),
                QuestionnaireInstrument::Soc13 => {
                    // Scored for its version and trend; SOC-13 has no cut-off and never flags.
                    let items: Vec<i64> = q.items.iter().map(|x| *x as i64).collect();
                    raise(
                        scored(caretrail_insight::soc13::NAME, json!({"items": items})),
                        vec![new.id],
                    )
                }
            },
            _ => Vec::new(),
        })
    }

    /// A fall: the Morse Fall Scale from the latest falls assessment, rescored with the fall;
    /// a high band flags per the table, anything else prompts reassessment.
    fn after_a_fall(&self, new: &NewEntryRequest) -> Result<Vec<Raised>, RecordError> {
        let latest = self
            .current(new, EntryKind::Assessment)?
            .into_iter()
            .rev()
            .find_map(|e| {
                let data = EntryData::parse(EntryKind::Assessment, e.data.as_ref()?).ok()?;
                let mut items = morse_items(&data)?;
                items["history_of_falling"] = json!(true);
                Some((e.id, items))
            });
        if let Some((assessment, items)) = latest {
            let scored = caretrail_insight::evaluate(caretrail_insight::morse::NAME, &items).ok();
            if let Some((mut f, s)) = scored.and_then(|s| Some((s.flag()?, s))) {
                f.explanation = format!("After a recorded fall: {}", f.explanation);
                return Ok(vec![Raised {
                    flag: f,
                    inputs: vec![new.id, assessment],
                    scored: Some((items, s.to_json())),
                }]);
            }
        }
        let version = caretrail_insight::version(caretrail_insight::morse::NAME).unwrap_or("");
        Ok(vec![Raised {
            flag: Flag {
                instrument: caretrail_insight::morse::NAME,
                version,
                severity: Severity::Low,
                reason: FALL_REASON,
                thresholds: vec!["fall recorded"],
                explanation: "A fall was recorded: reassess the Morse Fall Scale and consider a multifactorial falls assessment (NICE NG249).".into(),
            },
            inputs: vec![new.id],
            scored: None,
        }])
    }

    /// The person's current entries of `kind` in effective-time order: erased ones and those
    /// amended by a later entry (or by `new`) left out.
    fn current(&self, new: &NewEntryRequest, kind: EntryKind) -> Result<Vec<Entry>, RecordError> {
        let entries = self.timeline_where(new.person, |m| m.kind == kind)?;
        let amended: HashSet<EntryId> = entries
            .iter()
            .filter_map(|e| e.amends)
            .chain(new.amends)
            .collect();
        Ok(entries
            .into_iter()
            .filter(|e| !amended.contains(&e.id) && e.data.is_some())
            .collect())
    }
}

/// A flag a write raises: the entries it read and, when an instrument scored it, the exact input
/// object and the instrument's whole result.
struct Raised {
    flag: Flag,
    inputs: Vec<EntryId>,
    scored: Option<(serde_json::Value, serde_json::Value)>,
}

/// All eight NEWS2 parameters are present (soft signs are optional).
fn complete_vitals(o: &Observation) -> bool {
    o.respiration_rate.is_some()
        && o.spo2.is_some()
        && o.spo2_scale.is_some()
        && o.supplemental_oxygen.is_some()
        && o.systolic_bp.is_some()
        && o.pulse.is_some()
        && o.consciousness.is_some()
        && o.temperature.is_some()
}

/// The six Morse Fall Scale items of an assessment, as the instrument's input, when all are set.
fn morse_items(data: &EntryData) -> Option<serde_json::Value> {
    let EntryData::Assessment(a) = data else {
        return None;
    };
    Some(json!({
        "history_of_falling": a.history_of_falling?,
        "secondary_diagnosis": a.secondary_diagnosis?,
        "ambulatory_aid": a.ambulatory_aid?,
        "iv_or_heparin_lock": a.iv_or_heparin_lock?,
        "gait": a.gait?,
        "mental_status": a.mental_status?,
    }))
}
