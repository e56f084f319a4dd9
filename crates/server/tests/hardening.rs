//! The service's hardening, over a real socket and a real SQLite log: security
//! headers, strict JSON, the auth scheme, rate limits, the bounded writer queue,
//! the request deadline, connection timeouts, the action cap, and the first
//! admin token's file.

mod common;
use common::{temp_dir, unique, Server};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use brightline_server::limits::Limits;
use brightline_server::Config;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};

impl Server {
    fn start(limits: Limits) -> Server {
        Server::launch(limits, None)
    }

    fn send(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&str>) -> Response {
        let url = format!("{}{path}", self.base);
        let mut r = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url),
            m => panic!("{m}"),
        };
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        if let Some(b) = body {
            r = r
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        r.send().unwrap()
    }

    fn json(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> (StatusCode, Value) {
        let r = self.send(method, path, Some(&format!("Bearer {token}")), body);
        let s = r.status();
        let text = r.text().unwrap();
        let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (s, v)
    }

    fn token(&self, role: &str) -> String {
        let body = json!({ "name": format!("{role} {}", unique()), "role": role });
        let (s, v) = self.json("POST", "/v1/tokens", &self.admin, Some(&body.to_string()));
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["token"].as_str().unwrap().to_string()
    }
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/nyc-doc-detainer.json"
    ))
    .unwrap()
}

fn no_rate_limit() -> Limits {
    Limits {
        rate_per_second: 0,
        ..Limits::default()
    }
}

#[test]
fn every_response_has_the_csp_and_personal_data_is_not_cached() {
    let s = Server::start(no_rate_limit());
    let clerk = s.token("clerk");
    let (st, d) = s.json("POST", "/v1/decisions", &clerk, Some(&example()));
    assert_eq!(st, StatusCode::OK, "{d}");
    let id = d["id"].as_i64().unwrap();
    let bearer = format!("Bearer {clerk}");
    for (path, auth, cached) in [
        ("/healthz", None, false),
        ("/", None, false),
        ("/assets/app.js", None, true),
        ("/openapi.json", None, false),
        ("/v1/me", None, false),
        ("/v1/no-such-route", Some(bearer.as_str()), false),
        (
            &format!("/v1/decisions/{id}") as &str,
            Some(bearer.as_str()),
            false,
        ),
        ("/v1/decisions", Some(bearer.as_str()), false),
    ] {
        let r = s.send("GET", path, auth, None);
        let h = r.headers();
        assert_eq!(
            h.get("content-security-policy")
                .and_then(|v| v.to_str().ok()),
            Some("default-src 'self'; img-src 'self' blob:; connect-src 'self' blob:; frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(
            h.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        let cc = h.get("cache-control").and_then(|v| v.to_str().ok());
        if cached {
            assert_ne!(cc, Some("no-store"), "{path}: a static asset may be cached");
        } else {
            assert_eq!(cc, Some("no-store"), "{path}");
        }
    }
}

#[test]
fn duplicate_json_keys_are_refused_naming_the_key() {
    let s = Server::start(no_rate_limit());
    let clerk = s.token("clerk");
    // The example with its `request` object's first key repeated.
    let ex = example();
    let v: Value = serde_json::from_str(&ex).unwrap();
    let (k, val) = v["request"].as_object().unwrap().iter().next().unwrap();
    let dup = ex.replacen(
        "\"request\": {",
        &format!("\"request\": {{\"{k}\": {val},"),
        1,
    );
    assert_ne!(dup, ex, "the example should have a `request` object");
    let (st, e) = s.json("POST", "/v1/decisions", &clerk, Some(&dup));
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["field"], format!("request.{k}"), "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than once"),
        "{e}"
    );
    // Nothing was logged (the log holds only the clerk token's creation).
    let n: i64 = s
        .db()
        .query_row(
            "SELECT count(*) FROM log_entries WHERE kind = 'decision'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);

    let (st, d) = s.json("POST", "/v1/decisions", &clerk, Some(&ex));
    assert_eq!(st, StatusCode::OK, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (st, e) = s.json(
        "POST",
        &format!("/v1/decisions/{id}/actions"),
        &clerk,
        Some(r#"{"act": "declined", "date": "2025-11-10", "act": "held"}"#),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["field"], "act", "{e}");
    let (st, e) = s.json(
        "POST",
        "/v1/tokens",
        &s.admin,
        Some(r#"{"name": "a", "role": "clerk", "role": "admin"}"#),
    );
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["field"], "role", "{e}");
}

#[test]
fn the_bearer_scheme_is_matched_in_any_case() {
    let s = Server::start(no_rate_limit());
    let clerk = s.token("clerk");
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = s.send("GET", "/v1/me", Some(&format!("{scheme} {clerk}")), None);
        assert_eq!(r.status(), StatusCode::OK, "{scheme}");
    }
    for bad in [
        format!("Basic {clerk}"),
        format!("Bearer{clerk}"),
        clerk.clone(),
        "bearer ".into(),
    ] {
        let r = s.send("GET", "/v1/me", Some(&bad), None);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
}

#[test]
fn a_token_over_its_rate_gets_429_with_retry_after() {
    let s = Server::start(Limits {
        rate_per_second: 1,
        rate_burst: 5,
        ..Limits::default()
    });
    let clerk = s.token("clerk");
    let other = s.token("counsel");
    let mut codes = Vec::new();
    let t = Instant::now();
    for _ in 0..20 {
        let r = s.send("GET", "/v1/me", Some(&format!("Bearer {clerk}")), None);
        codes.push(r.status().as_u16());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let after: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&after), "Retry-After {after}");
            let v: Value = r.json().unwrap();
            assert!(
                v["error"]["message"].as_str().unwrap().contains("rate"),
                "{v}"
            );
        }
    }
    // A burst of five, then one more a second at most: however slow this
    // machine, twenty requests cannot all pass.
    let secs = t.elapsed().as_secs();
    assert!(codes[..5].iter().all(|c| *c == 200), "{codes:?}");
    let passed = codes.iter().filter(|c| **c == 200).count() as u64;
    assert!(
        passed <= 5 + secs + 1,
        "{passed} passed in {secs} s: {codes:?}"
    );
    assert!(codes.iter().all(|c| *c == 200 || *c == 429), "{codes:?}");
    // Another token has a budget of its own.
    let r = s.send("GET", "/v1/me", Some(&format!("Bearer {other}")), None);
    assert_eq!(r.status(), StatusCode::OK);
    // The budget refills.
    std::thread::sleep(Duration::from_millis(1100));
    let r = s.send("GET", "/v1/me", Some(&format!("Bearer {clerk}")), None);
    assert_eq!(r.status(), StatusCode::OK);
}

/// Holds SQLite's write lock so the log writer waits, as it would on a slow disk.
fn stall_writer(s: &Server) -> rusqlite::Connection {
    let db = s.db();
    db.execute_batch("BEGIN EXCLUSIVE").unwrap();
    db
}

#[test]
fn a_full_writer_queue_answers_503_at_once() {
    let s = Arc::new(Server::start(Limits {
        writer_queue: 2,
        ..no_rate_limit()
    }));
    let clerk = s.token("clerk");
    let lock = stall_writer(&s);
    let waiting: Vec<_> = (0..2)
        .map(|_| {
            let (s, clerk) = (s.clone(), clerk.clone());
            std::thread::spawn(move || s.json("POST", "/v1/decisions", &clerk, Some(&example())))
        })
        .collect();
    let t0 = Instant::now();
    while s.state.writer_queue.free() > 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the two appends never queued"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let t = Instant::now();
    let r = s.send(
        "POST",
        "/v1/decisions",
        Some(&format!("Bearer {clerk}")),
        Some(&example()),
    );
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "503 must not wait: {:?}",
        t.elapsed()
    );
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "1");
    let v: Value = r.json().unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("queue is full"),
        "{v}"
    );
    // The refused request is answered at once, so it is not in the log; the
    // queued ones are committed when the disk frees up.
    lock.execute_batch("COMMIT").unwrap();
    for w in waiting {
        let (st, v) = w.join().unwrap();
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let n: i64 = s
        .db()
        .query_row(
            "SELECT count(*) FROM log_entries WHERE kind = 'decision'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(s.state.writer_queue.free(), 2);
}

#[test]
fn a_request_past_its_deadline_gets_a_json_503() {
    let s = Server::start(Limits {
        request_deadline: Duration::from_secs(1),
        ..no_rate_limit()
    });
    let clerk = s.token("clerk");
    let lock = stall_writer(&s);
    let t = Instant::now();
    let (st, v) = s.json("POST", "/v1/decisions", &clerk, Some(&example()));
    let took = t.elapsed();
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("within 1 s"),
        "{v}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
    lock.execute_batch("COMMIT").unwrap();
}

/// Reads until the server closes the connection; how long that took, or None if it did not within `max`.
fn closed_within(sock: &mut TcpStream, max: Duration) -> Option<Duration> {
    sock.set_read_timeout(Some(max)).unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return Some(t.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(t.elapsed()),
            Err(_) => return None,
        }
    }
}

#[test]
fn a_slow_client_is_closed_after_the_header_read_timeout() {
    let s = Server::start(Limits {
        header_read: Duration::from_secs(1),
        ..no_rate_limit()
    });
    let addr = s.base.trim_start_matches("http://").to_string();
    // Half a request head, then nothing.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let took =
        closed_within(&mut slow, Duration::from_secs(5)).expect("the slow client was not closed");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // A connection left idle after a complete exchange is closed too.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(closed_within(&mut idle, Duration::from_secs(5)).is_some());
    // A prompt client is served as before.
    assert_eq!(
        s.send("GET", "/healthz", None, None).status(),
        StatusCode::OK
    );
}

#[test]
fn actions_per_decision_are_capped_and_paged() {
    let s = Server::start(Limits {
        max_actions: 3,
        ..no_rate_limit()
    });
    let clerk = s.token("clerk");
    let (_, d) = s.json("POST", "/v1/decisions", &clerk, Some(&example()));
    let id = d["id"].as_i64().unwrap();
    let path = format!("/v1/decisions/{id}/actions");
    let mut ids = Vec::new();
    // The third is sent with an idempotency key, to be repeated at the cap.
    let keyed = |date: &str| {
        s.http
            .post(format!("{}{path}", s.base))
            .bearer_auth(&clerk)
            .header("Idempotency-Key", "hardening-cap-0001")
            .header("Content-Type", "application/json")
            .body(json!({ "act": "declined", "date": date }).to_string())
            .send()
            .unwrap()
    };
    for i in 0..2 {
        let body = json!({ "act": "declined", "date": format!("2025-11-1{i}") }).to_string();
        let (st, a) = s.json("POST", &path, &clerk, Some(&body));
        assert_eq!(st, StatusCode::CREATED, "{a}");
        ids.push(a["id"].as_i64().unwrap());
    }
    let r = keyed("2025-11-12");
    assert_eq!(r.status(), StatusCode::CREATED);
    ids.push(r.json::<Value>().unwrap()["id"].as_i64().unwrap());
    let (st, e) = s.json(
        "POST",
        &path,
        &clerk,
        Some(r#"{"act": "declined", "date": "2025-11-11"}"#),
    );
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already has 3 actions"),
        "{e}"
    );
    // A repeat of a key already recorded is answered with its action, cap or not.
    let r = keyed("2025-11-12");
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = r.json().unwrap();
    assert_eq!(again["id"], ids[2], "{again}");
    assert_eq!(again["replayed"], true, "{again}");

    let (st, p1) = s.json(
        "GET",
        &format!("/v1/decisions/{id}?actions_limit=2"),
        &clerk,
        None,
    );
    assert_eq!(st, StatusCode::OK, "{p1}");
    let got: Vec<i64> = p1["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[..2]);
    assert_eq!(p1["actions_total"], 3);
    assert_eq!(p1["actions_next_after"], ids[1]);
    let (_, p2) = s.json(
        "GET",
        &format!(
            "/v1/decisions/{id}?actions_limit=2&actions_after={}",
            ids[1]
        ),
        &clerk,
        None,
    );
    let got: Vec<i64> = p2["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[2..]);
    assert_eq!(p2["actions_next_after"], Value::Null);
    let (st, e) = s.json(
        "GET",
        &format!("/v1/decisions/{id}?actions_limit=4"),
        &clerk,
        None,
    );
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["field"], "actions_limit");
}

#[test]
fn the_first_admin_token_goes_to_a_file_only_its_owner_can_read() {
    let dir = temp_dir("admin");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = Config {
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        data: dir.clone(),
        database: None,
        signing_key: None,
        identifier_key: Some(dir.join("identifier.key")),
        limits: Limits::default(),
    };
    let lib = brightline::bundled().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(brightline_server::serve_until(cfg, lib, async {
            let _ = stopped.await;
        }))
    });
    let http = Client::new();
    let t = Instant::now();
    while http
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .is_err()
    {
        assert!(t.elapsed() < Duration::from_secs(20), "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let file = brightline_server::admin_token_path(&dir);
    let meta = std::fs::metadata(&file).expect("the admin token file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&file).unwrap().trim().to_string();
    let me: Value = http
        .get(format!("http://127.0.0.1:{port}/v1/me"))
        .bearer_auth(&secret)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(me["role"], "admin", "{me}");
    let _ = stop.send(());
    server.join().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn connections_over_the_cap_wait_until_one_closes() {
    let s = Server::start(Limits {
        max_connections: 2,
        ..no_rate_limit()
    });
    let addr = s.base.trim_start_matches("http://").to_string();
    let held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    // Let the server accept both before the third arrives.
    std::thread::sleep(Duration::from_millis(200));
    let ask = |timeout: Duration| {
        Client::builder()
            .timeout(timeout)
            .build()
            .unwrap()
            .get(format!("{}/healthz", s.base))
            .send()
    };
    assert!(
        ask(Duration::from_millis(700)).is_err(),
        "a third connection was served while two were open"
    );
    drop(held);
    let r = ask(Duration::from_secs(5)).expect("served once a slot is free");
    assert_eq!(r.status(), StatusCode::OK);
}

/// Found by schemathesis: the request's own fields must survive into the log,
/// and what the contract forbids is refused even where no rule reads it.
#[test]
fn the_log_keeps_strict_and_refuses_malformed_equivalents_no_rule_reads() {
    let s = Server::start(no_rate_limit());
    let clerk = s.token("clerk");
    let mut v: Value = serde_json::from_str(&example()).unwrap();
    v["strict"] = json!(true);
    let (st, d) = s.json("POST", "/v1/decisions", &clerk, Some(&v.to_string()));
    assert_eq!(st, StatusCode::OK, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (_, got) = s.json("GET", &format!("/v1/decisions/{id}"), &clerk, None);
    assert_eq!(got["request"]["strict"], true, "{got}");

    // A 287(g) question reads no charge: a charge's text that is not a code is
    // logged as unread, never as written; an `equivalent` that is not a code
    // is refused all the same.
    let body = json!({
        "jurisdiction": "us", "date": "2020-01-01",
        "request": { "kind": "287g" },
        "subject": { "pending_charges": [{ "offense": "Juan Perez DOB 1990-01-01" }] }
    });
    let (st, d) = s.json("POST", "/v1/decisions", &clerk, Some(&body.to_string()));
    assert_eq!(st, StatusCode::OK, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (_, got) = s.json("GET", &format!("/v1/decisions/{id}"), &clerk, None);
    assert_eq!(
        got["request"]["subject"]["pending_charges"][0]["offense"], "(unread)",
        "{got}"
    );
    assert!(!got.to_string().contains("Juan"), "{got}");
    let body = json!({
        "jurisdiction": "us", "date": "2020-01-01",
        "request": { "kind": "287g" },
        "subject": { "pending_charges": [{ "offense": "NY PL 120.05", "equivalent": "Juan Perez" }] }
    });
    let (st, e) = s.json("POST", "/v1/decisions", &clerk, Some(&body.to_string()));
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        e["error"]["field"], "subject.pending_charges[0].equivalent",
        "{e}"
    );
    let body = json!({
        "jurisdiction": "us", "date": "2020-01-01",
        "request": { "kind": "287g" },
        "subject": { "name": { "first": "Juan" } }
    });
    let (st, e) = s.json("POST", "/v1/decisions", &clerk, Some(&body.to_string()));
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["field"], "subject.name", "{e}");
}
