//! Consent categories of entries: the one table that says which codes put an entry in the
//! mental-health, safeguarding or sexual-health category (issue scope 3: "a person can block …
//! a category (mental health, safeguarding, sexual health) from an organisation").
//!
//! Categories follow an entry's **codes** only. That is enough because `caretrail-core` derives
//! every category-relevant code from the entry's data (`EntryData::codes`): a condition carries
//! its SNOMED CT concept, a medication its ATC code, and a safeguarding incident the
//! "Adult safeguarding concern" concept. An entry may fall into more than one category, so the
//! answer is a [`CategorySet`]; an entry is hidden from an organisation when any of its
//! categories is.
//!
//! Decisions recorded here (change them here and nowhere else):
//! - **Depression is mental health**; so are antidepressants (ATC N06A) and antipsychotics
//!   (ATC N05A), because their presence discloses the condition a person may have withheld.
//!   Amitriptyline (N06AA09) is hidden too although it is often given for pain: over-hiding a
//!   medicine is the privacy-protective error, and break-glass reveals it in an emergency.
//! - **Dementia, Alzheimer's disease, delirium and impaired cognition are not** mental health for
//!   consent purposes, nor are anti-dementia drugs (N06D), hypnotics (N05C) or anxiolytics (N05B).
//!   They are neurocognitive conditions that every carer needs to know to care safely and to
//!   assess capacity under the Mental Capacity Act 2005 ss. 1–3. A person who wants them withheld
//!   can still block the organisation as a whole.
//! - **Safeguarding**: the SNOMED CT "Adult safeguarding concern" concept (766561000000109), which
//!   core attaches to every incident of type `safeguarding` (Care Act 2014 s. 42 enquiries).
//! - **Sexual health**: the curated code subset has no sexual-health concept yet, so nothing maps
//!   to it; add rows here when such codes join `caretrail_core::codes`.

use std::fmt;

use caretrail_core::codes::{self, Code, CodeSystem};
use caretrail_core::data::ConsentCategory;
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// How a code is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeMatch {
    /// Exactly this code in this system.
    Exact(CodeSystem, &'static str),
    /// Any ATC code in this group (a prefix such as `N06A`).
    AtcGroup(&'static str),
}

/// The table: which codes put an entry in which category.
const CATEGORY_TABLE: &[(CodeMatch, ConsentCategory)] = &[
    // SNOMED CT 35489007 Depressive disorder.
    (
        CodeMatch::Exact(CodeSystem::Snomed, "35489007"),
        ConsentCategory::MentalHealth,
    ),
    // ATC N06A antidepressants.
    (CodeMatch::AtcGroup("N06A"), ConsentCategory::MentalHealth),
    // ATC N05A antipsychotics.
    (CodeMatch::AtcGroup("N05A"), ConsentCategory::MentalHealth),
    // SNOMED CT 766561000000109 Adult safeguarding concern.
    (
        CodeMatch::Exact(CodeSystem::Snomed, codes::SAFEGUARDING_CONCERN),
        ConsentCategory::Safeguarding,
    ),
];

impl CodeMatch {
    fn matches(self, code: &Code) -> bool {
        match self {
            CodeMatch::Exact(system, c) => code.system == system && code.code == c,
            CodeMatch::AtcGroup(prefix) => {
                code.system == CodeSystem::Atc && code.code.starts_with(prefix)
            }
        }
    }
}

/// The consent categories an entry with these codes belongs to (empty for most entries).
pub fn categories_of(codes: &[Code]) -> CategorySet {
    let mut set = CategorySet::EMPTY;
    for (pattern, category) in CATEGORY_TABLE {
        if codes.iter().any(|c| pattern.matches(c)) {
            set.insert(*category);
        }
    }
    set
}

/// A set of [`ConsentCategory`] values (there are three), small enough to copy.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CategorySet(u8);

impl CategorySet {
    pub const EMPTY: CategorySet = CategorySet(0);

    /// Every consent category, in a fixed order.
    pub const ALL_CATEGORIES: [ConsentCategory; 3] = [
        ConsentCategory::MentalHealth,
        ConsentCategory::Safeguarding,
        ConsentCategory::SexualHealth,
    ];

    const fn bit(c: ConsentCategory) -> u8 {
        match c {
            ConsentCategory::MentalHealth => 1,
            ConsentCategory::Safeguarding => 2,
            ConsentCategory::SexualHealth => 4,
        }
    }

    /// The set holding just `c`.
    pub const fn single(c: ConsentCategory) -> Self {
        CategorySet(Self::bit(c))
    }

    pub fn of(categories: impl IntoIterator<Item = ConsentCategory>) -> Self {
        let mut set = Self::EMPTY;
        for c in categories {
            set.insert(c);
        }
        set
    }

    pub const fn contains(self, c: ConsentCategory) -> bool {
        self.0 & Self::bit(c) != 0
    }

    pub fn insert(&mut self, c: ConsentCategory) {
        self.0 |= Self::bit(c);
    }

    /// Adds every category of `other`.
    pub fn extend(&mut self, other: CategorySet) {
        self.0 |= other.0;
    }

    pub fn remove(&mut self, c: ConsentCategory) {
        self.0 &= !Self::bit(c);
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Do the two sets share a category?
    pub const fn intersects(self, other: CategorySet) -> bool {
        self.0 & other.0 != 0
    }

    /// The members, in the order of [`CategorySet::ALL_CATEGORIES`].
    pub fn iter(self) -> impl Iterator<Item = ConsentCategory> {
        Self::ALL_CATEGORIES
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<ConsentCategory> for CategorySet {
    fn from_iter<I: IntoIterator<Item = ConsentCategory>>(iter: I) -> Self {
        Self::of(iter)
    }
}

impl fmt::Debug for CategorySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Serialises as a JSON array of category names, e.g. `["mental-health"]`.
impl Serialize for CategorySet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for c in self.iter() {
            seq.serialize_element(&c)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_behave_like_a_set() {
        let mut s = CategorySet::EMPTY;
        assert!(s.is_empty());
        s.insert(ConsentCategory::SexualHealth);
        s.insert(ConsentCategory::MentalHealth);
        s.insert(ConsentCategory::MentalHealth);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [ConsentCategory::MentalHealth, ConsentCategory::SexualHealth]
        );
        assert!(s.intersects(CategorySet::single(ConsentCategory::SexualHealth)));
        assert!(!s.intersects(CategorySet::single(ConsentCategory::Safeguarding)));
        s.remove(ConsentCategory::MentalHealth);
        assert_eq!(s, CategorySet::single(ConsentCategory::SexualHealth));
        assert_eq!(format!("{s:?}"), "{SexualHealth}");
    }

    #[test]
    fn every_table_row_names_a_code_core_knows_or_an_atc_group() {
        for (pattern, _) in CATEGORY_TABLE {
            match pattern {
                CodeMatch::Exact(CodeSystem::Snomed, c) => {
                    assert!(
                        codes::snomed(c).is_some(),
                        "{c} is not in the curated subset"
                    )
                }
                CodeMatch::Exact(_, _) => {}
                CodeMatch::AtcGroup(g) => {
                    assert_eq!(g.len(), 4, "{g} is not an ATC level-3 group")
                }
            }
        }
    }
}
