//! Invented names and places. Given and family names are common in the UK and are combined at
//! random, so no combination describes a real person on purpose; streets and towns are made up and
//! every postcode is in the non-geographic `ZZ99` area, which no real address uses.

pub(crate) const FEMALE_GIVEN: &[&str] = &[
    "Margaret",
    "Patricia",
    "Jean",
    "Joan",
    "Dorothy",
    "Barbara",
    "Maureen",
    "Sheila",
    "Irene",
    "Brenda",
    "Pauline",
    "Christine",
    "Elizabeth",
    "Mary",
    "Susan",
    "Ann",
    "Janet",
    "Valerie",
    "Doreen",
    "Eileen",
    "Sandra",
    "Linda",
    "Carol",
    "Gwen",
    "Ruth",
    "Hilda",
    "Edna",
    "Betty",
    "Rita",
    "Agnes",
    "Noreen",
    "Shirley",
    "Yvonne",
    "Amina",
    "Fatima",
    "Shanti",
    "Grace",
    "Precious",
    "Mei",
    "Bronwen",
    "Aileen",
    "Kathleen",
    "Sarah",
    "Emma",
    "Rachel",
    "Nadia",
];

pub(crate) const MALE_GIVEN: &[&str] = &[
    "John", "David", "Michael", "Peter", "Robert", "William", "James", "Brian", "Kenneth", "Alan",
    "Ronald", "George", "Derek", "Keith", "Colin", "Roy", "Dennis", "Stanley", "Harold", "Frank",
    "Arthur", "Raymond", "Trevor", "Malcolm", "Gordon", "Leslie", "Terence", "Graham", "Anthony",
    "Mohammed", "Tariq", "Rajesh", "Winston", "Chinedu", "Wei", "Dafydd", "Hamish", "Patrick",
    "Thomas", "Daniel", "Mark", "Sanjay",
];

pub(crate) const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "Harris", "Martin", "Cooper", "King", "Ward",
    "Turner", "Hill", "Moore", "Hughes", "Edwards", "Baker", "Morris", "Parker", "Ahmed", "Ali",
    "Begum", "Hussain", "Singh", "Kaur", "Shah", "Okafor", "Mensah", "Campbell", "Stewart",
    "Murray", "Kelly", "Walsh", "Byrne", "Chen", "Wong", "Nowak", "Kowalski", "Price", "Bell",
    "Mitchell", "Carter", "Phillips", "Shaw", "Lloyd", "Mason", "Fletcher", "Marsh", "Dixon",
    "Holmes", "Rahman", "Osei", "Adeyemi", "Fraser", "Duncan", "Lynch", "Barker", "Pearson",
];

pub(crate) const STREETS: &[&str] = &[
    "Larkspur",
    "Willowmere",
    "Foxglove",
    "Cobblestone",
    "Hawthorn",
    "Kestrel",
    "Meadowsweet",
    "Brackenfield",
    "Orchard",
    "Tanners",
    "Ropewalk",
    "Quarry",
    "Chapel",
    "Mill",
    "Beacon",
    "Rowan",
    "Heather",
    "Sandpiper",
    "Lantern",
    "Weavers",
    "Copperbeech",
    "Thistle",
    "Ferncliffe",
    "Harebell",
    "Nightingale",
    "Wren",
    "Cloverdale",
    "Ashgrove",
    "Elmstead",
    "Brookside",
];

pub(crate) const STREET_KINDS: &[&str] = &[
    "Road", "Lane", "Street", "Close", "Avenue", "Crescent", "Way", "Gardens", "Court", "Grove",
];

pub(crate) const TOWNS: &[&str] = &[
    "Northdale",
    "Eastholme",
    "Wickbury",
    "Fallowfield Cross",
    "Stanmere",
    "Hollins Vale",
    "Brindlecote",
    "Oxley Moor",
];

/// Letters allowed in the inward code of a UK postcode (no C, I, K, M, O, V).
pub(crate) const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// `name` reduced to lower-case ASCII letters, for usernames.
pub(crate) fn username_part(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
