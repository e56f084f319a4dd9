//! What an agency did about a request, as the log keeps it, and the rules for
//! recording it: one act with its date per action entry; an act that the
//! decision said was prohibited only with a confirmation and a reason; a
//! client's idempotency key so that a second press of "Record" returns the
//! first entry instead of logging another.

use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::error::ApiError;

/// The acts an action may record. Every act but `declined` is the agency
/// doing something federal immigration authorities asked for.
pub const ACTS: &[&str] = &[
    "held",
    "notified",
    "transferred",
    "gave_information",
    "allowed_access",
    "declined",
];

pub const REASON_MAX: usize = 500;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// held, notified, transferred, gave_information, allowed_access or declined
    pub act: String,
    /// YYYY-MM-DD: the day the agency did it
    pub date: String,
    /// Free text; never names or other identifiers (the log keeps it for good).
    pub note: Option<String>,
    /// Required (true) to record an act the decision said was prohibited.
    #[serde(default)]
    pub confirm_prohibited: bool,
    /// Why an act the decision said was prohibited was done anyway (required with the confirmation).
    pub reason: Option<String>,
}

/// The `Idempotency-Key` header: the same key from the same token names the
/// same record, however often it is sent.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|s| (8..=100).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad(
                "Idempotency-Key",
                "8 to 100 visible ASCII characters, e.g. a random UUID",
            )
        })?;
    Ok(Some(s.to_string()))
}

/// The keyed hash the log keeps of an idempotency key: scoped to the token
/// and to what is recorded, so that one key cannot collide across them.
pub fn request_key(key: &[u8], token_id: &str, scope: &str, k: &str) -> String {
    brightline_store::subject_key(key, &format!("idempotency:{token_id}:{scope}:{k}"))
}

/// The acts of a logged action. Actions logged before acts existed said
/// `acted` (did what was asked) and `transferred`: they read as the act the
/// request asked for, and a transfer.
pub fn acts_of(action: &Value, request_kind: Option<&str>) -> Vec<String> {
    if let Some(a) = action.get("act").and_then(Value::as_str) {
        return vec![a.to_string()];
    }
    let mut out = Vec::new();
    match action.get("acted").and_then(Value::as_bool) {
        Some(true) => {
            if let Some(a) = request_kind.and_then(asked_act) {
                out.push(a.to_string());
            }
        }
        Some(false) => out.push("declined".to_string()),
        None => {}
    }
    if action.get("transferred").and_then(Value::as_bool) == Some(true)
        && !out.iter().any(|a| a == "transferred")
    {
        out.push("transferred".to_string());
    }
    out
}

/// The act that does what a request of this kind asks.
pub fn asked_act(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "detainer" => "held",
        "notification" => "notified",
        "transfer" => "transferred",
        "information" => "gave_information",
        "access" | "interview" => "allowed_access",
        _ => return None,
    })
}

/// Whether doing `act` goes against a decision with this outcome on a request
/// of this kind: only an act of the kind the decision prohibits (the reports
/// flag by the same rule, `brightline::report::against`).
pub fn against(outcome: &str, kind: Option<&str>, act: &str) -> bool {
    brightline::report::against(outcome, kind, act)
}

/// A validated action: the body the log keeps.
pub struct Checked {
    pub act: String,
    pub date: time::Date,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub against_decision: bool,
}

/// Checks an action against the decision it records (its outcome, the kind
/// and date of the request) and today's date.
pub fn check(
    a: ActionBody,
    outcome: &str,
    kind: Option<&str>,
    request_date: Option<time::Date>,
    today: time::Date,
) -> Result<Checked, ApiError> {
    if !ACTS.contains(&a.act.as_str()) {
        return Err(ApiError::bad(
            "act",
            format!("`{}` is not an act; one of: {}", a.act, ACTS.join(", ")),
        ));
    }
    let date = crate::reports::date(&a.date, "date")?;
    if date > today {
        return Err(ApiError::bad(
            "date",
            "the date is in the future: record an act once it is done",
        ));
    }
    if let Some(r) = request_date.filter(|r| date < *r) {
        return Err(ApiError::bad(
            "date",
            format!("the act is dated before the request ({r})"),
        ));
    }
    let trim = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let note = trim(a.note);
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::bad("note", "at most 500 characters"));
    }
    let reason = trim(a.reason);
    if reason
        .as_ref()
        .is_some_and(|n| n.chars().count() > REASON_MAX)
    {
        return Err(ApiError::bad("reason", "at most 500 characters"));
    }
    let against_decision = against(outcome, kind, &a.act);
    if against_decision && (!a.confirm_prohibited || reason.is_none()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            Some(if a.confirm_prohibited {
                "reason"
            } else {
                "confirm_prohibited"
            }),
            format!(
                "the decision said this {} is prohibited; to record that the agency {} anyway, confirm (confirm_prohibited: true) and give the reason. The report will flag it.",
                kind.unwrap_or("request"),
                words(&a.act)
            ),
        ));
    }
    Ok(Checked {
        act: a.act,
        date,
        note,
        reason: if against_decision { reason } else { None },
        against_decision,
    })
}

/// An act in words ("held the person").
pub fn words(act: &str) -> &'static str {
    match act {
        "held" => "held the person",
        "notified" => "notified federal immigration authorities",
        "transferred" => "transferred the person to federal immigration authorities",
        "gave_information" => "gave the information asked for",
        "allowed_access" => "allowed access",
        "declined" => "declined",
        _ => "acted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(act: &str, date: &str) -> ActionBody {
        ActionBody {
            act: act.into(),
            date: date.into(),
            note: None,
            confirm_prohibited: false,
            reason: None,
        }
    }

    fn d(s: &str) -> time::Date {
        brightline::parse_date(s).unwrap()
    }

    #[test]
    fn legacy_actions_read_as_acts() {
        let a = json!({"acted": true, "transferred": true});
        assert_eq!(acts_of(&a, Some("detainer")), ["held", "transferred"]);
        assert_eq!(
            acts_of(
                &json!({"acted": false, "transferred": false}),
                Some("detainer")
            ),
            ["declined"]
        );
        assert_eq!(
            acts_of(&json!({"act": "notified", "date": "2025-01-01"}), None),
            ["notified"]
        );
    }

    #[test]
    fn a_prohibited_act_needs_confirmation_and_reason() {
        let today = d("2025-06-01");
        let e = check(
            body("held", "2025-05-01"),
            "prohibited",
            Some("detainer"),
            None,
            today,
        )
        .err()
        .unwrap();
        assert_eq!(e.status, StatusCode::CONFLICT);
        let mut b = body("held", "2025-05-01");
        b.confirm_prohibited = true;
        let e = check(b, "prohibited", Some("detainer"), None, today)
            .err()
            .unwrap();
        assert_eq!(e.field.as_deref(), Some("reason"));
        let mut b = body("held", "2025-05-01");
        b.confirm_prohibited = true;
        b.reason = Some(" supervisor's order ".into());
        let c = check(b, "prohibited", Some("detainer"), None, today).unwrap();
        assert!(c.against_decision);
        assert_eq!(c.reason.as_deref(), Some("supervisor's order"));
        // Declining never needs a confirmation; acting on a permitted request neither.
        assert!(check(
            body("declined", "2025-05-01"),
            "prohibited",
            Some("detainer"),
            None,
            today
        )
        .is_ok());
        assert!(
            !check(
                body("held", "2025-05-01"),
                "permitted",
                Some("detainer"),
                None,
                today
            )
            .unwrap()
            .against_decision
        );
    }

    /// Only an act of the kind the decision prohibits goes against it.
    #[test]
    fn an_act_goes_against_a_decision_only_if_it_prohibits_that_act() {
        let today = d("2025-06-01");
        let ok = |act: &str, kind: Option<&str>| {
            check(body(act, "2025-05-01"), "prohibited", kind, None, today)
        };
        // A prohibited detainer: holding and handing over go against it ...
        for act in ["held", "transferred"] {
            let e = ok(act, Some("detainer")).err().unwrap();
            assert_eq!(e.status, StatusCode::CONFLICT, "{act}");
        }
        // ... telling ICE the release date does not: the detainer decision did not say.
        let c = ok("notified", Some("detainer")).unwrap();
        assert!(!c.against_decision);
        assert!(c.reason.is_none());
        // A prohibited notification: giving information goes against it, a hold does not.
        assert!(ok("gave_information", Some("notification")).is_err());
        assert!(ok("notified", Some("information")).is_err());
        assert!(!ok("held", Some("notification")).unwrap().against_decision);
        assert!(ok("allowed_access", Some("interview")).is_err());
        assert!(
            !ok("gave_information", Some("access"))
                .unwrap()
                .against_decision
        );
        // Help that can take any form, or a kind not known: every act but declining.
        for kind in [Some("assistance"), Some("287g"), None] {
            assert!(ok("gave_information", kind).is_err(), "{kind:?}");
            assert!(!ok("declined", kind).unwrap().against_decision);
        }
        // A permitted or required decision is never gone against.
        for outcome in ["permitted", "required", "undetermined"] {
            assert!(!against(outcome, Some("detainer"), "held"));
        }
    }

    #[test]
    fn dates_and_acts_are_checked() {
        let today = d("2025-06-01");
        let e = check(
            body("held", "2025-06-02"),
            "permitted",
            Some("detainer"),
            None,
            today,
        )
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("date"));
        let e = check(
            body("held", "2025-03-01"),
            "permitted",
            Some("detainer"),
            Some(d("2025-04-01")),
            today,
        )
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("date"));
        let e = check(
            body("hold", "2025-05-01"),
            "permitted",
            Some("detainer"),
            None,
            today,
        )
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("act"));
    }
}
