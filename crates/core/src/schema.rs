//! The facts a rule may test: names, types and closed value sets.
//!
//! This table is the single source of truth for the request contract. The
//! parser checks rule conditions against it, the decoder reads requests with
//! it, and the counterfactual search and law diff enumerate values from it.

/// The type of a fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Date,
    Number,
    Bool,
    /// One value of a closed set.
    Enum(&'static [&'static str]),
    /// Any subset of a closed set.
    Set(&'static [&'static str]),
    /// An offense code `SCHEME SECTION(SUBDIVISION)`; only tested through tables.
    Offense,
}

impl Ty {
    pub fn describe(&self) -> String {
        match self {
            Ty::Date => "a date".into(),
            Ty::Number => "a number".into(),
            Ty::Bool => "true or false".into(),
            Ty::Enum(v) => format!("one of {}", v.join(", ")),
            Ty::Set(v) => format!("a set of {}", v.join(", ")),
            Ty::Offense => "an offense code".into(),
        }
    }
}

/// Fields of `subject` that identify a person, most stable first. Rules
/// never read them; a log keeps them only as one keyed hash.
pub const IDENTIFIERS: &[&str] = &["booking_number", "name", "identifiers"];

pub const AGENCIES: &[&str] = &["police", "jail", "probation", "court", "agency"];
pub const KINDS: &[&str] = &[
    "detainer",
    "notification",
    "transfer",
    "information",
    "access",
    "interview",
    "assistance",
    "287g",
];
/// The federal detainer forms: I-247 before 2015; I-247D, I-247N and I-247X
/// under the 2015-2017 Priority Enforcement Program; I-247A from 2017-04-02.
pub(crate) const FORMS: &[&str] = &["I-247", "I-247D", "I-247N", "I-247X", "I-247A"];
pub const WARRANTS: &[&str] = &["judicial", "administrative", "none"];
pub const INFORMATION: &[&str] = &[
    "release_date",
    "custody_status",
    "court_date",
    "address",
    "immigration_status",
    "citizenship_status",
    "fingerprints",
    "booking_record",
    "contact_info",
    "other",
];
pub const PLACES: &[&str] = &[
    "jail",
    "courthouse",
    "school",
    "hospital",
    "shelter",
    "street",
    "dmv",
    "city_property",
    "state_facility",
    "other",
];
pub const PURPOSES: &[&str] = &["civil_immigration", "criminal_investigation", "other"];
pub const LEVELS: &[&str] = &["felony", "misdemeanor", "violation"];

/// A fact of the request, not of a list item.
#[derive(Clone, Copy, Debug)]
pub struct FactDef {
    pub path: &'static str,
    pub ty: Ty,
    pub doc: &'static str,
    /// The fact asked as a person at an intake desk would be asked it.
    pub question: &'static str,
    /// One line on where to find the answer.
    pub help: &'static str,
}

/// Scalar facts, indexed by position: `Facts::scalars[i]` holds `SCALARS[i]`.
pub const SCALARS: &[FactDef] = &[
    FactDef {
        path: "date",
        question: "On what date is the request being decided?",
        help: "The day the agency acts on the request; the law of that day applies.",
        ty: Ty::Date,
        doc: "the date the request is decided",
    },
    FactDef {
        path: "agency",
        question: "Which agency received the request?",
        help: "The agency's role: police, jail, probation, court or another agency (local names such as `doc` or `nypd` are accepted where the pack defines them).",
        ty: Ty::Enum(AGENCIES),
        doc: "the role of the agency that received the request",
    },
    FactDef {
        path: "request.kind",
        question: "What does the request ask the agency to do?",
        help: "Hold past release (detainer), tell ICE the release date (notification), hand over custody (transfer), give information, allow access or an interview, assist an operation, or enter a 287(g) agreement.",
        ty: Ty::Enum(KINDS),
        doc: "what federal immigration authorities ask for",
    },
    FactDef {
        path: "request.form",
        question: "On which federal form did the request come?",
        help: "The form number printed at the top: I-247 (before 2015), I-247D, I-247N or I-247X (2015-2017), I-247A (from 2017-04-02).",
        ty: Ty::Enum(FORMS),
        doc: "the federal form the request came on",
    },
    FactDef {
        path: "request.warrant",
        question: "What warrant came with the request?",
        help: "judicial: signed by a judge; administrative: signed by an ICE officer (forms I-200, I-205); none.",
        ty: Ty::Enum(WARRANTS),
        doc: "the warrant presented with the request",
    },
    FactDef {
        path: "request.information",
        question: "What information is asked for?",
        help: "Every item the request asks the agency to share.",
        ty: Ty::Set(INFORMATION),
        doc: "the information asked for",
    },
    FactDef {
        path: "request.place",
        question: "Where would the request be carried out?",
        help: "The place of the act asked for: jail, courthouse, school, hospital, shelter, street, and so on.",
        ty: Ty::Enum(PLACES),
        doc: "where the request would be carried out",
    },
    FactDef {
        path: "request.purpose",
        question: "What is the purpose of the request?",
        help: "civil_immigration for a detainer, notification or transfer request; criminal_investigation only where a criminal case is named.",
        ty: Ty::Enum(PURPOSES),
        doc: "the purpose of the request",
    },
    FactDef {
        path: "request.office_on_premises",
        question: "Does the request ask for an office or quarters on agency property?",
        help: "Yes only if the request asks for space on the agency's land or in its buildings.",
        ty: Ty::Bool,
        doc: "an office or quarters on agency land is asked for",
    },
    FactDef {
        path: "request.court_ordered",
        question: "Did a court order accompany the request?",
        help: "An order of a court that requires the act, attached to or named in the request.",
        ty: Ty::Bool,
        doc: "a court order requires the act",
    },
    FactDef {
        path: "request.criminal_warrant",
        question: "Was a federal criminal warrant presented?",
        help: "A warrant for a federal crime signed by a judge (not an immigration warrant).",
        ty: Ty::Bool,
        doc: "a federal criminal warrant (not an immigration warrant) is presented",
    },
    FactDef {
        path: "request.information_public",
        question: "Is the information asked for available to the public?",
        help: "For example a public jail roster or court calendar.",
        ty: Ty::Bool,
        doc: "the information asked for is available to the public",
    },
    FactDef {
        path: "subject.arrest_date",
        question: "When was the person arrested for the charge they are held on?",
        help: "The date of the instant arrest, from the booking record.",
        ty: Ty::Date,
        doc: "the date of the instant arrest",
    },
    FactDef {
        path: "subject.age",
        question: "How old is the person?",
        help: "Age in whole years on the date of the request.",
        ty: Ty::Number,
        doc: "age in years",
    },
    FactDef {
        path: "subject.tsdb_match",
        question: "Is the person a possible match in the terrorist screening database?",
        help: "From the federal database check run at booking.",
        ty: Ty::Bool,
        doc: "possible terrorist-screening-database match",
    },
    FactDef {
        path: "subject.reentry_after_removal",
        question: "Is the person charged with illegal re-entry after removal?",
        help: "8 U.S.C. § 1326, as shown by the request or the record.",
        ty: Ty::Bool,
        doc: "illegal re-entry after removal",
    },
    FactDef {
        path: "subject.final_order_of_removal",
        question: "Is the person subject to a final order of removal?",
        help: "From the request or the immigration record; not presumed either way.",
        ty: Ty::Bool,
        doc: "subject to a final order of removal",
    },
    FactDef {
        path: "subject.lawful_status_proof",
        question: "Has the person shown proof of lawful immigration status?",
        help: "For example a green card, visa or naturalisation certificate.",
        ty: Ty::Bool,
        doc: "has shown proof of lawful immigration status",
    },
    FactDef {
        path: "subject.in_custody",
        question: "Is the person in the agency's custody?",
        help: "Held by this agency when the request is received.",
        ty: Ty::Bool,
        doc: "in the agency's custody",
    },
    FactDef {
        path: "subject.registered_sex_offender",
        question: "Is the person a current registrant on a sex-offender registry?",
        help: "From the state registry.",
        ty: Ty::Bool,
        doc: "a current registrant on a sex-offender (or sex and arson) registry",
    },
    FactDef {
        path: "subject.probable_cause_finding",
        question: "Has a magistrate found probable cause on a pending charge the law lists?",
        help: "From the court file of the pending charge.",
        ty: Ty::Bool,
        doc: "a magistrate has found probable cause on a pending charge the law lists",
    },
    FactDef {
        path: "subject.aggravated_felony",
        question: "Has the person been convicted of an aggravated felony (8 U.S.C. § 1101(a)(43))?",
        help: "From the criminal record; a federal classification, not the state's.",
        ty: Ty::Bool,
        doc: "convicted of a federal crime that is an aggravated felony (8 U.S.C. § 1101(a)(43))",
    },
];

/// Lists of items in the request.
#[derive(Clone, Copy, Debug)]
pub struct ListDef {
    pub path: &'static str,
    pub fields: &'static [FactDef],
}

pub const CONVICTION_FIELDS: &[FactDef] = &[
    FactDef {
        path: "offense",
        question: "What offense was the person convicted of?",
        help: "The statute section as the rap sheet prints it, for example `NY PL 120.05` or `PL 120.05(2)`.",
        ty: Ty::Offense,
        doc: "offense code, e.g. NY PL 120.05",
    },
    FactDef {
        path: "date",
        question: "On what date was the judgment entered?",
        help: "The date of conviction on the rap sheet.",
        ty: Ty::Date,
        doc: "date of judgment",
    },
    FactDef {
        path: "level",
        question: "Was the conviction a felony, a misdemeanor or a violation?",
        help: "As the rap sheet records it.",
        ty: Ty::Enum(LEVELS),
        doc: "felony, misdemeanor or violation",
    },
    FactDef {
        path: "incarcerated_days",
        question: "How many days was the person incarcerated for this crime between committing it and the instant arrest?",
        help: "Days in jail or prison for this offense, before and after judgment, up to the instant arrest.",
        ty: Ty::Number,
        doc: "days incarcerated for this crime between its commission and the instant arrest (pre-judgment custody counts)",
    },
    FactDef {
        path: "youthful_offender",
        question: "Was the conviction a youthful-offender adjudication?",
        help: "Recorded on the rap sheet as YO.",
        ty: Ty::Bool,
        doc: "adjudicated a youthful offender",
    },
    FactDef {
        path: "juvenile",
        question: "Was it a juvenile delinquency adjudication rather than a conviction?",
        help: "Recorded as a juvenile adjudication.",
        ty: Ty::Bool,
        doc: "juvenile delinquency adjudication",
    },
    FactDef {
        path: "hate_crime",
        question: "Was the conviction for a hate crime?",
        help: "Recorded as a hate crime on the rap sheet.",
        ty: Ty::Bool,
        doc: "convicted as a hate crime",
    },
    FactDef {
        path: "wobbler",
        question: "Is the offense punishable either as a misdemeanor or as a felony?",
        help: "California's \"wobblers\".",
        ty: Ty::Bool,
        doc: "the offense is punishable either as a misdemeanor or as a felony",
    },
    FactDef {
        path: "state_prison",
        question: "Is the offense punishable by imprisonment in state prison?",
        help: "From the penal statute.",
        ty: Ty::Bool,
        doc: "the offense is punishable by imprisonment in state prison",
    },
];

pub(crate) const CHARGE_FIELDS: &[FactDef] = &[
    FactDef {
        path: "offense",
        question: "What is the pending charge?",
        help: "The statute section as the booking record prints it.",
        ty: Ty::Offense,
        doc: "offense code",
    },
    FactDef {
        path: "level",
        question: "Is the pending charge a felony, a misdemeanor or a violation?",
        help: "As the charging document records it.",
        ty: Ty::Enum(LEVELS),
        doc: "felony, misdemeanor or violation",
    },
    FactDef {
        path: "date",
        question: "On what date was the charge brought?",
        help: "From the booking record.",
        ty: Ty::Date,
        doc: "date of the charge",
    },
];

pub const LISTS: &[ListDef] = &[
    ListDef {
        path: "subject.convictions",
        fields: CONVICTION_FIELDS,
    },
    ListDef {
        path: "subject.pending_charges",
        fields: CHARGE_FIELDS,
    },
];

/// Width of an item's field array: the longest field list.
pub(crate) const ITEM_WIDTH: usize = 9;

pub fn scalar(path: &str) -> Option<usize> {
    SCALARS.iter().position(|f| f.path == path)
}

pub fn list(path: &str) -> Option<usize> {
    LISTS.iter().position(|l| l.path == path)
}

pub fn value_index(domain: &[&str], v: &str) -> Option<usize> {
    domain.iter().position(|d| *d == v)
}

pub const DATE: usize = 0;
pub const AGENCY: usize = 1;
pub const KIND: usize = 2;
pub(crate) const FORM: usize = 3;
pub(crate) const WARRANT: usize = 4;
pub(crate) const ARREST_DATE: usize = 12;
/// Index of `date` in a conviction's or a charge's fields.
pub(crate) const CONVICTION_DATE: usize = 1;
pub(crate) const CHARGE_DATE: usize = 2;

/// Layers from the most general to the most specific.
pub const LAYERS: &[&str] = &["federal", "state", "county", "city", "agency"];

/// Jurisdictions the contract names, with their Open Civic Data division ids:
/// the federal layer, every state and D.C., and the local packs.
pub const JURISDICTIONS: &[(&str, &str)] = &[
    ("us", "ocd-division/country:us"),
    ("us-al", "ocd-division/country:us/state:al"),
    ("us-ak", "ocd-division/country:us/state:ak"),
    ("us-az", "ocd-division/country:us/state:az"),
    ("us-ar", "ocd-division/country:us/state:ar"),
    ("us-ca", "ocd-division/country:us/state:ca"),
    ("us-co", "ocd-division/country:us/state:co"),
    ("us-ct", "ocd-division/country:us/state:ct"),
    ("us-de", "ocd-division/country:us/state:de"),
    ("us-fl", "ocd-division/country:us/state:fl"),
    ("us-ga", "ocd-division/country:us/state:ga"),
    ("us-hi", "ocd-division/country:us/state:hi"),
    ("us-id", "ocd-division/country:us/state:id"),
    ("us-il", "ocd-division/country:us/state:il"),
    ("us-in", "ocd-division/country:us/state:in"),
    ("us-ia", "ocd-division/country:us/state:ia"),
    ("us-ks", "ocd-division/country:us/state:ks"),
    ("us-ky", "ocd-division/country:us/state:ky"),
    ("us-la", "ocd-division/country:us/state:la"),
    ("us-me", "ocd-division/country:us/state:me"),
    ("us-md", "ocd-division/country:us/state:md"),
    ("us-ma", "ocd-division/country:us/state:ma"),
    ("us-mi", "ocd-division/country:us/state:mi"),
    ("us-mn", "ocd-division/country:us/state:mn"),
    ("us-ms", "ocd-division/country:us/state:ms"),
    ("us-mo", "ocd-division/country:us/state:mo"),
    ("us-mt", "ocd-division/country:us/state:mt"),
    ("us-ne", "ocd-division/country:us/state:ne"),
    ("us-nv", "ocd-division/country:us/state:nv"),
    ("us-nh", "ocd-division/country:us/state:nh"),
    ("us-nj", "ocd-division/country:us/state:nj"),
    ("us-nm", "ocd-division/country:us/state:nm"),
    ("us-ny", "ocd-division/country:us/state:ny"),
    ("us-nc", "ocd-division/country:us/state:nc"),
    ("us-nd", "ocd-division/country:us/state:nd"),
    ("us-oh", "ocd-division/country:us/state:oh"),
    ("us-ok", "ocd-division/country:us/state:ok"),
    ("us-or", "ocd-division/country:us/state:or"),
    ("us-pa", "ocd-division/country:us/state:pa"),
    ("us-ri", "ocd-division/country:us/state:ri"),
    ("us-sc", "ocd-division/country:us/state:sc"),
    ("us-sd", "ocd-division/country:us/state:sd"),
    ("us-tn", "ocd-division/country:us/state:tn"),
    ("us-tx", "ocd-division/country:us/state:tx"),
    ("us-ut", "ocd-division/country:us/state:ut"),
    ("us-vt", "ocd-division/country:us/state:vt"),
    ("us-va", "ocd-division/country:us/state:va"),
    ("us-wa", "ocd-division/country:us/state:wa"),
    ("us-wv", "ocd-division/country:us/state:wv"),
    ("us-wi", "ocd-division/country:us/state:wi"),
    ("us-wy", "ocd-division/country:us/state:wy"),
    ("us-dc", "ocd-division/country:us/district:dc"),
    (
        "us-ny-nyc",
        "ocd-division/country:us/state:ny/place:new_york",
    ),
    (
        "us-il-chicago",
        "ocd-division/country:us/state:il/place:chicago",
    ),
    ("us-il-cook", "ocd-division/country:us/state:il/county:cook"),
    (
        "us-tx-travis",
        "ocd-division/country:us/state:tx/county:travis",
    ),
    (
        "us-ca-los-angeles-county",
        "ocd-division/country:us/state:ca/county:los_angeles",
    ),
    (
        "us-tx-harris",
        "ocd-division/country:us/state:tx/county:harris",
    ),
    (
        "us-az-maricopa",
        "ocd-division/country:us/state:az/county:maricopa",
    ),
    (
        "us-fl-miami-dade",
        "ocd-division/country:us/state:fl/county:miami-dade",
    ),
    ("us-wa-king", "ocd-division/country:us/state:wa/county:king"),
    (
        "us-pa-philadelphia",
        "ocd-division/country:us/state:pa/place:philadelphia",
    ),
    (
        "us-co-denver",
        "ocd-division/country:us/state:co/place:denver",
    ),
    (
        "us-ca-santa-clara",
        "ocd-division/country:us/state:ca/county:santa_clara",
    ),
    (
        "us-ca-san-francisco",
        "ocd-division/country:us/state:ca/place:san_francisco",
    ),
    (
        "us-tx-dallas",
        "ocd-division/country:us/state:tx/county:dallas",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_width_fits_every_list() {
        assert!(LISTS.iter().all(|l| l.fields.len() <= ITEM_WIDTH));
        assert!(SCALARS.len() <= 32, "scalar masks are u32");
        assert!(INFORMATION.len() <= 63);
        for (i, p) in [
            (DATE, "date"),
            (AGENCY, "agency"),
            (KIND, "request.kind"),
            (FORM, "request.form"),
            (WARRANT, "request.warrant"),
            (ARREST_DATE, "subject.arrest_date"),
        ] {
            assert_eq!(SCALARS[i].path, p);
        }
        assert_eq!(CONVICTION_FIELDS[CONVICTION_DATE].path, "date");
        assert_eq!(CHARGE_FIELDS[CHARGE_DATE].path, "date");
        let all = SCALARS.iter().chain(LISTS.iter().flat_map(|l| l.fields));
        for f in all {
            assert!(f.question.ends_with('?'), "{}", f.path);
            assert!(!f.help.is_empty(), "{}", f.path);
        }
    }
}
