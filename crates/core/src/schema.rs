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
}

/// Scalar facts, indexed by position: `Facts::scalars[i]` holds `SCALARS[i]`.
pub const SCALARS: &[FactDef] = &[
    FactDef {
        path: "date",
        ty: Ty::Date,
        doc: "the date the request is decided",
    },
    FactDef {
        path: "agency",
        ty: Ty::Enum(AGENCIES),
        doc: "the role of the agency that received the request",
    },
    FactDef {
        path: "request.kind",
        ty: Ty::Enum(KINDS),
        doc: "what federal immigration authorities ask for",
    },
    FactDef {
        path: "request.warrant",
        ty: Ty::Enum(WARRANTS),
        doc: "the warrant presented with the request",
    },
    FactDef {
        path: "request.information",
        ty: Ty::Set(INFORMATION),
        doc: "the information asked for",
    },
    FactDef {
        path: "request.place",
        ty: Ty::Enum(PLACES),
        doc: "where the request would be carried out",
    },
    FactDef {
        path: "request.purpose",
        ty: Ty::Enum(PURPOSES),
        doc: "the purpose of the request",
    },
    FactDef {
        path: "request.office_on_premises",
        ty: Ty::Bool,
        doc: "an office or quarters on agency land is asked for",
    },
    FactDef {
        path: "request.court_ordered",
        ty: Ty::Bool,
        doc: "a court order requires the act",
    },
    FactDef {
        path: "request.criminal_warrant",
        ty: Ty::Bool,
        doc: "a federal criminal warrant (not an immigration warrant) is presented",
    },
    FactDef {
        path: "request.information_public",
        ty: Ty::Bool,
        doc: "the information asked for is available to the public",
    },
    FactDef {
        path: "subject.arrest_date",
        ty: Ty::Date,
        doc: "the date of the instant arrest",
    },
    FactDef {
        path: "subject.age",
        ty: Ty::Number,
        doc: "age in years",
    },
    FactDef {
        path: "subject.tsdb_match",
        ty: Ty::Bool,
        doc: "possible terrorist-screening-database match",
    },
    FactDef {
        path: "subject.reentry_after_removal",
        ty: Ty::Bool,
        doc: "illegal re-entry after removal",
    },
    FactDef {
        path: "subject.final_order_of_removal",
        ty: Ty::Bool,
        doc: "subject to a final order of removal",
    },
    FactDef {
        path: "subject.lawful_status_proof",
        ty: Ty::Bool,
        doc: "has shown proof of lawful immigration status",
    },
    FactDef {
        path: "subject.in_custody",
        ty: Ty::Bool,
        doc: "in the agency's custody",
    },
    FactDef {
        path: "subject.registered_sex_offender",
        ty: Ty::Bool,
        doc: "a current registrant on a sex-offender (or sex and arson) registry",
    },
    FactDef {
        path: "subject.probable_cause_finding",
        ty: Ty::Bool,
        doc: "a magistrate has found probable cause on a pending charge the law lists",
    },
    FactDef {
        path: "subject.aggravated_felony",
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
        ty: Ty::Offense,
        doc: "offense code, e.g. NY PL 120.05",
    },
    FactDef {
        path: "date",
        ty: Ty::Date,
        doc: "date of judgment",
    },
    FactDef {
        path: "level",
        ty: Ty::Enum(LEVELS),
        doc: "felony, misdemeanor or violation",
    },
    FactDef {
        path: "incarcerated_days",
        ty: Ty::Number,
        doc: "days incarcerated for it between this judgment and the instant arrest",
    },
    FactDef {
        path: "youthful_offender",
        ty: Ty::Bool,
        doc: "adjudicated a youthful offender",
    },
    FactDef {
        path: "juvenile",
        ty: Ty::Bool,
        doc: "juvenile delinquency adjudication",
    },
    FactDef {
        path: "hate_crime",
        ty: Ty::Bool,
        doc: "convicted as a hate crime",
    },
    FactDef {
        path: "wobbler",
        ty: Ty::Bool,
        doc: "the offense is punishable either as a misdemeanor or as a felony",
    },
    FactDef {
        path: "state_prison",
        ty: Ty::Bool,
        doc: "the offense is punishable by imprisonment in state prison",
    },
];

pub const CHARGE_FIELDS: &[FactDef] = &[
    FactDef {
        path: "offense",
        ty: Ty::Offense,
        doc: "offense code",
    },
    FactDef {
        path: "level",
        ty: Ty::Enum(LEVELS),
        doc: "felony, misdemeanor or violation",
    },
    FactDef {
        path: "date",
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
pub const ITEM_WIDTH: usize = 9;

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

/// Layers from the most general to the most specific.
pub const LAYERS: &[&str] = &["federal", "state", "county", "city", "agency"];

/// Jurisdictions the contract names, with their Open Civic Data division ids.
pub const JURISDICTIONS: &[(&str, &str)] = &[
    ("us", "ocd-division/country:us"),
    ("us-ny", "ocd-division/country:us/state:ny"),
    (
        "us-ny-nyc",
        "ocd-division/country:us/state:ny/place:new_york",
    ),
    ("us-ca", "ocd-division/country:us/state:ca"),
    ("us-il", "ocd-division/country:us/state:il"),
    (
        "us-il-chicago",
        "ocd-division/country:us/state:il/place:chicago",
    ),
    ("us-il-cook", "ocd-division/country:us/state:il/county:cook"),
    ("us-tx", "ocd-division/country:us/state:tx"),
    (
        "us-tx-travis",
        "ocd-division/country:us/state:tx/county:travis",
    ),
    ("us-fl", "ocd-division/country:us/state:fl"),
    ("us-or", "ocd-division/country:us/state:or"),
    ("us-wa", "ocd-division/country:us/state:wa"),
    ("us-nj", "ocd-division/country:us/state:nj"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_width_fits_every_list() {
        assert!(LISTS.iter().all(|l| l.fields.len() <= ITEM_WIDTH));
        assert!(SCALARS.len() <= 64, "scalar masks are u64");
        assert!(INFORMATION.len() <= 63);
    }
}
