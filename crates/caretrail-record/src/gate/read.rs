//! Capabilities for reads: a [`Gate`] method decides and audits, and hands back an
//! [`Audited<A>`] whose methods are the only way to what `A` names. The handle holds the
//! [`Grant`], so everything it returns is already cut to what the grant lets the caller see
//! (entries in categories the person's consent withholds are left out, flags included).

use std::collections::HashMap;
use std::marker::PhantomData;

use caretrail_access::{Action, CategorySet, Grant, categories_of};
use caretrail_core::data::Consent;
use caretrail_core::{
    AuditEvent, CareRelationship, Entry, EntryId, EntryKind, PersonId, PersonProfile, UserId,
};
use jiff::Timestamp;

use super::Gate;
use crate::error::RecordError;
use crate::flags::FlagState;
use crate::service::Record;

/// Proof that the caller was allowed `A` on one person's record and that the attempt is in the
/// log. Only the gate makes one.
#[derive(Debug)]
pub struct Audited<'r, A> {
    record: &'r Record,
    grant: Grant,
    person: PersonId,
    act: PhantomData<fn() -> A>,
}

/// Read the person's entries and who they are (timeline, record view, profile).
#[derive(Debug)]
pub enum RecordRead {}
/// Read the person's decision-support flags.
#[derive(Debug)]
pub enum FlagsRead {}
/// Read the consent directives in force.
#[derive(Debug)]
pub enum ConsentRead {}
/// Read who accessed the record.
#[derive(Debug)]
pub enum AccessLogRead {}
/// Everything held about the person (a citizen's own, GDPR Arts. 15 and 20).
#[derive(Debug)]
pub enum ExportRead {}

impl<'r> Gate<'r> {
    fn open<A>(&self, person: PersonId, action: Action) -> Result<Audited<'r, A>, RecordError> {
        self.admit(Some(person), action.audit_action(), Ok(()))?;
        let grant = self.authorise(person, &action)?;
        Ok(Audited {
            record: self.record(),
            grant,
            person,
            act: PhantomData,
        })
    }

    pub fn read_record(&self, person: PersonId) -> Result<Audited<'r, RecordRead>, RecordError> {
        self.open(person, Action::ReadRecord)
    }

    pub fn read_flags(&self, person: PersonId) -> Result<Audited<'r, FlagsRead>, RecordError> {
        self.open(person, Action::ReadFlags)
    }

    pub fn read_consent(&self, person: PersonId) -> Result<Audited<'r, ConsentRead>, RecordError> {
        self.open(person, Action::ReadConsent)
    }

    pub fn read_access_log(
        &self,
        person: PersonId,
    ) -> Result<Audited<'r, AccessLogRead>, RecordError> {
        self.open(person, Action::ReadAccessLog)
    }

    pub fn export(&self, person: PersonId) -> Result<Audited<'r, ExportRead>, RecordError> {
        self.open(person, Action::ExportOwnRecord)
    }
}

impl<A> Audited<'_, A> {
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    pub fn person(&self) -> PersonId {
        self.person
    }
}

/// Which entries of a timeline to return: by kind and by effective time, `[from, to)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimelineFilter {
    pub kind: Option<EntryKind>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl TimelineFilter {
    fn keeps(&self, m: &caretrail_core::EntryMeta) -> bool {
        self.kind.is_none_or(|k| m.kind == k)
            && self.from.is_none_or(|f| m.effective_at >= f)
            && self.to.is_none_or(|t| m.effective_at < t)
    }
}

/// Who the record is about: profile and the care relationships active now.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub id: PersonId,
    /// `None` once erased.
    pub profile: Option<PersonProfile>,
    pub erased: bool,
    pub relationships: Vec<CareRelationship>,
}

impl Audited<'_, RecordRead> {
    /// The timeline as a JSON array of entries, filtered on metadata before decryption; entries
    /// the grant may not show are left out.
    pub fn timeline_json(&self, filter: &TimelineFilter) -> Result<Vec<u8>, RecordError> {
        let grant = &self.grant;
        self.record.timeline_json(
            self.person,
            |m| filter.keeps(m),
            |kind, codes, data| self.record.may_show(grant, kind, codes, data),
        )
    }

    /// The same entries as typed values.
    pub fn timeline(&self, filter: &TimelineFilter) -> Result<Vec<Entry>, RecordError> {
        let entries = self
            .record
            .timeline_where(self.person, |m| filter.keeps(m))?;
        self.record.visible(&self.grant, entries)
    }

    /// Who the record is about.
    pub fn person_view(&self) -> Result<PersonView, RecordError> {
        let row = self.record.person_row(self.person)?;
        let now = Timestamp::now();
        let relationships = self
            .record
            .store()
            .relationships_for_person(self.person)?
            .into_iter()
            .filter(|r| r.is_active_at(now))
            .collect();
        Ok(PersonView {
            id: self.person,
            profile: self.record.profile(self.person)?,
            erased: row.erased_at.is_some(),
            relationships,
        })
    }
}

impl Audited<'_, FlagsRead> {
    /// The person's flags the grant may show, oldest first, each with its status.
    pub fn flags(&self) -> Result<Vec<FlagState>, RecordError> {
        self.record.visible_flags(&self.grant, self.person)
    }
}

/// The consent directives in force and the entry that set them.
#[derive(Debug, Clone)]
pub struct ConsentInForce {
    /// Applied in order; a later directive about the same organisation and category wins.
    pub directives: Vec<Consent>,
    /// The consent entry that set them; `None` when none has been recorded.
    pub entry: Option<EntryId>,
    pub recorded_at: Option<Timestamp>,
}

impl Audited<'_, ConsentRead> {
    pub fn consent(&self) -> Result<ConsentInForce, RecordError> {
        Ok(match self.record.current_consent(self.person)? {
            None => ConsentInForce {
                directives: Vec::new(),
                entry: None,
                recorded_at: None,
            },
            Some((entry, directives)) => ConsentInForce {
                directives,
                entry: Some(entry.id),
                recorded_at: Some(entry.recorded_at),
            },
        })
    }
}

/// One access event with the accessor's and the organisation's display names.
#[derive(Debug, Clone)]
pub struct AccessLine {
    pub event: AuditEvent,
    pub accessor: String,
    pub organisation: String,
}

impl Audited<'_, AccessLogRead> {
    /// Every audited decision concerning the person, oldest first, with display names.
    pub fn access_log(&self) -> Result<Vec<AccessLine>, RecordError> {
        let store = self.record.store();
        let orgs: HashMap<_, _> = store
            .organisations()?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let mut names: HashMap<UserId, String> = HashMap::new();
        let mut out = Vec::new();
        for event in self.record.access_log(self.person)? {
            let accessor = match names.get(&event.accessor) {
                Some(n) => n.clone(),
                None => {
                    let name = store
                        .user(event.accessor)?
                        .map_or_else(|| "(unknown account)".to_owned(), |u| u.display_name);
                    names.insert(event.accessor, name.clone());
                    name
                }
            };
            out.push(AccessLine {
                organisation: orgs.get(&event.organisation).cloned().unwrap_or_default(),
                accessor,
                event,
            });
        }
        Ok(out)
    }
}

/// Everything held about a person.
#[derive(Debug, Clone)]
pub struct ExportParts {
    pub profile: Option<PersonProfile>,
    pub entries: Vec<Entry>,
    pub relationships: Vec<CareRelationship>,
    pub access_log: Vec<AuditEvent>,
}

impl Audited<'_, ExportRead> {
    pub fn export(&self) -> Result<ExportParts, RecordError> {
        Ok(ExportParts {
            profile: self.record.profile(self.person)?,
            entries: self.record.timeline(self.person)?,
            relationships: self.record.store().relationships_for_person(self.person)?,
            access_log: self.record.access_log(self.person)?,
        })
    }
}

/// The part of a flag's data that says what it discloses.
#[derive(serde::Deserialize)]
struct FlagDisclosure {
    #[serde(default)]
    categories: Option<Vec<caretrail_core::data::ConsentCategory>>,
    #[serde(default)]
    inputs: Vec<EntryId>,
}

impl Record {
    /// The consent categories an entry carries: those of its codes and, for a flag, those of the
    /// entries it was computed from.
    pub(crate) fn categories_of_entry(&self, entry: &Entry) -> CategorySet {
        let mut set = categories_of(&entry.codes);
        if entry.kind == EntryKind::Flag {
            let disclosure = entry
                .data
                .as_ref()
                .map(|d| serde_json::from_value::<FlagDisclosure>(d.clone()));
            set.extend(self.flag_categories(disclosure));
        }
        set
    }

    /// A flag's categories. One stored without them counts as carrying every category of its
    /// inputs; one whose data does not decode, or whose inputs cannot be read, as every
    /// category (withheld wherever anything is).
    fn flag_categories(
        &self,
        disclosure: Option<Result<FlagDisclosure, serde_json::Error>>,
    ) -> CategorySet {
        let everything = CategorySet::of(CategorySet::ALL_CATEGORIES);
        match disclosure {
            // Erased: nothing is left to show.
            None => CategorySet::EMPTY,
            Some(Err(_)) => everything,
            Some(Ok(FlagDisclosure {
                categories: Some(c),
                ..
            })) => CategorySet::of(c),
            Some(Ok(FlagDisclosure {
                categories: None,
                inputs,
            })) => {
                let mut set = CategorySet::EMPTY;
                for id in inputs {
                    let codes = self
                        .store()
                        .entry(id)
                        .ok()
                        .flatten()
                        .map(|row| self.decrypt(&row).map(|e| e.codes));
                    match codes {
                        Some(Ok(codes)) => set.extend(categories_of(&codes)),
                        None => {}
                        Some(Err(_)) => return everything,
                    }
                }
                set
            }
        }
    }

    /// May an entry of `kind` with these codes and (sealed) data be shown under `grant`?
    pub(crate) fn may_show(
        &self,
        grant: &Grant,
        kind: EntryKind,
        codes: &[caretrail_core::Code],
        data: Option<&serde_json::value::RawValue>,
    ) -> bool {
        if grant.hidden_categories().is_empty() {
            return true;
        }
        let mut set = categories_of(codes);
        if kind == EntryKind::Flag {
            let disclosure = data.map(|d| serde_json::from_str::<FlagDisclosure>(d.get()));
            set.extend(self.flag_categories(disclosure));
        }
        grant.may_see(set)
    }

    /// The entries `grant` may show.
    pub(crate) fn visible(
        &self,
        grant: &Grant,
        entries: Vec<Entry>,
    ) -> Result<Vec<Entry>, RecordError> {
        if grant.hidden_categories().is_empty() {
            return Ok(entries);
        }
        Ok(entries
            .into_iter()
            .filter(|e| grant.may_see(self.categories_of_entry(e)))
            .collect())
    }

    /// The person's flags `grant` may show, each with its status.
    pub(crate) fn visible_flags(
        &self,
        grant: &Grant,
        person: PersonId,
    ) -> Result<Vec<FlagState>, RecordError> {
        let flags = self.flags(person)?;
        if grant.hidden_categories().is_empty() {
            return Ok(flags);
        }
        Ok(flags
            .into_iter()
            .filter(|f| grant.may_see(self.categories_of_entry(&f.entry)))
            .collect())
    }
}
