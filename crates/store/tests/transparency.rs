//! The signed Merkle log against an attacker who can write the database (a
//! DBA, the host's root, a stolen backup): each rewrite below leaves the hash
//! chain whole — plain `verify` answers ok, which is the attack — and is caught
//! against a checkpoint signed before it. Both backends.

mod common;

use brightline_store::checkpoint::{self, LogKey, StandardVerifierKey};
use brightline_store::merkle::{self, check_consistency, check_inclusion};
use brightline_store::{entry_hash, Checkpoint, NewEntry, Store, GENESIS};
use common::Harness;
use serde_json::json;

struct Keys {
    dir: std::path::PathBuf,
    key: LogKey,
    public: StandardVerifierKey,
}

impl Keys {
    fn new() -> Keys {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "bl_keys_{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ));
        let (k, p) = checkpoint::keygen(&dir, "city.example/brightline").unwrap();
        Keys {
            key: checkpoint::read_signer(&k).unwrap(),
            public: checkpoint::read_verifier(&p).unwrap(),
            dir,
        }
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn decision(token: &str, outcome: &str, day: u32) -> NewEntry {
    NewEntry {
        kind: "decision".into(),
        token_id: token.into(),
        law_hash: "lawhash".into(),
        engine_version: "0.1.0".into(),
        body: json!({
            "request": { "jurisdiction": "us-ny-nyc", "agency": "doc", "date": format!("2025-01-{day:02}"), "request": { "kind": "detainer" } },
            "subject_key": null,
            "decision": { "outcome": outcome, "summary": "s" }
        }),
    }
}

/// A signed log of `n` decisions, and the checkpoint a witness kept after each.
fn signed_log(h: &Harness, k: &Keys, n: u32) -> (Store, Vec<String>) {
    let s = Store::open_signed(&h.loc, k.key.clone()).unwrap();
    let mut kept = Vec::new();
    for i in 0..n {
        let out = if i % 3 == 0 {
            "prohibited"
        } else {
            "permitted"
        };
        let a = s.append(decision("tok_clerk", out, i % 28 + 1)).unwrap();
        assert_eq!(a.leaf_index, a.seq as u64 - 1);
        let cp = s.checkpoint().unwrap();
        // The checkpoint published with the acknowledgement covers the entry.
        assert_eq!(cp.checkpoint.size, a.seq as u64);
        kept.push(cp.note);
    }
    (s, kept)
}

fn open_cp(k: &Keys, note: &str) -> Checkpoint {
    checkpoint::open(note, &k.public).unwrap()
}

/// Recomputes every entry's chain hash and the head, as an attacker who
/// knows the (public) hashing scheme does after editing rows.
fn rechain(h: &Harness) {
    let s = Store::open_read_only(&h.loc).unwrap();
    let entries = s.scan(i64::MIN, 1_000_000).unwrap();
    drop(s);
    let mut raw = h.raw();
    let mut prev = GENESIS.to_string();
    for e in &entries {
        let hh = entry_hash(
            &prev,
            e.seq,
            &e.kind,
            &e.logged_at,
            &e.token_id,
            &e.law_hash,
            &e.engine_version,
            &e.body,
        );
        raw.exec(&format!(
            "UPDATE log_entries SET prev_hash = '{prev}', entry_hash = '{hh}' WHERE seq = {}",
            e.seq
        ));
        prev = hh;
    }
    let last = entries.last().map(|e| e.seq).unwrap_or(0);
    raw.exec(&format!(
        "UPDATE log_head SET seq = {last}, hash = '{prev}' WHERE id = 1"
    ));
}

/// Verifies read-only against `external`; returns the problem, or "ok".
fn verdict(h: &Harness, k: &Keys, external: Option<&Checkpoint>) -> String {
    let s = Store::open_read_only(&h.loc).unwrap();
    let v = s.verify_against(&k.public, external).unwrap();
    match v.first_bad {
        None => {
            assert!(v.ok);
            "ok".into()
        }
        Some(b) => {
            assert!(!v.ok);
            b.problem
        }
    }
}

fn plain_verify_ok(h: &Harness) -> bool {
    Store::open_read_only(&h.loc).unwrap().verify().unwrap().ok
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn untouched_log_verifies(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    for note in &kept {
        assert_eq!(verdict(h, &k, Some(&open_cp(&k, note))), "ok");
    }
    assert_eq!(verdict(h, &k, None), "ok");
}

fn tail_cut(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    let mut raw = h.raw();
    raw.exec("DELETE FROM log_entries WHERE seq > 6");
    raw.exec("UPDATE log_head SET seq = 6, hash = (SELECT entry_hash FROM log_entries WHERE seq = 6) WHERE id = 1");
    // The attacker also puts back the log's own checkpoint of that size.
    raw.exec(&format!(
        "UPDATE log_checkpoint SET size = 6, note = {} WHERE id = 1",
        sql_str(&kept[5])
    ));
    assert!(plain_verify_ok(h), "the attack leaves the chain whole");
    assert_eq!(verdict(h, &k, None), "ok", "the log alone cannot tell");
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(
        p.contains("truncated or rolled back")
            && p.contains("holds 6 entries")
            && p.contains("commits to 10"),
        "{p}"
    );
}

fn edit_and_recompute(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    let mut raw = h.raw();
    raw.exec("UPDATE log_entries SET body = replace(body, 'prohibited', 'permitted'), outcome = 'permitted' WHERE seq = 4");
    rechain(h);
    assert!(plain_verify_ok(h));
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(p.starts_with("rewritten: the first 10 entries"), "{p}");
    // An earlier checkpoint that covers entry 4 catches it too; one before it does not need to.
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[4])));
    assert!(p.starts_with("rewritten: the first 5 entries"), "{p}");
    // Even without a checkpoint kept outside, the log's own signed one no longer matches.
    assert!(
        verdict(h, &k, None).starts_with("rewritten"),
        "log's own checkpoint"
    );
}

fn delete_and_renumber(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    let mut raw = h.raw();
    raw.exec("DELETE FROM log_entries WHERE seq = 3");
    raw.exec("UPDATE log_entries SET seq = -(seq - 1) WHERE seq > 3");
    raw.exec("UPDATE log_entries SET seq = -seq WHERE seq < 0");
    rechain(h);
    // and an old signed checkpoint of size 9 does not exist, so the attacker drops the row
    raw.exec("DELETE FROM log_checkpoint");
    assert!(plain_verify_ok(h));
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(p.contains("holds 9 entries"), "{p}");
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[7])));
    assert!(p.starts_with("rewritten: the first 8 entries"), "{p}");
}

fn forge(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    // A decision forged at the end under a real clerk's token: the prefix the
    // witness signed is intact, so only the log's own signed head catches it.
    {
        let s = Store::open(&h.loc).unwrap();
        s.append(decision("tok_clerk", "permitted", 27)).unwrap();
    }
    assert!(plain_verify_ok(h));
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(
        p.contains("entry 11 (a decision) was appended without the signing key"),
        "{p}"
    );
    // Nor does the service, restarted, sign over it.
    let e = Store::open_signed(&h.loc, k.key.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("entry 11 (a decision)") && e.contains("refuses to sign"),
        "{e}"
    );
    // Forging the log's own checkpoint with another key fails its signature.
    let other = Keys::new();
    let st = Store::open_read_only(&h.loc).unwrap();
    let n = st.scan(0, 100).unwrap().len() as u64;
    drop(st);
    // Sign the current tree with the attacker's own key and store it.
    let fake = {
        let s = Store::open_read_only(&h.loc).unwrap();
        let v = s.verify().unwrap();
        let root = merkle::Hash::parse_hash(&v.root).unwrap();
        checkpoint::sign(&other.key.signer, n, root).unwrap()
    };
    h.raw().exec(&format!(
        "UPDATE log_checkpoint SET size = {n}, note = {} WHERE id = 1",
        sql_str(&fake.note)
    ));
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(
        p.contains("the log's own checkpoint") && p.contains("no signature by the key"),
        "{p}"
    );
}

fn forge_under_a_running_service(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 4);
    // A second writer without the key (the attacker's) appends a decision.
    {
        let forger = Store::open(&h.loc).unwrap();
        forger
            .append(decision("tok_clerk", "permitted", 5))
            .unwrap();
    }
    let e = s
        .append(decision("tok_clerk", "permitted", 6))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("entry 5 (a decision)") && e.contains("refuses to sign"),
        "{e}"
    );
    assert_eq!(
        s.checkpoint().unwrap().checkpoint.size,
        4,
        "nothing new was signed"
    );
}

fn token_administration_is_logged_and_signed_later(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 2);
    // The CLI (no signing key) creates, demotes and revokes tokens while the service runs.
    let (admin2, clerk) = {
        let cli = Store::open(&h.loc).unwrap();
        let (admin2, _) = cli
            .create_token("second admin", brightline_store::Role::Admin)
            .unwrap();
        let (clerk, _) = cli
            .create_token("desk", brightline_store::Role::Clerk)
            .unwrap();
        cli.revoke_token(&clerk.id).unwrap().unwrap();
        (admin2, clerk)
    };
    // Not yet signed, but not forged either: verify is green.
    assert_eq!(verdict(h, &k, None), "ok");
    // The service's next batch takes them in and signs them.
    s.append(decision("tok_clerk", "permitted", 3)).unwrap();
    assert_eq!(s.checkpoint().unwrap().checkpoint.size, 6);
    let bodies: Vec<serde_json::Value> = s
        .scan(2, 10)
        .unwrap()
        .iter()
        .filter(|e| e.kind == "token")
        .map(|e| {
            assert_eq!(e.token_id, brightline_store::OPERATOR);
            e.body_json()
        })
        .collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["event"], "create");
    assert_eq!(bodies[0]["id"], admin2.id.as_str());
    assert_eq!(bodies[0]["role"], "admin");
    assert_eq!(bodies[2], json!({"event": "revoke", "id": clerk.id}));
    assert_eq!(verdict(h, &k, None), "ok");
}

fn last_admin_cannot_be_revoked_or_demoted(h: &Harness) {
    let s = h.open();
    let (a1, _) = s
        .create_token("admin one", brightline_store::Role::Admin)
        .unwrap();
    let e = s.revoke_token(&a1.id).unwrap_err();
    assert!(
        matches!(e, brightline_store::StoreError::Conflict(_)),
        "{e}"
    );
    assert!(s.list_tokens().unwrap()[0].revoked_at.is_none());
    let e = s
        .set_role_by("operator", &a1.id, brightline_store::Role::Clerk)
        .unwrap_err();
    assert!(e.to_string().contains("last admin"), "{e}");
    let (a2, _) = s
        .create_token("admin two", brightline_store::Role::Admin)
        .unwrap();
    // With two, one may go; then the other is the last.
    let t = s
        .set_role_by("tok_x", &a1.id, brightline_store::Role::Auditor)
        .unwrap()
        .unwrap();
    assert_eq!(t.role, brightline_store::Role::Auditor);
    assert!(s.revoke_token(&a2.id).is_err());
    let t = s
        .set_role_by("tok_x", &a1.id, brightline_store::Role::Admin)
        .unwrap()
        .unwrap();
    assert_eq!(t.role, brightline_store::Role::Admin);
    assert!(s
        .revoke_token(&a2.id)
        .unwrap()
        .unwrap()
        .revoked_at
        .is_some());
    let kinds: Vec<String> = s
        .scan(0, 100)
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e.token_id,
                e.body_json()["event"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "operator:create",
            "operator:create",
            "tok_x:role",
            "tok_x:role",
            "operator:revoke"
        ]
    );
}

fn erasure_leaves_verification_green(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 5);
    let before = open_cp(&k, &kept[4]);
    let e = s.get(3).unwrap().unwrap();
    assert_eq!(e.body_json()["request"]["jurisdiction"], "us-ny-nyc");
    let key: String = h
        .raw()
        .text("SELECT key FROM entry_keys WHERE seq = 3")
        .remove(0);
    // Not before its retention has run.
    assert!(matches!(
        s.erase("operator", 3, 3650).unwrap(),
        brightline_store::Erased::TooRecent { .. }
    ));
    assert!(s.get(3).unwrap().unwrap().plain.is_some());
    assert_eq!(
        s.erase("operator", 3, 0).unwrap(),
        brightline_store::Erased::Erased
    );
    // On SQLite the key's bytes are gone from the files at once, not only from the table.
    if let Some(db) = h.db_file() {
        for ext in ["", "-wal"] {
            let mut p = db.as_os_str().to_owned();
            p.push(ext);
            if let Ok(bytes) = std::fs::read(std::path::PathBuf::from(p)) {
                assert!(
                    !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                    "the erased key is still in log.db{ext}"
                );
            }
        }
    }
    assert_eq!(
        s.erase("operator", 3, 0).unwrap(),
        brightline_store::Erased::AlreadyErased
    );
    let e = s.get(3).unwrap().unwrap();
    assert!(e.erased() && e.plain.is_none());
    assert_eq!(e.body_json()["erased"], true);
    assert_eq!(e.body_json()["index"]["outcome"], "permitted");
    assert!(e.body_json().get("request").is_none());
    assert!(h
        .raw()
        .text("SELECT key FROM entry_keys WHERE seq = 3")
        .is_empty());
    // The erasure is an entry of its own, signed with the next batch.
    let last = s.scan(5, 10).unwrap();
    assert_eq!(last[0].kind, "erasure");
    assert_eq!(last[0].body_json()["entry"], 3);
    s.append(decision("tok_clerk", "permitted", 9)).unwrap();
    // Every hash still holds: against the checkpoint from before, and the log's own.
    let p = s.inclusion_proof(3).unwrap();
    assert!(check_inclusion(
        &p.proof,
        p.tree_size,
        open_cp(&k, &p.checkpoint.note).root,
        2,
        p.leaf_hash
    ));
    drop(s);
    assert_eq!(verdict(h, &k, Some(&before)), "ok");
    assert_eq!(verdict(h, &k, None), "ok");
}

fn expired_lists_what_retention_allows(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 3);
    assert!(s.expired(1).unwrap().is_empty());
    assert_eq!(s.expired(0).unwrap(), vec![1, 2, 3]);
    s.erase("operator", 2, 0).unwrap();
    assert_eq!(s.expired(0).unwrap(), vec![1, 3]);
}

fn forge_in_the_middle(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    let mut raw = h.raw();
    raw.exec("UPDATE log_entries SET seq = -(seq + 1) WHERE seq >= 5");
    raw.exec("UPDATE log_entries SET seq = -seq WHERE seq < 0");
    raw.exec("INSERT INTO log_entries SELECT 5, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date FROM log_entries WHERE seq = 4");
    rechain(h);
    assert!(plain_verify_ok(h));
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[9])));
    assert!(p.starts_with("rewritten: the first 10 entries"), "{p}");
}

fn wipe(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 10);
    drop(s);
    let mut raw = h.raw();
    raw.exec("DELETE FROM log_entries");
    raw.exec("DELETE FROM log_checkpoint");
    raw.exec(&format!(
        "UPDATE log_head SET seq = 0, hash = '{GENESIS}' WHERE id = 1"
    ));
    assert!(plain_verify_ok(h));
    assert_eq!(verdict(h, &k, None), "ok", "an empty log is a valid log");
    let p = verdict(h, &k, Some(&open_cp(&k, &kept[2])));
    assert!(
        p.contains("wiped: it holds no entries") && p.contains("commits to 3"),
        "{p}"
    );
}

fn rollback_to_older_copy(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 6);
    drop(s);
    // A copy of the data as it was with 6 entries (a backup).
    let copy: Vec<(std::path::PathBuf, Vec<u8>)> = match h.db_file() {
        Some(db) => ["", "-wal", "-shm"]
            .iter()
            .filter_map(|ext| {
                let mut p = db.as_os_str().to_owned();
                p.push(ext);
                let p = std::path::PathBuf::from(p);
                std::fs::read(&p).ok().map(|b| (p, b))
            })
            .collect(),
        None => {
            let mut raw = h.raw();
            for t in ["log_entries", "log_head", "log_checkpoint"] {
                raw.exec(&format!("CREATE TABLE bak_{t} AS SELECT * FROM {t}"));
            }
            Vec::new()
        }
    };
    let s = Store::open_signed(&h.loc, k.key.clone()).unwrap();
    for i in 0..4 {
        s.append(decision("tok_clerk", "permitted", i + 1)).unwrap();
    }
    let later = s.checkpoint().unwrap();
    assert_eq!(later.checkpoint.size, 10);
    drop(s);
    // Put the old copy back, whole: its own checkpoint is a valid one, of 6.
    match h.db_file() {
        Some(_) => {
            for (p, b) in &copy {
                std::fs::write(p, b).unwrap();
            }
        }
        None => {
            let mut raw = h.raw();
            for t in ["log_entries", "log_head", "log_checkpoint"] {
                raw.exec(&format!(
                    "DELETE FROM {t}; INSERT INTO {t} SELECT * FROM bak_{t}"
                ));
            }
        }
    }
    assert!(plain_verify_ok(h));
    assert_eq!(
        verdict(h, &k, None),
        "ok",
        "the old copy is self-consistent"
    );
    assert_eq!(verdict(h, &k, Some(&open_cp(&k, &kept[5]))), "ok");
    let p = verdict(h, &k, Some(&open_cp(&k, &later.note)));
    assert!(
        p.contains("rolled back to an older copy: it holds 6 entries"),
        "{p}"
    );
}

fn inclusion_and_consistency_proofs(h: &Harness) {
    let k = Keys::new();
    let (s, kept) = signed_log(h, &k, 13);
    let cp = open_cp(&k, &s.checkpoint().unwrap().note);
    assert_eq!(cp.size, 13);
    for seq in 1..=13 {
        let p = s.inclusion_proof(seq).unwrap();
        assert_eq!(p.leaf_index, seq as u64 - 1);
        let e = s.get(seq).unwrap().unwrap();
        assert_eq!(
            p.leaf_hash,
            merkle::leaf_of(&e),
            "the leaf is the entry as stored"
        );
        assert!(check_inclusion(
            &p.proof,
            cp.size,
            cp.root,
            p.leaf_index,
            p.leaf_hash
        ));
        // Another entry's leaf does not pass with this proof.
        let other = merkle::leaf_of(&s.get(seq % 13 + 1).unwrap().unwrap());
        assert!(!check_inclusion(
            &p.proof,
            cp.size,
            cp.root,
            p.leaf_index,
            other
        ));
    }
    assert!(s.inclusion_proof(14).is_err());
    for (m, note) in kept.iter().enumerate() {
        let old = open_cp(&k, note);
        assert_eq!(old.size, m as u64 + 1);
        let proof = s.consistency_proof(old.size, cp.size).unwrap();
        assert!(check_consistency(
            &proof, old.size, old.root, cp.size, cp.root
        ));
        // A fork (another root at the old size) fails.
        assert!(
            !check_consistency(&proof, old.size, merkle::Hash([7; 32]), cp.size, cp.root)
                || old.size == 0
        );
    }
}

fn service_refuses_a_log_cut_under_it(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 5);
    let mut raw = h.raw();
    raw.exec("DELETE FROM log_entries WHERE seq > 3");
    raw.exec("UPDATE log_head SET seq = 3, hash = (SELECT entry_hash FROM log_entries WHERE seq = 3) WHERE id = 1");
    let e = s
        .append(decision("tok_clerk", "permitted", 9))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("already signed 5 entries") && e.contains("refuses"),
        "{e}"
    );
    // Nothing was written: the log still ends at 3.
    assert_eq!(s.head().unwrap().0, 3);
}

fn verify_opens_read_only(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 3);
    drop(s);
    let ro = Store::open_read_only(&h.loc).unwrap();
    let e = ro
        .append(decision("tok_clerk", "permitted", 1))
        .unwrap_err();
    assert!(e.to_string().contains("writer"), "{e}");
    // Its connections themselves refuse to write (a token row is written
    // directly, without the writer thread).
    let e = ro
        .create_token("x", brightline_store::Role::Clerk)
        .unwrap_err()
        .to_string();
    assert!(e.contains("readonly") || e.contains("read-only"), "{e}");
    assert!(ro.list_tokens().unwrap().is_empty());
    assert_eq!(ro.verify().unwrap().entries, 3);
    // A log that does not exist is not created by a read-only open.
    if let Some(p) = h.db_file() {
        let missing = p.with_file_name("missing.db");
        assert!(
            Store::open_read_only(&brightline_store::Location::Sqlite(missing.clone())).is_err()
        );
        assert!(!missing.exists());
    }
}

fn service_refuses_to_start_on_a_rewritten_log(h: &Harness) {
    let k = Keys::new();
    let (s, _) = signed_log(h, &k, 6);
    drop(s);
    // An honest restart signs on.
    drop(Store::open_signed(&h.loc, k.key.clone()).unwrap());
    h.raw().exec("UPDATE log_entries SET body = replace(body, 'prohibited', 'permitted'), outcome = 'permitted' WHERE seq = 4");
    rechain(h);
    let e = Store::open_signed(&h.loc, k.key.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("does not extend its own last signed checkpoint"),
        "{e}"
    );
    // A checkpoint row signed by another key is refused too.
    let other = Keys::new();
    let fake = checkpoint::sign(&other.key.signer, 6, merkle::Hash([1; 32])).unwrap();
    h.raw().exec(&format!(
        "UPDATE log_checkpoint SET note = {} WHERE id = 1",
        sql_str(&fake.note)
    ));
    let e = Store::open_signed(&h.loc, k.key.clone())
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("no signature by the key"), "{e}");
}

both!(
    erasure_leaves_verification_green,
    expired_lists_what_retention_allows,
    forge_under_a_running_service,
    token_administration_is_logged_and_signed_later,
    last_admin_cannot_be_revoked_or_demoted,
    service_refuses_to_start_on_a_rewritten_log,
    untouched_log_verifies,
    tail_cut,
    edit_and_recompute,
    delete_and_renumber,
    forge,
    forge_in_the_middle,
    wipe,
    rollback_to_older_copy,
    inclusion_and_consistency_proofs,
    service_refuses_a_log_cut_under_it,
    verify_opens_read_only,
);

#[cfg(unix)]
#[test]
fn data_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::sqlite();
    let db = h.db_file().unwrap();
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
    let s = Store::open(&h.loc).unwrap();
    s.append(decision("tok_clerk", "permitted", 1)).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&db), 0o600);
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    assert_eq!(mode(std::path::Path::new(&wal)), 0o600);
}
