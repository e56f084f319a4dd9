//! Facts a request implies by what it is: the request kind and the federal
//! form it came on. Nobody who receives an immigration detainer states that
//! its purpose is civil immigration enforcement; the form says so.
//!
//! These are readings of the request itself, the same in every jurisdiction,
//! so they live here as data with their citations. What a *law* lets an agency
//! presume (no court order unless one is attached) is a legal judgment and
//! lives in the packs (`[[presumptions]]` in `pack.toml`).

use crate::schema;

/// What triggers an implication.
#[derive(Clone, Copy, Debug)]
pub enum When {
    /// The request is of one of these kinds (stated or read from the form).
    Kind(&'static [&'static str]),
    /// The request came on one of these forms.
    Form(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug)]
pub struct Implication {
    pub when: When,
    /// The scalar fact filled in (a path of `schema::SCALARS`).
    pub fact: &'static str,
    pub value: &'static str,
    pub citation: &'static str,
    pub why: &'static str,
}

/// The request kind each form is, and the kinds a request on it may be. The
/// 2015 forms split the old I-247 into a detainer (D), a request for
/// notification (N) and a request for transfer (X); the I-247A of 2017-04-02
/// is again a detainer. A detainer form also asks, in its own boxes, for
/// notice of release and for custody at release, so an agency may weigh just
/// that part of it; a notification or transfer form asks for nothing else.
pub(crate) const FORM_KINDS: &[(&str, &str, &[&str])] = &[
    ("I-247", "detainer", DETAINER_FORM),
    ("I-247D", "detainer", DETAINER_FORM),
    ("I-247N", "notification", &["notification"]),
    ("I-247X", "transfer", &["transfer"]),
    ("I-247A", "detainer", DETAINER_FORM),
];

const DETAINER_FORM: &[&str] = &["detainer", "notification", "transfer"];

/// How warrants are written on the request: the warrant's own form number
/// reads as its kind.
pub const WARRANT_FORMS: &[(&str, &str)] =
    &[("I-200", "administrative"), ("I-205", "administrative")];

const CUSTODY_KINDS: &[&str] = &["detainer", "notification", "transfer"];

pub const IMPLICATIONS: &[Implication] = &[
    Implication {
        when: When::Kind(CUSTODY_KINDS),
        fact: "request.purpose",
        value: "civil_immigration",
        citation: "8 C.F.R. § 287.7(a)",
        why: "a detainer, a request for notification of release and a request for transfer are requests for civil immigration enforcement by definition",
    },
    Implication {
        when: When::Kind(CUSTODY_KINDS),
        fact: "subject.in_custody",
        value: "true",
        citation: "8 C.F.R. § 287.7(a), (d)",
        why: "a detainer, notification or transfer request concerns a person the receiving agency holds",
    },
    Implication {
        when: When::Form(&["I-247A"]),
        fact: "request.warrant",
        value: "administrative",
        citation: "ICE Policy 10074.2 § 2.4 (2017)",
        why: "ICE issues every I-247A with a Form I-200 or I-205, both administrative warrants, unless a judicial warrant is stated",
    },
];

impl Implication {
    /// Whether the implication holds for a request of this kind and form
    /// (value indexes into `schema::KINDS` and `schema::FORMS`).
    pub fn applies(&self, kind: crate::facts::Val, form: crate::facts::Val) -> bool {
        let named = |list: &[&str], domain: &[&str], v: crate::facts::Val| {
            usize::try_from(v)
                .ok()
                .and_then(|i| domain.get(i))
                .is_some_and(|name| list.contains(name))
        };
        match self.when {
            When::Kind(ks) => named(ks, schema::KINDS, kind),
            When::Form(fs) => named(fs, schema::FORMS, form),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Ty, SCALARS};

    #[test]
    fn every_implication_names_a_fact_and_a_value_of_its_type() {
        for imp in IMPLICATIONS {
            let def = SCALARS
                .iter()
                .find(|d| d.path == imp.fact)
                .unwrap_or_else(|| panic!("{}", imp.fact));
            match def.ty {
                Ty::Enum(d) => assert!(d.contains(&imp.value), "{}", imp.fact),
                Ty::Bool => assert!(["true", "false"].contains(&imp.value)),
                t => panic!("{}: {t:?}", imp.fact),
            }
            assert!(!imp.citation.is_empty() && !imp.why.is_empty());
        }
        for (f, k, may) in FORM_KINDS {
            assert!(schema::FORMS.contains(f) && schema::KINDS.contains(k));
            assert!(may.contains(k) && may.iter().all(|m| schema::KINDS.contains(m)));
        }
    }
}
