//! Plain-English texts from templates: case notes, visit notes, incident descriptions and
//! assessment summaries, in the voice of social-care practitioners. Placeholders: `{name}` (title
//! and family name), `{he}`, `{He}`, `{his}`, `{His}`, `{him}`, `{rel}` (a relative or
//! neighbour), `{loc}` (where in the home), `{drug}`.

use crate::rng::{Prng, pick};

/// What a template needs to know about the person.
#[derive(Debug, Clone)]
pub(crate) struct Voice {
    pub name: String,
    pub female: bool,
    pub rel: &'static str,
}

impl Voice {
    pub fn fill(&self, template: &str) -> String {
        let (he, him, his) = if self.female {
            ("she", "her", "her")
        } else {
            ("he", "him", "his")
        };
        template
            .replace("{name}", &self.name)
            .replace("{He}", &capitalise(he))
            .replace("{His}", &capitalise(his))
            .replace("{he}", he)
            .replace("{him}", him)
            .replace("{his}", his)
            .replace("{rel}", self.rel)
    }

    pub fn pick(&self, rng: &mut Prng, templates: &[&str]) -> String {
        self.fill(pick::<&str>(rng, templates))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

pub(crate) const RELATIVES: &[&str] = &[
    "daughter",
    "son",
    "niece",
    "nephew",
    "neighbour",
    "granddaughter",
    "grandson",
    "sister",
    "brother",
    "friend",
];

/// Where a fall happened: (the incident's `location`, the phrase in the description).
pub(crate) const FALL_LOCATIONS: &[(&str, &str)] = &[
    ("bedroom", "in the bedroom"),
    ("bathroom", "in the bathroom"),
    ("kitchen", "in the kitchen"),
    ("living room", "in the living room"),
    ("hallway", "in the hallway"),
    ("stairs", "on the stairs"),
    ("garden", "in the garden"),
    ("front step", "on the front step"),
];

pub(crate) const VISIT_TASKS_BASIC: &[&str] = &[
    "medication prompt",
    "meal preparation",
    "drink left within reach",
    "welfare check",
];
pub(crate) const VISIT_TASKS_PERSONAL: &[&str] = &[
    "personal care",
    "assistance with dressing",
    "continence care",
    "strip wash",
    "shower with shower chair",
    "skin check and barrier cream",
];
pub(crate) const VISIT_TASKS_HOME: &[&str] = &[
    "laundry",
    "light housework",
    "shopping",
    "bins out",
    "support to attend appointment",
];

pub(crate) const VISIT_NOTES: &[&str] = &[
    "{name} was up and dressed when I arrived. Prompted medication from the blister pack and made tea and toast. {He} was in good spirits.",
    "Assisted {name} with a strip wash and getting dressed. {His} skin looks intact; applied barrier cream as per plan.",
    "{name} was still in bed and said {he} had a poor night. Assisted with personal care and breakfast. Left a drink within reach.",
    "Heated a ready meal for lunch and {name} ate about half. Encouraged fluids. Bins taken out.",
    "{name} seemed a little quieter than usual today but said {he} was fine. Will keep an eye on {him}.",
    "Supported {name} to shower using the shower chair. {He} managed the transfer with the frame.",
    "Evening call: supported {name} to get ready for bed, emptied the commode and checked the key safe was locked.",
    "{name}'s {rel} was visiting. Medication prompted and recorded on the MAR chart.",
    "Fridge is nearly empty; I let the office know so that {name}'s {rel} can be asked to do a shop.",
    "{name} was chatty and talked about {his} garden. Made sandwiches for later and a flask of tea.",
    "Prompted {name} to use {his} walking frame to the bathroom; {he} tends to leave it in the kitchen.",
    "Pad changed and skin checked, no redness. {name} ate all of {his} porridge.",
    "{name} declined a wash today. Respected {his} choice and will offer again at the next call. Medication taken.",
    "Replaced the battery in {name}'s hearing aid. {He} was pleased and we watched the news together for a few minutes.",
    "{name} said {his} legs felt stiff this morning. Helped {him} to the chair by the window and put the heating on.",
    "All tasks completed. {name} was watching the racing and did not want to chat.",
];

pub(crate) const MISSED_VISIT_NOTES: &[&str] = &[
    "Visit missed: the carer was delayed at the previous call and could not reach {name} within the window. Office informed.",
    "No answer at the door and the key safe code did not work. The office rang {name}'s {rel}, who confirmed {he} was safe.",
    "Visit not completed because of a rota error. The office phoned {name}, who was safe and had eaten.",
    "{name} was out with {his} {rel} at the time of the call; visit cancelled on the doorstep.",
];

pub(crate) const SW_CONTACT_NOTES: &[&str] = &[
    "Telephone call with {name}'s {rel}, who reports that the care package is working well and {name} is eating better. No changes needed at present.",
    "Home visit to {name}. {He} told me {he} feels lonely in the afternoons. Discussed a befriending service and a day centre place; {he} will think about it.",
    "Reviewed the care package with {name} and {his} {rel}. {name} would like the morning call a little later; I will raise this with the provider.",
    "Contacted the provider about call times. They confirmed the evening call will move to six o'clock.",
    "{name}'s {rel} rang, worried about {his} memory. Advised contacting the GP and agreed to visit next week.",
    "Visited {name} at home. The house was warm and tidy. {He} said the carers are kind but sometimes rushed.",
    "Offered a carer's assessment to {name}'s {rel}, who declined for now but knows how to ask later.",
    "Referral made to occupational therapy for a second stair rail and a perching stool in the kitchen.",
    "Discussed the financial assessment with {name}; {he} has agreed to send in recent bank statements.",
    "Case discussed in supervision. Plan to review the package in three months unless anything changes.",
    "Unannounced visit: {name} was sitting in the dark because a bulb had gone. Replaced it and asked {his} {rel} to check the others.",
    "Telephone review. {name} says things are about the same. Continue the current plan.",
    "{name} has asked whether {he} could try a lunch club on Wednesdays. Sent details of the one at the community centre.",
    "Spoke with the district nursing team about {name}'s skin integrity. They will visit weekly for now.",
];

pub(crate) const SIGNPOST_NOTES: &[&str] = &[
    "Needs assessment outcome shared with {name}. {His} needs do not meet the eligibility criteria at present. Signposted to the community navigator, a befriending service and the handyperson scheme. Case closed; {he} knows to contact us again if things change.",
    "Outcome letter sent. {name} manages most daily tasks with help from {his} {rel}. Information given on lunch clubs and the pendant alarm service. Closing the case.",
];

pub(crate) const NEEDS_OPENERS: &[&str] = &[
    "Needs assessment under the Care Act 2014 completed at home with {name} and {his} {rel}.",
    "Assessment carried out at {name}'s home. {He} was able to take part fully and gave {his} own views.",
    "Assessment completed with {name}; {his} {rel} joined by phone.",
];

pub(crate) const REVIEW_OPENERS: &[&str] = &[
    "Annual review of {name}'s care and support plan.",
    "Review of the care package with {name}, {his} {rel} and the provider.",
    "Planned review. {name} was seen at home with {his} {rel} present.",
];

pub(crate) const DISCHARGE_REVIEW_OPENERS: &[&str] = &[
    "Review after {name}'s discharge from hospital.",
    "Post-discharge review at home. {name} is glad to be back but is less steady on {his} feet.",
];

pub(crate) const FATAL_FALL_DESCRIPTION: &str = "{name} was found on the floor {loc} by the carer.";

pub(crate) const FALL_DESCRIPTIONS: &[&str] = &[
    "{name} was found on the floor {loc} by the carer. {He} said {he} slipped and could not get up.",
    "{name} reported a fall {loc} on the way to the toilet.",
    "{name} tripped and fell {loc}.",
    "{name}'s {rel} rang to say {he} had fallen {loc}. The pendant alarm was used and the response service attended.",
    "Unwitnessed fall {loc}.",
    "{name} lost {his} balance {loc} and sat down hard.",
    "{name} felt dizzy on standing and fell {loc}. {He} was not wearing {his} glasses.",
];

/// What the fall did, by injury severity (none, minor, moderate, severe, fatal).
pub(crate) const FALL_INJURIES: [&[&str]; 5] = [
    &[
        "No injury found.",
        "{He} was shaken but said nothing hurt.",
        "Checked from head to toe; no injury.",
    ],
    &[
        "Small skin tear to the forearm, cleaned and dressed.",
        "Bruise on the right hip; {he} is sore when walking.",
        "Graze to the knee, cleaned.",
    ],
    &[
        "Cut to the head that needed dressing; the GP was asked to review.",
        "Painful swollen wrist; sent for an X-ray.",
    ],
    &["In severe pain in the hip and unable to stand. Ambulance called; suspected fracture."],
    &["{He} was unresponsive when found. Paramedics attended but could not resuscitate."],
];

pub(crate) const FALL_CASE_NOTES: &[&str] = &[
    "The provider told us that {name} had a fall at home. Spoke with {name}, who is sore but coping. Asked the provider to make sure the walking frame is always within reach.",
    "Informed of {name}'s fall. Discussed a falls prevention referral and a pendant alarm with {him} and {his} {rel}; both agreed.",
    "Following {name}'s recent fall I have asked occupational therapy to look at the bathroom and the stairs.",
];

pub(crate) const MED_REVIEW_NOTES: &[&str] = &[
    "Structured medication review with {name}. Checked adherence, side effects and the blister pack arrangement.",
    "Medication review by telephone with {name} and {his} {rel}. Discussed dizziness on standing and the need for each medicine.",
    "Annual medication review. {name} is managing the blister pack with prompts from the carers.",
];

pub(crate) const DEPRESCRIBE_ANNUAL_NOTES: &[&str] = &[
    "Annual medication review. Stopped {drug} to reduce the risk of falls; {name} agreed to try without it.",
    "Medication review: {drug} no longer needed and stopped. Will review in a month.",
];

pub(crate) const DEPRESCRIBE_NOTES: &[&str] = &[
    "Medication review after a fall. Stopped {drug}, which increases the risk of falls. Will review in four weeks.",
    "Discussed the fall with {name}. Agreed to stop {drug}; {he} understands why and will report any problems.",
    "Falls-focused medication review: {drug} stopped. Lying and standing blood pressure checked.",
];

pub(crate) const ADMISSION_NOTES: &[&str] = &[
    "Admitted through the emergency department after a fall at home. Analgesia given and X-rays requested.",
    "Admitted with acute illness. Observations started and the family informed.",
    "Admitted from home by ambulance. {name} is more confused than usual according to {his} {rel}.",
];

pub(crate) const DISCHARGE_NOTES: &[&str] = &[
    "Discharged home. The home-care package has been restarted and the discharge letter sent to the GP.",
    "Medically fit for discharge. Transport booked; {name}'s {rel} will be at home to meet {him}.",
    "Discharged home with reablement support. Falls leaflet given and follow-up arranged with the GP.",
];

pub(crate) const EPISODE_NOTES: &[(&str, &[&str])] = &[
    (
        "uti",
        &[
            "{name} is more confused than usual and passing less urine. Urine dipstick positive; treated for a urine infection. Fluids encouraged.",
            "{name} is not {his} usual self and has new incontinence, {his} {rel} says. Likely urine infection; fluids encouraged and urine sample sent.",
        ],
    ),
    (
        "chest",
        &[
            "{name} has a new cough and is more breathless on exertion. Chest sounds crackly at the right base; GP asked to review today.",
            "Temperature raised and {name} has been coughing since yesterday. Observations repeated in four hours.",
        ],
    ),
    (
        "dehydration",
        &[
            "{name} has not been eating or drinking well for two days and looks dry. Fluid chart started and drinks to be offered regularly.",
            "Reduced oral intake and dark urine. {name} is drowsy in the afternoons. Encouraging fluids; repeat observations tomorrow.",
        ],
    ),
    (
        "delirium",
        &[
            "{name} is agitated and disorientated, which is new. Screened for infection and constipation; GP informed.",
            "Sudden change in {name}'s confusion overnight, seeing things that are not there. Family informed; urgent GP review requested.",
        ],
    ),
];

pub(crate) const SAFEGUARDING_NOTES: &[&str] = &[
    "A carer raised a concern that {name} has been giving large sums of money to a new acquaintance. Safeguarding concern logged and discussed with the team manager.",
    "Unexplained bruising noticed on {name}'s upper arms. Safeguarding concern raised; {name} was seen alone and gave an account.",
    "{name}'s {rel} appears to be struggling to cope and was heard shouting at {him}. Carer support offered and a safeguarding concern logged.",
];

pub(crate) const MEDICATION_ERROR_DESCRIPTIONS: &[&str] = &[
    "Evening medication not given: the blister pack was found untouched at the morning call.",
    "Two doses given close together because the MAR chart had not been signed at the previous call.",
    "Medication given from the wrong day of the blister pack. Pharmacist advised no harm expected.",
];

pub(crate) const OTHER_INCIDENT_DESCRIPTIONS: &[&str] = &[
    "Key safe found open at the morning call. Code changed the same day.",
    "Smoke alarm not working. Referred for a home fire safety check.",
    "Stair lift broke down and {name} slept downstairs in the chair. Repair booked.",
    "Heating not working during the cold spell. {His} {rel} arranged an engineer.",
];

pub(crate) const MISSED_VISIT_INCIDENTS: &[&str] = &[
    "Missed call: rota gap not covered. {name} was contacted and was safe.",
    "Late and then missed call after a carer went off sick. Welfare call made by the office.",
];

pub(crate) const FALLS_ASSESSMENT_SUMMARIES: &[&str] = &[
    "Falls risk assessment completed at home. Discussed footwear, lighting and keeping the frame within reach.",
    "Falls assessment as part of the routine review. Home hazards checked; rugs removed with {name}'s agreement.",
    "Routine falls risk review. Walking observed from the chair to the kitchen.",
];

pub(crate) const FALLS_ASSESSMENT_AFTER_FALL: &[&str] = &[
    "Morse Fall Scale completed after the recent fall. Walking observed from the chair to the kitchen.",
    "Falls assessment following the fall. {name} is using {his} frame but is less confident on {his} feet.",
];

pub(crate) const ORS_NOTES: &[&str] = &[
    "Outcome and session rating scales completed with {name}. We talked about what has helped this fortnight.",
    "Session with {name} focused on getting out of the house more. Scores discussed together.",
];

pub(crate) const DEATH_NOTES: &[&str] = &[
    "Informed that {name} has died following a fall at home. Condolences passed on to the family. Care package ended.",
];

pub(crate) const CONSENT_PERMIT_NOTES: &[&str] = &[
    "Agrees to the care record being shared between the organisations involved in care.",
    "Consent to share discussed and given; a leaflet about the shared record was left.",
];

pub(crate) const CONSENT_DENY_NOTES: &[&str] = &[
    "Does not want this organisation to see these records. Wishes respected and explained what this means for care.",
    "Asked that this organisation should not have access. Decision recorded and discussed.",
];

pub(crate) const CARE_PLAN_GOALS: &[&str] = &[
    "Stay living safely in my own home",
    "Get washed and dressed in the morning with help",
    "Eat a hot meal every day",
    "Take my medicines at the right time",
    "Get out to the shops or the lunch club once a week",
    "Not fall again",
    "Keep in touch with my family and friends",
    "Have a bath or shower twice a week",
    "Get back to walking to the corner shop",
];
