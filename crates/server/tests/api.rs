//! The HTTP API over a real socket, a real SQLite log (and PostgreSQL where
//! configured): roles, errors, identifiers, replay, reports, tamper detection.

mod common;
use common::{unique, Server};
use std::sync::Arc;

use reqwest::blocking::Response;
use reqwest::StatusCode;
use serde_json::{json, Value};

impl Server {
    fn start() -> Server {
        Server::start_with(None)
    }

    /// `database`: a PostgreSQL connection string and a schema to create for
    /// this test. These tests send hundreds of requests a second on one token;
    /// the rate limit has tests of its own (tests/hardening.rs).
    fn start_with(database: Option<(String, String)>) -> Server {
        let limits = brightline_server::limits::Limits {
            rate_per_second: 0,
            ..Default::default()
        };
        Server::launch(limits, database)
    }

    fn req(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        let url = format!("{}{path}", self.base);
        let mut r = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url),
            "DELETE" => self.http.delete(url),
            "PUT" => self.http.put(url),
            m => panic!("{m}"),
        };
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.body(b.to_string());
        }
        r.send().unwrap()
    }

    fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let r = self.req(method, path, token, body);
        let s = r.status();
        let text = r.text().unwrap();
        (
            s,
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}")),
        )
    }

    fn token(&self, role: &str, name: &str) -> String {
        let (s, v) = self.json(
            "POST",
            "/v1/tokens",
            Some(&self.admin),
            Some(&json!({ "name": name, "role": role })),
        );
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    fn decide(&self, token: &str, req: &Value) -> Value {
        let (s, v) = self.json("POST", "/v1/decisions", Some(token), Some(req));
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

fn example() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/nyc-doc-detainer.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_error(v: &Value) {
    assert!(v["error"]["message"].is_string(), "error shape: {v}");
    assert!(v["error"].get("field").is_some(), "error shape: {v}");
}

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/me"),
    ("POST", "/v1/decisions"),
    ("GET", "/v1/decisions"),
    ("GET", "/v1/decisions/1"),
    ("POST", "/v1/decisions/1/actions"),
    ("GET", "/v1/decisions/1/replay"),
    ("GET", "/v1/laws"),
    ("GET", "/v1/laws/us-ny-nyc"),
    ("GET", "/v1/compare"),
    ("POST", "/v1/diff"),
    ("GET", "/v1/reports"),
    ("GET", "/v1/reports/doc-annual-detainers?year=2025"),
    ("GET", "/v1/log"),
    ("GET", "/v1/log/verify"),
    ("GET", "/metrics"),
    ("GET", "/v1/tokens"),
    ("POST", "/v1/tokens"),
    ("DELETE", "/v1/tokens/tok_x"),
];

#[test]
fn anonymous_gets_401_everywhere_but_healthz() {
    let s = Server::start();
    for (m, p) in ROUTES {
        let (st, v) = s.json(m, p, None, Some(&json!({})));
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {p}");
        assert_error(&v);
        let (st, _) = s.json(m, p, Some("bl_not_a_token"), Some(&json!({})));
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {p} with a wrong token");
    }
    let (st, v) = s.json("GET", "/healthz", None, None);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    // The console and the API description are public.
    assert_eq!(s.req("GET", "/", None, None).status(), StatusCode::OK);
    let (st, doc) = s.json("GET", "/openapi.json", None, None);
    assert_eq!(st, StatusCode::OK);
    assert!(doc["paths"]["/v1/decisions"]["post"].is_object(), "{doc}");
    // So is the request contract the console builds its form from.
    let (st, c) = s.json("GET", "/v1/schema", None, None);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(c["kinds"], json!(brightline::schema::KINDS));
    assert_eq!(c["roles"], json!(brightline::schema::AGENCIES));
    let warrant = c["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "request.warrant")
        .unwrap();
    assert_eq!(warrant["type"], "enum");
    assert_eq!(warrant["values"], json!(brightline::schema::WARRANTS));
    assert!(warrant["question"].as_str().unwrap().ends_with('?'));
    assert_eq!(
        c["facts"].as_array().unwrap().len(),
        brightline::schema::SCALARS.len()
    );
}

fn roles(s: &Server) {
    let clerk = s.token("clerk", "front desk");
    let clerk2 = s.token("clerk", "night desk");
    let counsel = s.token("counsel", "counsel");
    let auditor = s.token("auditor", "auditor");
    let admin = s.admin.clone();

    let d1 = s.decide(&clerk, &example());
    let d2 = s.decide(&clerk2, &example());
    let (id1, id2) = (d1["id"].as_i64().unwrap(), d2["id"].as_i64().unwrap());
    assert!(id2 > id1);

    // Clerk: own decisions only; never the log, reports, metrics or tokens.
    assert_eq!(
        s.json("GET", &format!("/v1/decisions/{id1}"), Some(&clerk), None)
            .0,
        StatusCode::OK
    );
    let (st, v) = s.json("GET", &format!("/v1/decisions/{id2}"), Some(&clerk), None);
    assert_eq!(st, StatusCode::NOT_FOUND, "another clerk's decision: {v}");
    assert_eq!(
        s.json(
            "GET",
            &format!("/v1/decisions/{id2}/replay"),
            Some(&clerk),
            None
        )
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.json(
            "POST",
            &format!("/v1/decisions/{id2}/actions"),
            Some(&clerk),
            Some(&json!({"act": "declined", "date": "2025-11-09"}))
        )
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = s.json("GET", "/v1/decisions", Some(&clerk), None);
    let ids: Vec<i64> = list["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id1]);
    for p in [
        "/v1/log",
        "/v1/log/verify",
        "/v1/reports",
        "/v1/reports/doc-annual-detainers?year=2025",
        "/metrics",
        "/v1/tokens",
    ] {
        let (st, v) = s.json("GET", p, Some(&clerk), None);
        assert_eq!(st, StatusCode::FORBIDDEN, "clerk GET {p}");
        assert_error(&v);
    }

    // Auditor: the log, verification, metrics, all decisions; cannot decide.
    let (st, v) = s.json("POST", "/v1/decisions", Some(&auditor), Some(&example()));
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(
        s.json(
            "POST",
            &format!("/v1/decisions/{id1}/actions"),
            Some(&auditor),
            Some(&json!({"act": "declined", "date": "2025-11-09"}))
        )
        .0,
        StatusCode::FORBIDDEN
    );
    let (st, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ok"], true);
    assert_eq!(
        s.json("GET", "/v1/log", Some(&auditor), None).0,
        StatusCode::OK
    );
    assert_eq!(
        s.req("GET", "/metrics", Some(&auditor), None).status(),
        StatusCode::OK
    );
    assert_eq!(
        s.json("GET", "/v1/reports", Some(&auditor), None).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json("GET", "/v1/tokens", Some(&auditor), None).0,
        StatusCode::FORBIDDEN
    );

    // Counsel: every decision and the reports; not the log or tokens.
    let (_, list) = s.json("GET", "/v1/decisions", Some(&counsel), None);
    assert_eq!(list["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(
        s.json("GET", &format!("/v1/decisions/{id2}"), Some(&counsel), None)
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.json("GET", "/v1/reports", Some(&counsel), None).0,
        StatusCode::OK
    );
    assert_eq!(
        s.json("GET", "/v1/log", Some(&counsel), None).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json("GET", "/v1/log/verify", Some(&counsel), None).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json(
            "POST",
            "/v1/tokens",
            Some(&counsel),
            Some(&json!({"name": "x", "role": "admin"}))
        )
        .0,
        StatusCode::FORBIDDEN
    );

    // Admin: tokens and metrics, not decisions.
    assert_eq!(
        s.json("POST", "/v1/decisions", Some(&admin), Some(&example()))
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json("GET", "/v1/decisions", Some(&admin), None).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json("GET", "/v1/log", Some(&admin), None).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.req("GET", "/metrics", Some(&admin), None).status(),
        StatusCode::OK
    );

    // Everyone reads the law.
    for t in [&clerk, &counsel, &auditor, &admin] {
        assert_eq!(s.json("GET", "/v1/laws", Some(t), None).0, StatusCode::OK);
    }
    let (_, me) = s.json("GET", "/v1/me", Some(&clerk), None);
    assert_eq!(me["role"], "clerk");
    assert_eq!(me["name"], "front desk");

    // Revocation is immediate.
    let (_, toks) = s.json("GET", "/v1/tokens", Some(&admin), None);
    let id = toks["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "night desk")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.json("GET", "/v1/me", Some(&clerk2), None).0,
        StatusCode::OK
    );
    assert_eq!(
        s.json("DELETE", &format!("/v1/tokens/{id}"), Some(&admin), None)
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.json("GET", "/v1/me", Some(&clerk2), None).0,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        !toks.to_string().contains(&clerk2[3..]),
        "token secrets are never listed"
    );
}

#[test]
fn each_role_is_refused_what_it_must_not_see() {
    roles(&Server::start());
}

#[test]
fn each_role_is_refused_what_it_must_not_see_on_postgres() {
    let conn = match std::env::var("BRIGHTLINE_TEST_PG") {
        Ok(c) if !c.trim().is_empty() => c,
        _ => {
            if std::env::var("CI")
                .map(|v| v == "true" || v == "1")
                .unwrap_or(false)
            {
                panic!("CI is set but BRIGHTLINE_TEST_PG is not (see .ci/services.sh)");
            }
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: no PostgreSQL (set BRIGHTLINE_TEST_PG) — each_role_is_refused_what_it_must_not_see_on_postgres");
            return;
        }
    };
    let schema = format!("api_{}_{}", std::process::id(), unique());
    roles(&Server::start_with(Some((conn, schema))));
}

#[test]
fn identifiers_never_appear_in_the_clear_in_the_database() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let mut r = example();
    r["subject"]["booking_number"] = json!("BKNG-7731-ZQX");
    r["subject"]["name"] = json!("Zebulon Quixote-Marchetti");
    r["subject"]["identifiers"] = json!({ "nysid": "NYSID-99887766Q" });
    let d = s.decide(&clerk, &r);
    let id = d["id"].as_i64().unwrap();
    let (_, v) = s.json("GET", &format!("/v1/decisions/{id}"), Some(&clerk), None);
    let key = v["subject_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(v["request"]["subject"].get("booking_number").is_none());
    // A second request about the same booking number gets the same key (reports count persons).
    let d2 = s.decide(&clerk, &r);
    let (_, v2) = s.json(
        "GET",
        &format!("/v1/decisions/{}", d2["id"]),
        Some(&clerk),
        None,
    );
    assert_eq!(v2["subject_key"], v["subject_key"]);
    // Nothing of the identifiers in any file of the data directory (database, WAL, shared memory).
    let mut files = 0;
    for e in std::fs::read_dir(&s.dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        files += 1;
        for needle in [
            "BKNG-7731-ZQX",
            "Zebulon",
            "Quixote",
            "NYSID-99887766Q",
            "99887766",
            "booking_number",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in {}",
                p.display()
            );
        }
    }
    assert!(files >= 2, "the log files exist");
    let n: i64 = s
        .db()
        .query_row(
            "SELECT count(*) FROM log_entries WHERE body LIKE '%' || ?1 || '%'",
            [key],
            |r| r.get(0),
        )
        .unwrap();
    // Even the keyed hash is inside the sealed bodies (the API read it back above).
    assert_eq!(n, 0);
}

#[test]
fn replay_rederives_the_same_decision() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let d = s.decide(&clerk, &example());
    let id = d["id"].as_i64().unwrap();
    let (st, r) = s.json(
        "GET",
        &format!("/v1/decisions/{id}/replay"),
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["law_hash_matches"], true);
    assert_eq!(r["outcome_matches"], true);
    assert_eq!(r["same_decision"], true);
    assert_eq!(
        r["decision"], d["decision"],
        "the replayed decision, trace included, equals the one answered"
    );
    assert!(!r["decision"]["trace"].as_array().unwrap().is_empty());
    // Under other law packs: refused, unless forced.
    s.db()
        .execute(
            "UPDATE log_entries SET law_hash = 'otherlaw' WHERE seq = ?1",
            [id],
        )
        .unwrap();
    let (st, v) = s.json(
        "GET",
        &format!("/v1/decisions/{id}/replay"),
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"]["field"], "law_hash");
    let (st, v) = s.json(
        "GET",
        &format!("/v1/decisions/{id}/replay?force=true"),
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["law_hash_matches"], false);
    assert_eq!(v["outcome_matches"], true);
}

#[test]
fn bad_input_gets_a_json_error_naming_the_field() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let post = |body: &str| {
        let r = s
            .http
            .post(format!("{}/v1/decisions", s.base))
            .bearer_auth(&clerk)
            .body(body.to_string())
            .send()
            .unwrap();
        let st = r.status();
        (
            st,
            serde_json::from_str::<Value>(&r.text().unwrap()).unwrap(),
        )
    };
    let (st, v) = post("{not json");
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "(request)");
    let mut r = example();
    r["request"]["warrant"] = json!("warrent");
    let (st, v) = post(&r.to_string());
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "request.warrant");
    let mut r = example();
    r["subject"]["convictions"][0]["offense"] = json!(12);
    let (st, v) = post(&r.to_string());
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "subject.convictions[0].offense");
    let (st, v) = post(&"x".repeat(70 * 1024));
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&v);
    let (st, v) = post("[1,2,3]");
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    // Nothing of that was logged (the log holds only token administration).
    assert_eq!(
        s.db()
            .query_row(
                "SELECT count(*) FROM log_entries WHERE kind <> 'token'",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        0
    );

    let (st, v) = s.json("GET", "/v1/decisions?limit=abc", Some(&clerk), None);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "limit");
    let (st, v) = s.json("GET", "/v1/decisions/abc", Some(&clerk), None);
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_error(&v);
    let (st, v) = s.json("GET", "/v1/nope", Some(&clerk), None);
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_error(&v);
    let (st, v) = s.json("PUT", "/v1/decisions", Some(&clerk), None);
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&v);
    let (st, v) = s.json(
        "GET",
        "/v1/laws/us-ny-nyc?date=2025-13-01",
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "date");
    let (st, _) = s.json("GET", "/v1/laws/xx-nowhere", Some(&clerk), None);
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, v) = s.json(
        "POST",
        "/v1/decisions/1/actions",
        Some(&clerk),
        Some(&json!({"acted": "yes"})),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, v) = s.json(
        "POST",
        "/v1/tokens",
        Some(&s.admin),
        Some(&json!({"name": "x", "role": "root"})),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "role");
}

#[test]
fn laws_in_force_on_a_date() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let (_, v) = s.json("GET", "/v1/laws", Some(&clerk), None);
    assert_eq!(
        v["law_hash"].as_str().unwrap(),
        brightline::bundled().unwrap().content_hash()
    );
    assert!(v["jurisdictions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["id"] == "us-ny-nyc"));
    let (st, v) = s.json(
        "GET",
        "/v1/laws/us-ny-nyc?date=2025-11-09",
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["as_of"], "2025-11-09");
    assert_eq!(v["chain"][0], "us-ny-nyc");
    let provs = v["provisions"].as_array().unwrap();
    assert!(
        provs
            .iter()
            .any(|p| p["citation"].as_str().unwrap().contains("9-131")),
        "{v}"
    );
    assert!(v["history"].as_array().unwrap().len() > 1);
    // Before the 2014 laws, § 9-131 as amended is not in force.
    let (_, old) = s.json(
        "GET",
        "/v1/laws/us-ny-nyc?date=2013-01-01",
        Some(&clerk),
        None,
    );
    if let Some(p) = old["provisions"].as_array() {
        assert!(p.len() < provs.len());
    }
}

/// Logs every entry of a pack's report fixture through the API, as a clerk
/// would: corrections name the decision they supersede, and acts the decision
/// said were prohibited are confirmed with their reason. Returns fixture id → log id.
fn log_fixture(s: &Server, clerk: &str, pack: &str) -> std::collections::HashMap<i64, i64> {
    let text = std::fs::read_to_string(format!(
        "{}/../../laws/{pack}/reports-fixture.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let mut ids = std::collections::HashMap::new();
    for e in fx["entries"].as_array().unwrap() {
        let path = match e["supersedes"].as_i64() {
            Some(old) => format!("/v1/decisions?supersedes={}", ids[&old]),
            None => "/v1/decisions".to_string(),
        };
        let (st, d) = s.json("POST", &path, Some(clerk), Some(&e["request"]));
        assert_eq!(st, StatusCode::OK, "entry {}: {d}", e["id"]);
        let id = d["id"].as_i64().unwrap();
        ids.insert(e["id"].as_i64().unwrap(), id);
        for a in e["acts"].as_array().into_iter().flatten() {
            let mut body = json!({ "act": a["act"], "date": a["date"] });
            if let Some(r) = a["reason"].as_str() {
                body["confirm_prohibited"] = json!(true);
                body["reason"] = json!(r);
            }
            let (st, v) = s.json(
                "POST",
                &format!("/v1/decisions/{id}/actions"),
                Some(clerk),
                Some(&body),
            );
            assert_eq!(st, StatusCode::CREATED, "entry {} act {a}: {v}", e["id"]);
        }
    }
    ids
}

fn field(rep: &Value, n: &str) -> Value {
    rep["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == n)
        .unwrap_or_else(|| panic!("no field {n} in {rep}"))
        .clone()
}

/// The fixtures of the packs' worked report examples, logged through the
/// API, give every report the totals its example states; the report of
/// each decision's own jurisdiction and agency counts it, and an act
/// against a prohibition is counted and flagged.
#[test]
fn reports_from_a_logged_fixture_give_the_worked_examples_totals() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let counsel = s.token("counsel", "k");
    let nyc = log_fixture(&s, &clerk, "us-ny-nyc");
    for pack in ["us-il", "us-ca", "us-or", "us-nh", "us-ga"] {
        log_fixture(&s, &clerk, pack);
    }
    let lib = brightline::bundled().unwrap();
    let reports = brightline_server::reports::load(lib).unwrap();
    let mut checked = 0;
    for r in &reports {
        for ex in &r.examples {
            let (st, rep) = s.json(
                "GET",
                &format!("/v1/reports/{}?from={}&to={}", r.id, ex.from, ex.to),
                Some(&counsel),
                None,
            );
            assert_eq!(st, StatusCode::OK, "{rep}");
            for (name, want) in &ex.expect {
                assert_eq!(
                    field(&rep, name)["value"],
                    json!(want),
                    "{} {}: {}",
                    r.id,
                    name,
                    field(&rep, name)
                );
            }
            checked += 1;
        }
    }
    // NYC §§ 9-131(f), 14-154(f), 9-205(f), 10-178(d); IL; CA; OR; NH; GA.
    assert_eq!(checked, 9);

    // The DOC year in detail: the four faults, each fixed.
    let (_, rep) = s.json(
        "GET",
        "/v1/reports/doc-annual-detainers?year=2025",
        Some(&counsel),
        None,
    );
    assert_eq!(rep["period"]["from"], "2024-07-01");
    assert_eq!(rep["period"]["to"], "2025-06-30");
    // Texas jail detainers are elsewhere; so are NYPD's.
    assert_eq!(field(&rep, "detainers_lodged")["value"], 5);
    // Held on a prohibited decision: counted as held, flagged, not "not honored".
    let held = field(&rep, "persons_held");
    assert_eq!(held["value"], 3);
    assert_eq!(held["flagged"].as_array().unwrap().len(), 1, "{held}");
    assert_eq!(held["flagged"][0]["decision"], nyc[&3]);
    assert_eq!(held["flagged"][0]["reason"], "supervisor ordered the hold");
    assert!(!held["decisions"]
        .as_array()
        .unwrap()
        .contains(&json!(nyc[&5])));
    assert!(held["decisions"]
        .as_array()
        .unwrap()
        .contains(&json!(nyc[&6])));
    assert_eq!(
        rep["flagged"].as_array().unwrap().len(),
        1,
        "one act, flagged in two fields"
    );
    // Two detainers about one case_ref: one person not honored.
    assert_eq!(field(&rep, "detainers_not_honored")["value"], 1);
    assert_eq!(
        field(&rep, "information_requests")["breakdown"]["release_date"],
        1
    );
    assert!(field(&rep, "scaap_funding")["value"].is_null());
    let csv = s
        .req(
            "GET",
            "/v1/reports/doc-annual-detainers?year=2025&format=csv",
            Some(&counsel),
            None,
        )
        .text()
        .unwrap();
    assert!(
        csv.contains("doc-annual-detainers,2024-07-01,2025-06-30,detainers_lodged,f(1),5,requests"),
        "{csv}"
    );
    let html = s
        .req(
            "GET",
            "/v1/reports/doc-annual-detainers?year=2025&format=html",
            Some(&counsel),
            None,
        )
        .text()
        .unwrap();
    assert!(html.contains("<svg") && html.contains("§ 9-131(f)"));
    assert!(html.contains("supervisor ordered the hold"), "flag shown");
    let (st, q) = s.json(
        "GET",
        "/v1/reports/city-quarterly-immigration-enforcement?quarter=2025Q3",
        Some(&counsel),
        None,
    );
    assert_eq!(st, StatusCode::OK);
    assert_eq!(q["period"]["from"], "2025-07-01");
    assert_eq!(
        field(&q, "requests_agreed")["flagged"][0]["act"],
        "allowed_access"
    );
    // Probation's § 9-205(f) year: its own agency only, the hold on an
    // administrative warrant flagged with its reason.
    let (_, dop) = s.json(
        "GET",
        "/v1/reports/dop-annual-detainers?year=2025",
        Some(&counsel),
        None,
    );
    assert_eq!(dop["period"]["from"], "2024-07-01");
    assert_eq!(field(&dop, "detainers_lodged")["value"], 3);
    let held = field(&dop, "persons_held");
    assert_eq!(held["flagged"].as_array().unwrap().len(), 1, "{held}");
    assert_eq!(held["flagged"][0]["decision"], nyc[&18]);
    assert!(!held["decisions"]
        .as_array()
        .unwrap()
        .contains(&json!(nyc[&3])));
    // A report of each refusal (no period in the statute) is asked for by year.
    let (st, nh) = s.json(
        "GET",
        "/v1/reports/nh-detainer-refusals?year=2026",
        Some(&counsel),
        None,
    );
    assert_eq!(st, StatusCode::OK, "{nh}");
    assert_eq!(nh["period"]["from"], "2026-01-01");
    assert_eq!(field(&nh, "refusals")["value"], 2);
    assert_eq!(
        field(&nh, "refusals")["decisions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Oregon: the access allowed against the decision is flagged.
    let (_, or) = s.json(
        "GET",
        "/v1/reports/or-documented-requests?from=2024-01-01&to=2024-12-31",
        Some(&counsel),
        None,
    );
    assert_eq!(
        field(&or, "requests_acted_on")["flagged"][0]["act"],
        "allowed_access"
    );
    // Georgia: the figures the log cannot give stay empty, to fill by hand.
    let (_, ga) = s.json(
        "GET",
        "/v1/reports/ga-quarterly-jail-report?quarter=2025Q3",
        Some(&counsel),
        None,
    );
    assert_eq!(field(&ga, "ice_detainers")["value"], 3);
    assert!(field(&ga, "total_inmates")["value"].is_null());
    let (st, v) = s.json(
        "GET",
        "/v1/reports/doc-annual-detainers?quarter=2025Q5",
        Some(&counsel),
        None,
    );
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "quarter");
    assert_eq!(
        s.json("GET", "/v1/reports/nope?year=2025", Some(&counsel), None)
            .0,
        StatusCode::NOT_FOUND
    );
}

fn entries(s: &Server) -> i64 {
    let (_, h) = s.json("GET", "/healthz", None, None);
    h["entries"].as_i64().unwrap()
}

fn post_keyed(s: &Server, path: &str, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let r = s
        .http
        .post(format!("{}{path}", s.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .body(body.to_string())
        .send()
        .unwrap();
    let st = r.status();
    (st, serde_json::from_str(&r.text().unwrap()).unwrap())
}

/// A draft logs nothing; a record with a key logs once however often it is
/// sent; a correction names the decision it replaces, once.
#[test]
fn drafts_do_not_log_records_log_once_and_corrections_chain() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let before = entries(&s);
    let (st, d) = s.json(
        "POST",
        "/v1/decisions?dry_run=true",
        Some(&clerk),
        Some(&example()),
    );
    assert_eq!(st, StatusCode::OK, "{d}");
    assert!(d["id"].is_null());
    assert_eq!(d["dry_run"], true);
    assert_eq!(d["decision"]["outcome"], "prohibited");
    assert_eq!(entries(&s), before, "a draft is not logged");

    let key = "7d1c3a52-0f0e-4c38-9d5e-1b2f3a4c5d6e";
    let (st, a) = post_keyed(&s, "/v1/decisions", &clerk, key, &example());
    assert_eq!(st, StatusCode::OK, "{a}");
    let (st, b) = post_keyed(&s, "/v1/decisions", &clerk, key, &example());
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(a["id"], b["id"]);
    assert_eq!(b["replayed"], true);
    assert_eq!(entries(&s), before + 1, "a second press logs nothing");
    // The same key for another request is refused, not silently merged.
    let mut other = example();
    other["request"]["warrant"] = json!("judicial");
    let (st, v) = post_keyed(&s, "/v1/decisions", &clerk, key, &other);
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "Idempotency-Key");
    // Another clerk's identical key is another record.
    let clerk2 = s.token("clerk", "c2");
    let (_, c) = post_keyed(&s, "/v1/decisions", &clerk2, key, &example());
    assert_ne!(c["id"], a["id"]);

    // A correction supersedes; the first cannot be corrected twice.
    let first = a["id"].as_i64().unwrap();
    let (st, corr) = s.json(
        "POST",
        &format!("/v1/decisions?supersedes={first}"),
        Some(&clerk),
        Some(&other),
    );
    assert_eq!(st, StatusCode::OK, "{corr}");
    assert_eq!(corr["supersedes"], first);
    let (st, v) = s.json(
        "POST",
        &format!("/v1/decisions?supersedes={first}"),
        Some(&clerk),
        Some(&other),
    );
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&corr["id"].to_string()));
    // A clerk cannot correct another clerk's decision.
    let (st, _) = s.json(
        "POST",
        &format!("/v1/decisions?supersedes={}", c["id"]),
        Some(&clerk),
        Some(&other),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (_, got) = s.json("GET", &format!("/v1/decisions/{first}"), Some(&clerk), None);
    assert_eq!(got["superseded_by"], corr["id"]);
    // The correction is about the same person though it named no one.
    let (_, got2) = s.json(
        "GET",
        &format!("/v1/decisions/{}", corr["id"]),
        Some(&clerk),
        None,
    );
    assert_eq!(got2["subject_key"], got["subject_key"]);
    let (_, list) = s.json("GET", "/v1/decisions", Some(&clerk), None);
    let row = list["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == first)
        .unwrap()
        .clone();
    assert_eq!(row["superseded_by"], corr["id"]);
    let v = s
        .json(
            "GET",
            "/v1/log/verify",
            Some(&s.token("auditor", "a")),
            None,
        )
        .1;
    assert_eq!(v["ok"], true, "{v}");
}

/// An act the decision said was prohibited needs a confirmation and a
/// reason; a repeated Record (same key) logs one action.
#[test]
fn actions_confirm_prohibited_acts_and_record_once() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let d = s.decide(&clerk, &example());
    assert_eq!(d["decision"]["outcome"], "prohibited");
    let id = d["id"].as_i64().unwrap();
    let path = format!("/v1/decisions/{id}/actions");
    let (st, v) = s.json(
        "POST",
        &path,
        Some(&clerk),
        Some(&json!({"act": "held", "date": "2025-11-10"})),
    );
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "confirm_prohibited");
    let (st, v) = s.json(
        "POST",
        &path,
        Some(&clerk),
        Some(&json!({"act": "held", "date": "2025-11-10", "confirm_prohibited": true})),
    );
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"]["field"], "reason");
    let (st, v) = s.json(
        "POST",
        &path,
        Some(&clerk),
        Some(&json!({"act": "held", "date": "2025-11-01"})),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST, "before the request: {v}");
    assert_eq!(v["error"]["field"], "date");
    let body = json!({"act": "held", "date": "2025-11-10", "confirm_prohibited": true, "reason": "ordered by the warden"});
    let before = entries(&s);
    let (st, a) = post_keyed(&s, &path, &clerk, "press-0001-abcdef", &body);
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert_eq!(a["against_decision"], true);
    let (st, b) = post_keyed(&s, &path, &clerk, "press-0001-abcdef", &body);
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(a["id"], b["id"]);
    assert_eq!(entries(&s), before + 1, "two presses, one action");
    let (st, _) = s.json(
        "POST",
        &path,
        Some(&clerk),
        Some(&json!({"act": "declined", "date": "2025-11-11"})),
    );
    assert_eq!(st, StatusCode::CREATED);
    let (_, got) = s.json("GET", &format!("/v1/decisions/{id}"), Some(&clerk), None);
    let acts: Vec<&Value> = got["actions"].as_array().unwrap().iter().collect();
    assert_eq!(acts.len(), 2);
    assert_eq!(acts[0]["acts"], json!(["held"]));
    assert_eq!(acts[0]["reason"], "ordered by the warden");
    assert_eq!(acts[0]["against_decision"], true);
    let (_, list) = s.json("GET", "/v1/decisions", Some(&clerk), None);
    assert_eq!(list["decisions"][0]["acts"], json!(["held", "declined"]));
}

/// A case reference counts a person once and never reaches the log in the clear.
#[test]
fn case_ref_is_kept_only_as_a_keyed_hash() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let mut a = example();
    a["case_ref"] = json!("BK-2025-000417");
    let mut b = example();
    b["case_ref"] = json!(" bk-2025-000417 ");
    b["date"] = json!("2025-11-12");
    let da = s.decide(&clerk, &a);
    let db = s.decide(&clerk, &b);
    let (_, ga) = s.json(
        "GET",
        &format!("/v1/decisions/{}", da["id"]),
        Some(&clerk),
        None,
    );
    let (_, gb) = s.json(
        "GET",
        &format!("/v1/decisions/{}", db["id"]),
        Some(&clerk),
        None,
    );
    assert!(ga["subject_key"].is_string());
    assert_eq!(ga["subject_key"], gb["subject_key"], "one person");
    let dump: Vec<String> = s
        .db()
        .prepare("SELECT body FROM log_entries")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(!dump.iter().any(|b| b.to_lowercase().contains("000417")));
    let mut bad = example();
    bad["case_ref"] = json!(17);
    let (st, v) = s.json("POST", "/v1/decisions", Some(&clerk), Some(&bad));
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "case_ref");
}

#[test]
fn verify_endpoint_names_a_tampered_entry() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let auditor = s.token("auditor", "a");
    let ids: Vec<i64> = (0..5)
        .map(|_| s.decide(&clerk, &example())["id"].as_i64().unwrap())
        .collect();
    let (_, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(v["ok"], true);
    // Five decisions after three token creations (the first admin, c, a).
    assert_eq!(v["entries"], 8);
    s.db().execute("UPDATE log_entries SET body = replace(body, '\"prohibited\"', '\"permitted\"') WHERE seq = ?1", [ids[2]]).unwrap();
    let (_, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"]["seq"], ids[2], "{v}");
}

#[test]
fn concurrent_decisions_are_each_logged_once_before_the_answer() {
    let s = Arc::new(Server::start());
    let clerk = s.token("clerk", "c");
    let mut threads = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        let clerk = clerk.clone();
        threads.push(std::thread::spawn(move || {
            let db = s.db();
            (0..25)
                .map(|_| {
                    let d = s.decide(&clerk, &example());
                    let id = d["id"].as_i64().unwrap();
                    // Acknowledged means committed: another connection sees the entry at once.
                    let hash: String = db
                        .query_row(
                            "SELECT entry_hash FROM log_entries WHERE seq = ?1",
                            [id],
                            |r| r.get(0),
                        )
                        .unwrap();
                    assert_eq!(hash, d["entry_hash"].as_str().unwrap());
                    id
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut ids: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    ids.sort();
    // Entries 1 and 2 record the creation of the first admin and the clerk token.
    assert_eq!(ids, (3..=202).collect::<Vec<i64>>());
    let auditor = s.token("auditor", "a");
    let (_, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(v["ok"], true);
    let m = s
        .req("GET", "/metrics", Some(&auditor), None)
        .text()
        .unwrap();
    assert!(
        m.contains("brightline_decisions_total{outcome=\"prohibited\"} 200"),
        "{m}"
    );
    assert!(m.contains("brightline_log_commit_batch_size_count"));
}

#[test]
fn compare_and_diff_laws() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let (st, v) = s.json(
        "GET",
        "/v1/compare?jurisdictions=us-ny-nyc,us-ny&date=2025-11-09",
        Some(&clerk),
        None,
    );
    assert_eq!(st, StatusCode::OK, "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].as_array().unwrap().len(),
        v["kinds"].as_array().unwrap().len()
    );
    assert_eq!(rows[0][0]["jurisdiction"], "us-ny-nyc");
    let (st, v) = s.json("GET", "/v1/compare?jurisdictions=xx", Some(&clerk), None);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "jurisdictions");
    let body = json!({ "a": { "jurisdiction": "us-ny-nyc", "date": "2013-06-01" }, "b": { "jurisdiction": "us-ny-nyc", "date": "2025-11-09" } });
    let (st, d) = s.json("POST", "/v1/diff", Some(&clerk), Some(&body));
    assert_eq!(st, StatusCode::OK, "{d}");
    assert_eq!(
        d["equivalent"], false,
        "the 2014 and 2017 local laws changed NYC's answers"
    );
    assert!(!d["regions"].as_array().unwrap().is_empty());
    // The diff opens with what changed, by provision: every provision of every
    // region is in the summary, and its region count adds up.
    let summary = d["summary"].as_array().unwrap();
    assert!(!summary.is_empty());
    assert!(
        summary.len() < d["regions"].as_array().unwrap().len(),
        "a summary is shorter than the regions"
    );
    for r in d["regions"].as_array().unwrap() {
        for p in r["a"]["provisions"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["b"]["provisions"].as_array().unwrap())
        {
            assert!(
                summary.iter().any(|c| c["citation"] == p["citation"]),
                "{p}"
            );
        }
    }
    assert!(
        summary
            .iter()
            .any(|c| c["citation"].as_str().unwrap().contains("9-131") && c["side"] == "b"),
        "{summary:?}"
    );
    let same = json!({ "a": { "jurisdiction": "us-ny-nyc", "date": "2025-11-09" }, "b": { "jurisdiction": "us-ny-nyc", "date": "2025-11-09" } });
    let (_, d) = s.json("POST", "/v1/diff", Some(&clerk), Some(&same));
    assert_eq!(d["equivalent"], true);
    let (st, v) = s.json("POST", "/v1/diff", Some(&clerk), Some(&json!({ "a": { "jurisdiction": "us-ny-nyc", "date": "someday" }, "b": { "jurisdiction": "us-ny", "date": "2025-01-01" } })));
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "a.date");
    assert_eq!(
        s.json("GET", "/v1/compare", None, None).0,
        StatusCode::UNAUTHORIZED
    );
}

/// A clerk who pastes the rap-sheet line whole ("NY PL 120.05 Juan Perez DOB
/// …") gets a decision, and the log keeps only the code brightline read.
#[test]
fn only_the_normalised_offense_code_is_logged() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let mut r = example();
    r["subject"]["convictions"][0]["offense"] =
        json!("NY PL 120.05 Zebedee Pomfret DOB 1990-01-01");
    r["subject"]["pending_charges"][0]["offense"] = json!("Zebedee's own words");
    let d = s.decide(&clerk, &r);
    let id = d["id"].as_i64().unwrap();
    let (_, v) = s.json("GET", &format!("/v1/decisions/{id}"), Some(&clerk), None);
    let subj = &v["request"]["subject"];
    assert_eq!(subj["convictions"][0]["offense"], "NY PL 120.05", "{v}");
    assert_eq!(subj["pending_charges"][0]["offense"], "(unread)", "{v}");
    assert!(!v.to_string().contains("Zebedee"), "{v}");
    assert!(!v.to_string().contains("Pomfret"), "{v}");
}

/// The memo of a logged decision, as HTML and as a PDF read back: the facts,
/// the outcome, the statute's words, the law version and the log entry's hash.
#[test]
fn decision_memo_as_html_and_pdf() {
    let s = Server::start();
    let clerk = s.token("clerk", "front desk");
    let mut req = example();
    req["case_ref"] = json!("BK-77");
    let d = s.decide(&clerk, &req);
    let id = d["id"].as_i64().unwrap();
    let (st, _) = s.json(
        "POST",
        &format!("/v1/decisions/{id}/actions"),
        Some(&clerk),
        Some(&json!({"act": "declined", "date": "2025-11-09"})),
    );
    assert_eq!(st, StatusCode::CREATED);
    let quote = d["decision"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| r["quote"].as_str())
        .expect("a reason quotes its statute")
        .to_string();
    let hash = d["entry_hash"].as_str().unwrap().to_string();
    let r = s.req(
        "GET",
        &format!("/v1/decisions/{id}/memo"),
        Some(&clerk),
        None,
    );
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().unwrap();
    assert!(html.contains("@media print"));
    assert!(html.contains(&hash));
    assert!(html.contains("PROHIBITED"));
    assert!(html.contains("declined"));
    assert!(!html.contains("BK-77"));
    let r = s.req(
        "GET",
        &format!("/v1/decisions/{id}/memo.pdf"),
        Some(&clerk),
        None,
    );
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert_eq!(pages.len(), 1, "one page");
    let text = doc.extract_text(&pages).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&format!("Recorded decision #{id}")), "{flat}");
    assert!(flat.contains(&hash), "the entry hash: {flat}");
    assert!(flat.contains("PROHIBITED"));
    let words: String = quote
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(&words), "statute words `{words}` in {flat}");
    assert!(flat.contains("law in force on: 2025-11-09"), "{flat}");
    // Another clerk gets no memo of it.
    let other = s.token("clerk", "other");
    assert_eq!(
        s.req(
            "GET",
            &format!("/v1/decisions/{id}/memo.pdf"),
            Some(&other),
            None
        )
        .status(),
        StatusCode::NOT_FOUND
    );
    // A shared draft memo: the request in the link, no identifiers, nothing logged.
    let before = entries(&s);
    let url = format!(
        "{}/v1/memo?request={}",
        s.base,
        form_urlencode(&req.to_string())
    );
    let html = s
        .http
        .get(url)
        .bearer_auth(&other)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("Draft"), "{html}");
    assert!(html.contains("PROHIBITED"));
    assert!(!html.contains("BK-77"));
    assert_eq!(entries(&s), before);
}

fn form_urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
