//! The HTTP API over a real socket, a real SQLite log (and PostgreSQL where
//! configured): roles, errors, identifiers, replay, reports, tamper detection.

mod common;
use common::Running;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use brightline_server::{AppState, Config};
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Server {
    base: String,
    admin: String,
    dir: PathBuf,
    run: Running,
    http: Client,
    pg_schema: Option<(String, String)>,
}

static N: AtomicU64 = AtomicU64::new(0);

impl Server {
    fn start() -> Server {
        Server::start_with(None)
    }

    /// `database`: a PostgreSQL connection string and a schema to create for this test.
    fn start_with(database: Option<(String, String)>) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "bl_api_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data: dir.clone(),
            database: None,
            limits: Default::default(),
        };
        let lib = brightline::bundled().unwrap();
        let (store, key, admin) = match &database {
            None => brightline_server::open_store(&cfg).unwrap(),
            Some((conn, schema)) => {
                let store = brightline_store::Store::open(&brightline_store::Location::Postgres {
                    conn: conn.clone(),
                    schema: Some(schema.clone()),
                })
                .unwrap();
                let (_, secret) = store
                    .create_token("first admin", brightline_store::Role::Admin)
                    .unwrap();
                (
                    Arc::new(store),
                    brightline_store::load_or_create_key(&dir).unwrap(),
                    Some(secret),
                )
            }
        };
        // These tests send hundreds of requests a second on one token; the
        // rate limit has tests of its own (tests/hardening.rs).
        let limits = brightline_server::limits::Limits {
            rate_per_second: 0,
            ..Default::default()
        };
        let state = Arc::new(AppState::new(lib, store, key).unwrap().with_limits(limits));
        let run = Running::spawn(state);
        Server {
            base: run.base.clone(),
            admin: admin.unwrap(),
            dir,
            run,
            http: Client::new(),
            pg_schema: database,
        }
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

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("log.db")).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.run.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((conn, schema)) = &self.pg_schema {
            if let Ok(mut c) = postgres::Client::connect(conn, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
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

/// A DOC request about one person, on a date, with or without a VSC felony.
fn doc_request(kind: &str, date: &str, booking: &str, warrant: &str) -> Value {
    let mut r = example();
    r["date"] = json!(date);
    // The example's arrest would postdate an earlier request.
    r["subject"]["arrest_date"] = json!(date);
    r["request"]["kind"] = json!(kind);
    r["request"]["warrant"] = json!(warrant);
    r["subject"]["booking_number"] = json!(booking);
    r
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
            Some(&json!({"acted": true, "transferred": false}))
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
            Some(&json!({"acted": true, "transferred": false}))
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
    let schema = format!(
        "api_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
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
    assert_eq!(n, 2);
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
    // Nothing of that was logged.
    assert_eq!(
        s.db()
            .query_row("SELECT count(*) FROM log_entries", [], |r| r
                .get::<_, i64>(0))
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

#[test]
fn reports_count_logged_decisions_and_actions() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let counsel = s.token("counsel", "k");
    // In the period July 2024 – June 2025: three detainers about two people, all prohibited
    // (administrative warrant), one judicial-warrant detainer, and two information requests.
    let mut ids = Vec::new();
    for (kind, date, who, warrant) in [
        ("detainer", "2024-08-01", "P1", "administrative"),
        ("detainer", "2024-09-01", "P1", "administrative"),
        ("detainer", "2025-01-15", "P2", "administrative"),
        ("detainer", "2025-02-01", "P3", "judicial"),
        ("information", "2025-03-01", "P4", "none"),
        ("information", "2025-06-30", "P5", "none"),
        ("detainer", "2025-07-01", "P6", "administrative"),
    ] {
        let mut r = doc_request(kind, date, who, warrant);
        if kind == "information" {
            r["request"]["information"] = json!(["release_date", "court_date"]);
        }
        let d = s.decide(&clerk, &r);
        ids.push((
            d["id"].as_i64().unwrap(),
            d["decision"]["outcome"].as_str().unwrap().to_string(),
        ));
    }
    let judicial = ids[3].0;
    let (st, a) = s.json(
        "POST",
        &format!("/v1/decisions/{judicial}/actions"),
        Some(&clerk),
        Some(&json!({"acted": true, "transferred": true})),
    );
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let (_, v) = s.json(
        "GET",
        &format!("/v1/decisions/{judicial}"),
        Some(&clerk),
        None,
    );
    assert_eq!(v["actions"][0]["transferred"], true);

    let (st, rep) = s.json(
        "GET",
        "/v1/reports/doc-annual-detainers?year=2025",
        Some(&counsel),
        None,
    );
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!(rep["period"]["from"], "2024-07-01");
    assert_eq!(rep["period"]["to"], "2025-06-30");
    assert_eq!(rep["decisions_counted"], 6);
    let field = |n: &str| {
        rep["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(field("detainers_lodged")["value"], 4);
    assert_eq!(field("information_requests")["value"], 2);
    assert_eq!(
        field("information_requests")["breakdown"]["release_date"],
        2
    );
    assert_eq!(field("information_requests")["breakdown"]["address"], 0);
    assert!(field("scaap_funding")["value"].is_null());
    assert!(ids[..3].iter().all(|(_, o)| o == "prohibited"), "{ids:?}");
    assert_eq!(
        field("detainers_not_honored")["value"],
        2,
        "distinct persons: P1 twice, P2"
    );
    assert_eq!(
        ids[3].1, "permitted",
        "a judicial warrant permits honoring the detainer"
    );
    assert_eq!(field("persons_transferred")["value"], 1);
    assert_eq!(field("persons_held")["value"], 1);

    let r = s.req(
        "GET",
        "/v1/reports/doc-annual-detainers?year=2025&format=csv",
        Some(&counsel),
        None,
    );
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().unwrap();
    assert!(
        csv.starts_with("report,period_from,period_to,field,paragraph,value,unit,breakdown,note")
    );
    assert!(
        csv.contains("doc-annual-detainers,2024-07-01,2025-06-30,detainers_lodged,f(1),4,requests"),
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
    assert!(
        html.contains("<svg") && html.contains("detainers_lodged") && html.contains("§ 9-131(f)")
    );
    let (st, q) = s.json(
        "GET",
        "/v1/reports/city-quarterly-immigration-enforcement?quarter=2025Q3",
        Some(&counsel),
        None,
    );
    assert_eq!(st, StatusCode::OK);
    assert_eq!(q["period"]["from"], "2025-07-01");
    assert_eq!(q["period"]["to"], "2025-09-30");
    assert_eq!(q["decisions_counted"], 1);
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

#[test]
fn verify_endpoint_names_a_tampered_entry() {
    let s = Server::start();
    let clerk = s.token("clerk", "c");
    let auditor = s.token("auditor", "a");
    for _ in 0..5 {
        s.decide(&clerk, &example());
    }
    let (_, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 5);
    s.db().execute("UPDATE log_entries SET body = replace(body, '\"prohibited\"', '\"permitted\"') WHERE seq = 3", []).unwrap();
    let (_, v) = s.json("GET", "/v1/log/verify", Some(&auditor), None);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"]["seq"], 3, "{v}");
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
    assert_eq!(ids, (1..=200).collect::<Vec<i64>>());
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
