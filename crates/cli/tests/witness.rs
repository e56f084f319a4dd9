//! The signed log end to end with the real binary: `log keygen`, `serve
//! --signing-key`, `log verify --checkpoint`, and a witness that accepts
//! honest growth and raises an alarm when the operator puts back an older
//! copy of the data folder (rollback) and then grows another history (fork).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{bin, free_port, http, wait_healthy, Running};

struct Site {
    dir: PathBuf,
    port: u16,
}

impl Site {
    fn new() -> Site {
        let dir = std::env::temp_dir().join(format!("bl_witness_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Site {
            dir,
            port: free_port(),
        }
    }
    fn p(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
    fn start(&self) -> Running {
        let r = Running(
            bin()
                .args(["serve", "--data", &self.p("data"), "--listen"])
                .arg(format!("127.0.0.1:{}", self.port))
                .args(["--signing-key", &self.p("keys/log.key")])
                .args(["--identifier-key", &self.p("identifier.key")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("serve starts"),
        );
        assert!(wait_healthy(self.port).starts_with("HTTP/1.1 200"));
        r
    }
    fn run(&self, args: &[&str]) -> Output {
        bin().args(args).output().expect("brightline runs")
    }
    fn token(&self, role: &str) -> String {
        let o = self.run(&[
            "token",
            "create",
            "--role",
            role,
            "--name",
            role,
            "--data",
            &self.p("data"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }
    /// Decides `n` requests; returns the last decision's id.
    fn decide(&self, token: &str, n: usize) -> i64 {
        let example = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nyc-doc-detainer.json"),
        )
        .unwrap();
        let mut id = 0;
        for _ in 0..n {
            let r = http(self.port, "POST", "/v1/decisions", Some(token), &example).unwrap();
            assert!(r.starts_with("HTTP/1.1 200"), "{r}");
            let v: serde_json::Value =
                serde_json::from_str(r.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            id = v["id"].as_i64().unwrap();
            assert_eq!(v["leaf_index"].as_i64(), Some(id - 1), "{r}");
        }
        id
    }
    fn witness(&self, token: &str) -> (i32, String) {
        let o = self.run(&[
            "log",
            "witness",
            "--url",
            &format!("http://127.0.0.1:{}", self.port),
            "--token",
            token,
            "--state",
            &self.p("witness"),
            "--public-key",
            &self.p("keys/log.pub"),
        ]);
        (
            o.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    }
    fn checkpoint(&self, token: &str, file: &str) {
        let r = http(self.port, "GET", "/v1/log/checkpoint", Some(token), "").unwrap();
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
        let note = r.split("\r\n\r\n").nth(1).unwrap();
        std::fs::write(self.dir.join(file), note).unwrap();
    }
    fn verify(&self, checkpoint: &str) -> (i32, String) {
        let o = self.run(&[
            "log",
            "verify",
            "--data",
            &self.p("data"),
            "--checkpoint",
            &self.p(checkpoint),
            "--public-key",
            &self.p("keys/log.pub"),
        ]);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn witness_accepts_growth_and_alarms_on_rollback_and_fork() {
    let site = Site::new();
    let o = site.run(&[
        "log",
        "keygen",
        "--out",
        &site.p("keys"),
        "--origin",
        "city.example/brightline",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut server = site.start();
    let clerk = site.token("clerk");
    let witness = site.token("witness");
    let id = site.decide(&clerk, 3);
    // The proof of a decision, against the checkpoint it carries.
    let r = http(
        site.port,
        "GET",
        &format!("/v1/decisions/{id}/proof"),
        Some(&clerk),
        "",
    )
    .unwrap();
    assert!(
        r.starts_with("HTTP/1.1 200") && r.contains("\"proof\":"),
        "{r}"
    );
    // A witness token reads checkpoints, and no decision.
    let r = http(
        site.port,
        "GET",
        &format!("/v1/decisions/{id}"),
        Some(&witness),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    drop(server);
    // The operator's backup of the data folder, as it is now.
    copy_dir(&site.dir.join("data"), &site.dir.join("backup"));

    server = site.start();
    let (code, out) = site.witness(&witness);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: first checkpoint of city.example/brightline"),
        "{out}"
    );
    // Erasure: refused within the retention, done after it; the log stays verifiable.
    let erase = |days: &str| {
        site.run(&[
            "log",
            "erase",
            &id.to_string(),
            "--retention-days",
            days,
            "--data",
            &site.p("data"),
        ])
    };
    let o = erase("1826");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = erase("0");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = http(
        site.port,
        "GET",
        &format!("/v1/decisions/{id}"),
        Some(&clerk),
        "",
    )
    .unwrap();
    assert!(
        r.starts_with("HTTP/1.1 200")
            && !r.contains("\"offense\"")
            && r.contains("\"erased\":true"),
        "{r}"
    );
    site.decide(&clerk, 2);
    let (code, out) = site.witness(&witness);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("consistently"), "{out}");
    site.checkpoint(&witness, "kept.checkpoint");
    drop(server);
    let (code, out) = site.verify("kept.checkpoint");
    assert_eq!(code, 0, "{out}");

    // Rollback: the older copy goes back in place.
    std::fs::remove_dir_all(site.dir.join("data")).unwrap();
    copy_dir(&site.dir.join("backup"), &site.dir.join("data"));
    let (code, out) = site.verify("kept.checkpoint");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    let _server = site.start();
    let (code, out) = site.witness(&witness);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ALARM: rollback"), "{out}");

    // Fork: the restored log grows past what the witness kept, on another history.
    site.decide(&clerk, 4);
    let (code, out) = site.witness(&witness);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ALARM: fork"), "{out}");
    assert!(
        std::fs::read_dir(site.dir.join("witness"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("alarm-")),
        "the witness keeps the offending checkpoint"
    );
}
