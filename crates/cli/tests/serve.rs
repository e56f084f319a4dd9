//! `brightline serve` as an operator starts it: the real binary, a real port,
//! and the log on SQLite or on the PostgreSQL server CI provides.

mod common;

use std::process::Stdio;

use common::{bin, free_port, http, wait_healthy, Running};

/// Starts the server, waits for `/healthz`, creates a clerk token, decides the
/// bundled example and reads it back.
fn serve_decide_and_read(store_args: &[&str], expect_log: &str) {
    let data = std::env::temp_dir().join(format!("bl_serve_{}_{expect_log}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let data_s = data.to_str().expect("utf-8 temp path").to_string();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _server = Running(
        bin()
            .args(["serve", "--data", &data_s, "--listen", &listen])
            .args(store_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts"),
    );
    let health = wait_healthy(port);
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health.contains(&format!("\"log\":\"{expect_log}\"")),
        "{health}"
    );

    let token = bin()
        .args([
            "token",
            "create",
            "--role",
            "clerk",
            "--name",
            "serve-test",
            "--data",
            &data_s,
        ])
        .args(store_args)
        .output()
        .expect("token create runs");
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout)
        .expect("utf-8")
        .trim()
        .to_string();

    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/nyc-doc-detainer.json"),
    )
    .expect("bundled example");
    let decided = http(port, "POST", "/v1/decisions", Some(&token), &example).expect("a response");
    assert!(decided.starts_with("HTTP/1.1 200"), "{decided}");
    assert!(decided.contains("\"outcome\":\"prohibited\""), "{decided}");
    let body = decided.split("\r\n\r\n").nth(1).expect("a body");
    let v: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    let id = v["id"].as_i64().expect("the decision's log id");
    let read = http(
        port,
        "GET",
        &format!("/v1/decisions/{id}"),
        Some(&token),
        "",
    )
    .expect("a response");
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    let _ = std::fs::remove_dir_all(&data);
    // The identifier key is made beside the data folder, not in it.
    let key = format!("{data_s}.identifier.key");
    assert!(std::path::Path::new(&key).is_file(), "{key}");
    let _ = std::fs::remove_file(&key);
}

#[test]
fn serve_runs_on_sqlite() {
    serve_decide_and_read(&[], "sqlite");
}

#[test]
fn serve_runs_on_postgres() {
    let Ok(conn) = std::env::var("BRIGHTLINE_TEST_PG") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but BRIGHTLINE_TEST_PG is not (see .ci/services.sh)"
        );
        eprintln!("SKIPPED: no PostgreSQL (set BRIGHTLINE_TEST_PG) — serve_runs_on_postgres");
        return;
    };
    serve_decide_and_read(&["--database", &conn], "postgres");
}
