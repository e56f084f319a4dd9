//! The decision log on both backends: appends, queries, tamper detection,
//! group commit, several writers on one log, tokens.

mod common;

use std::sync::{mpsc, Arc};

use brightline_store::{ListQuery, NewEntry, Role, Store};
use common::{Harness, Raw};
use serde_json::json;

fn decision(token: &str, outcome: &str, kind: &str, date: &str) -> NewEntry {
    NewEntry {
        kind: "decision".into(),
        token_id: token.into(),
        law_hash: "lawhash".into(),
        engine_version: "0.1.0".into(),
        body: json!({
            "request": { "jurisdiction": "us-ny-nyc", "agency": "doc", "date": date, "request": { "kind": kind } },
            "subject_key": null,
            "decision": { "outcome": outcome, "summary": "s" }
        }),
    }
}

fn action(token: &str, decision: i64, transferred: bool) -> NewEntry {
    NewEntry {
        kind: "action".into(),
        token_id: token.into(),
        law_hash: "lawhash".into(),
        engine_version: "0.1.0".into(),
        body: json!({ "decision": decision, "acted": true, "transferred": transferred, "note": null }),
    }
}

/// A log of `n` decisions by two tokens.
fn filled(h: &Harness, n: i64) -> Store {
    let s = h.open();
    for i in 0..n {
        let tok = if i % 2 == 0 { "tok_a" } else { "tok_b" };
        let out = if i % 3 == 0 {
            "prohibited"
        } else {
            "permitted"
        };
        let a = s
            .append(decision(
                tok,
                out,
                "detainer",
                &format!("2025-01-{:02}", i + 1),
            ))
            .unwrap();
        assert_eq!(a.seq, i + 1);
    }
    s
}

fn bad_seq(s: &Store) -> (i64, String) {
    let v = s.verify().unwrap();
    assert!(!v.ok, "verify must fail: {v:?}");
    let b = v.first_bad.unwrap();
    (b.seq, b.problem)
}

fn append_and_query(h: &Harness) {
    let s = filled(h, 6);
    assert_eq!(s.count().unwrap(), 6);
    let e = s.get(3).unwrap().unwrap();
    assert_eq!(e.kind, "decision");
    assert_eq!(e.token_id, "tok_a");
    assert_eq!(e.meta.req_date.as_deref(), Some("2025-01-03"));
    assert_eq!(e.body_json()["request"]["jurisdiction"], "us-ny-nyc");
    // Stored sealed, read decrypted; both canonical (sorted keys).
    assert!(e.body.starts_with("{\"index\":"), "{}", e.body);
    assert!(!e.body.contains("us-ny-nyc\",\"request\""), "{}", e.body);
    let plain = e.plain.as_deref().expect("decrypted");
    assert!(
        plain.starts_with("{\"decision\":"),
        "body is canonical (sorted keys): {plain}"
    );
    assert!(s.get(99).unwrap().is_none());

    let mine = s
        .list(&ListQuery {
            token_id: Some("tok_b".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        mine.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![6, 4, 2]
    );
    let page = s
        .list(&ListQuery {
            before: Some(4),
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2]);
    let proh = s
        .list(&ListQuery {
            outcome: Some("prohibited".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(proh.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 1]);

    let a = s.append(action("tok_a", 3, true)).unwrap();
    assert_eq!(a.seq, 7);
    let acts = s.actions_for(&[3, 5]).unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].meta.ref_seq, Some(3));
    // Actions are not decisions.
    assert_eq!(
        s.list(&ListQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .len(),
        6
    );

    let range = s.decisions_between("2025-01-02", "2025-01-04").unwrap();
    assert_eq!(
        range.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    let (seq, hash) = s.head().unwrap();
    assert_eq!(seq, 7);
    assert_eq!(hash, a.entry_hash);
    assert_eq!(
        s.scan(5, 10)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        vec![6, 7]
    );
    let v = s.verify().unwrap();
    assert!(v.ok && v.entries == 7 && v.head_seq == 7, "{v:?}");
    // Reopening continues the same chain.
    drop(s);
    let s = h.open();
    assert_eq!(
        s.append(decision("tok_a", "permitted", "detainer", "2025-02-01"))
            .unwrap()
            .seq,
        8
    );
    assert!(s.verify().unwrap().ok);
}

/// A corrected decision names the one it supersedes; the log finds it, with
/// the actions, among the entries that refer to the first, and verify
/// re-derives the reference from the hashed body.
fn superseding_decisions_refer_back(h: &Harness) {
    let s = filled(h, 3);
    s.append(action("tok_a", 2, false)).unwrap();
    let mut corrected = decision("tok_a", "prohibited", "detainer", "2025-01-02");
    corrected.body["supersedes"] = json!(2);
    let c = s.append(corrected).unwrap();
    assert_eq!(c.seq, 5);
    let e = s.get(5).unwrap().unwrap();
    assert_eq!(e.meta.ref_seq, Some(2));
    let refs = s.referring(&[2]).unwrap();
    assert_eq!(
        refs.iter()
            .map(|e| (e.seq, e.kind.as_str()))
            .collect::<Vec<_>>(),
        vec![(4, "action"), (5, "decision")]
    );
    assert_eq!(s.actions_for(&[2]).unwrap().len(), 1);
    assert!(s.referring(&[1, 3]).unwrap().is_empty());
    let v = s.verify().unwrap();
    assert!(v.ok, "{v:?}");
    // Pointing the index column at another decision is caught.
    h.raw()
        .exec("UPDATE log_entries SET ref_seq = 1 WHERE seq = 5");
    assert_eq!(bad_seq(&s).0, 5);
}

fn empty_log_verifies(h: &Harness) {
    let s = h.open();
    let v = s.verify().unwrap();
    assert!(v.ok && v.entries == 0 && v.head_seq == 0, "{v:?}");
}

fn detects_edited_body(h: &Harness) {
    let s = filled(h, 6);
    h.raw().exec(
        "UPDATE log_entries SET body = replace(body, 'prohibited', 'permitted') WHERE seq = 4",
    );
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 4);
    assert!(problem.contains("edited"), "{problem}");
}

fn detects_edited_index_column(h: &Harness) {
    let s = filled(h, 6);
    // The body stays intact: only the column queries and reports filter on changes.
    h.raw()
        .exec("UPDATE log_entries SET outcome = 'permitted' WHERE seq = 4");
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 4);
    assert!(problem.contains("index columns"), "{problem}");
}

fn detects_edited_token(h: &Harness) {
    let s = filled(h, 6);
    h.raw()
        .exec("UPDATE log_entries SET token_id = 'tok_x' WHERE seq = 2");
    assert_eq!(bad_seq(&s).0, 2);
}

fn detects_deleted_entry(h: &Harness) {
    let s = filled(h, 6);
    h.raw().exec("DELETE FROM log_entries WHERE seq = 3");
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 3);
    assert!(problem.contains("missing"), "{problem}");
}

fn detects_deleted_and_renumbered(h: &Harness) {
    let s = filled(h, 6);
    // Hide the gap: delete entry 3 and move every later one down.
    let mut raw = h.raw();
    raw.exec("DELETE FROM log_entries WHERE seq = 3");
    raw.exec("UPDATE log_entries SET seq = -(seq - 1) WHERE seq > 3");
    raw.exec("UPDATE log_entries SET seq = -seq WHERE seq < 0");
    raw.exec("UPDATE log_head SET seq = 5");
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 3);
    assert!(problem.contains("does not follow"), "{problem}");
}

fn detects_deleted_tail(h: &Harness) {
    let s = filled(h, 6);
    h.raw().exec("DELETE FROM log_entries WHERE seq = 6");
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 6);
    assert!(problem.contains("deleted from the end"), "{problem}");
}

fn detects_inserted_entry(h: &Harness) {
    let s = filled(h, 6);
    let mut raw = h.raw();
    // Make room after entry 3, then forge an entry 4 whose own hash is right
    // (the forger knows the algorithm): the entry after it no longer links.
    raw.exec("UPDATE log_entries SET seq = -(seq + 1) WHERE seq >= 4");
    raw.exec("UPDATE log_entries SET seq = -seq WHERE seq < 0");
    let prev = raw
        .text("SELECT entry_hash FROM log_entries WHERE seq = 3")
        .remove(0);
    let body = r#"{"decision":{"outcome":"permitted"},"request":{"agency":"doc","date":"2025-01-04","jurisdiction":"us-ny-nyc","request":{"kind":"detainer"}},"subject_key":null}"#;
    let t = "2025-01-04T00:00:00.000000Z";
    let hash =
        brightline_store::entry_hash(&prev, 4, "decision", t, "tok_a", "lawhash", "0.1.0", body);
    raw.exec(&format!(
        "INSERT INTO log_entries (seq, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, jurisdiction, agency, req_kind, outcome, req_date)
         VALUES (4, 'decision', '{t}', 'tok_a', 'lawhash', '0.1.0', '{body}', '{prev}', '{hash}', 'us-ny-nyc', 'doc', 'detainer', 'permitted', '2025-01-04')"
    ));
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 5, "the entry after the forgery breaks the chain");
    assert!(problem.contains("does not follow"), "{problem}");
}

fn detects_entry_numbered_below_one(h: &Harness) {
    let s = filled(h, 4);
    // A copy of entry 2 slipped in as entry 0: it must not hide below the walk,
    // nor count in listings and reports.
    h.raw().exec(&format!(
        "INSERT INTO log_entries ({cols}) SELECT 0, kind, logged_at, 'tok_forged', law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date FROM log_entries WHERE seq = 2",
        cols = "seq, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date"
    ));
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 0);
    assert!(problem.contains("out of the sequence"), "{problem}");
    let listed = s
        .list(&brightline_store::ListQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(
        listed.iter().all(|e| e.seq > 0),
        "{:?}",
        listed.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    assert!(s
        .decisions_between("0000-01-01", "9999-12-31")
        .unwrap()
        .iter()
        .all(|e| e.seq > 0));
}

fn detects_entry_beyond_the_head(h: &Harness) {
    let s = filled(h, 4);
    h.raw().exec(&format!(
        "INSERT INTO log_entries ({cols}) SELECT 9, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date FROM log_entries WHERE seq = 4",
        cols = "seq, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date"
    ));
    let (seq, problem) = bad_seq(&s);
    assert_eq!(seq, 9);
    assert!(problem.contains("beyond the head"), "{problem}");
}

fn verify_under_concurrent_appends_is_ok(h: &Harness) {
    let s = Arc::new(filled(h, 50));
    let writer = {
        let s = s.clone();
        std::thread::spawn(move || {
            for _ in 0..300 {
                s.append(decision("tok_a", "permitted", "detainer", "2025-03-01"))
                    .unwrap();
            }
        })
    };
    // Verify while the writer runs (300 committed appends outlast many walks).
    loop {
        let v = s.verify().unwrap();
        assert!(v.ok, "a log being written to is not tampered with: {v:?}");
        if writer.is_finished() {
            break;
        }
    }
    writer.join().unwrap();
    assert!(s.verify().unwrap().ok);
}

#[test]
fn postgres_writer_reconnects_after_losing_its_connection() {
    let Some(h) = Harness::postgres("postgres_writer_reconnects_after_losing_its_connection")
    else {
        return;
    };
    let app = format!("bl_reconnect_{}", std::process::id());
    let s = h.open_named(&app).expect("a PostgreSQL harness");
    s.append(decision("tok_a", "permitted", "detainer", "2025-03-01"))
        .unwrap();
    // The database drops every connection of this store, as a restart would.
    match h.raw() {
        Raw::Pg(mut c) => {
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .unwrap();
        }
        Raw::Sqlite(_) => unreachable!(),
    }
    // The batch on the dead connection may fail (and is then not acknowledged);
    // the next one must connect anew and commit.
    let mut results = Vec::new();
    for _ in 0..3 {
        results.push(
            s.append(decision("tok_a", "permitted", "detainer", "2025-03-01"))
                .is_ok(),
        );
    }
    assert!(
        results[1] && results[2],
        "appends after the first failure must commit: {results:?}"
    );
    let v = s.verify().unwrap();
    assert!(v.ok, "{v:?}");
    let committed = results.iter().filter(|r| **r).count() as i64;
    assert_eq!(v.entries, 1 + committed);
}

fn detects_reordered_entries(h: &Harness) {
    let s = filled(h, 6);
    let mut raw = h.raw();
    raw.exec("UPDATE log_entries SET seq = -1 WHERE seq = 2");
    raw.exec("UPDATE log_entries SET seq = 2 WHERE seq = 3");
    raw.exec("UPDATE log_entries SET seq = 3 WHERE seq = -1");
    assert_eq!(bad_seq(&s).0, 2);
}

fn group_commit_batches_and_acks_only_committed(h: &Harness) {
    let s = Arc::new(h.open());
    let n = 400;
    let (tx, rx) = mpsc::channel();
    for i in 0..n {
        let tx = tx.clone();
        let s2 = s.clone();
        s.append_with(
            decision("tok_a", "permitted", "detainer", "2025-03-01"),
            move |r| {
                // The acknowledgement runs after the commit: a fresh reader sees the entry.
                let seen = r.as_ref().ok().map(|a| {
                    s2.get(a.seq).ok().flatten().map(|e| e.entry_hash) == Some(a.entry_hash.clone())
                });
                let _ = tx.send((i, r.map(|a| a.seq).ok(), seen));
            },
        );
    }
    drop(tx);
    let mut seqs: Vec<i64> = Vec::new();
    for (_, seq, seen) in rx.iter() {
        assert_eq!(seen, Some(true));
        seqs.push(seq.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=n).collect::<Vec<i64>>());
    let batches = s.stats.batches.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        batches < n as u64,
        "{n} appends queued at once took {batches} transactions: no batching"
    );
    assert!(s.verify().unwrap().ok);
}

fn failed_commit_is_not_acknowledged(h: &Harness) {
    let s = Arc::new(filled(h, 2));
    let mut raw = h.raw();
    if raw.is_pg() {
        raw.exec(
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.body LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER poison BEFORE INSERT ON log_entries FOR EACH ROW EXECUTE FUNCTION poison();",
        );
    } else {
        raw.exec("CREATE TRIGGER poison BEFORE INSERT ON log_entries WHEN NEW.body LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;");
    }
    let (tx, rx) = mpsc::channel();
    for i in 0..300 {
        // Decision bodies are sealed, so the poison rides in an action's note.
        let e = if i % 50 == 7 {
            let mut a = action("tok_a", 1, false);
            a.body["note"] = json!("poison");
            a
        } else {
            decision("tok_a", "permitted", "detainer", "2025-03-01")
        };
        let tx = tx.clone();
        s.append_with(e, move |r| {
            let _ = tx.send(r);
        });
    }
    drop(tx);
    let results: Vec<_> = rx.iter().collect();
    let acked: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|a| a.seq))
        .collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert!(
        failed >= 6,
        "every batch holding a poisoned entry fails as a whole ({failed} failed)"
    );
    assert_eq!(acked.len() + failed, 300);
    // Exactly the acknowledged entries are in the log, and the chain is whole.
    let in_log: Vec<i64> = s.scan(2, 10_000).unwrap().iter().map(|e| e.seq).collect();
    let mut acked_sorted = acked.clone();
    acked_sorted.sort();
    assert_eq!(in_log, acked_sorted);
    assert!(s
        .scan(0, 10_000)
        .unwrap()
        .iter()
        .all(|e| !e.body.contains("poison")));
    assert!(s.verify().unwrap().ok);
}

fn two_instances_keep_one_chain(h: &Harness) {
    let a = Arc::new(h.open());
    let b = Arc::new(h.open());
    let mut threads = Vec::new();
    for (k, s) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        threads.push(std::thread::spawn(move || {
            (0..100)
                .map(|_| {
                    s.append(decision(
                        &format!("tok_{k}"),
                        "permitted",
                        "detainer",
                        "2025-03-02",
                    ))
                    .unwrap()
                    .seq
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut all: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (1..=400).collect::<Vec<i64>>());
    let v = b.verify().unwrap();
    assert!(v.ok && v.entries == 400, "{v:?}");
}

fn tokens_are_hashed_and_revocable(h: &Harness) {
    let s = h.open();
    let (info, secret) = s.create_token("front desk", Role::Clerk).unwrap();
    assert!(secret.starts_with("bl_") && secret.len() == 67);
    assert!(info.id.starts_with("tok_"));
    let (other, _) = s.create_token("counsel office", Role::Counsel).unwrap();
    assert_eq!(
        s.authenticate(&secret).unwrap().map(|t| t.id),
        Some(info.id.clone())
    );
    assert_eq!(s.authenticate("bl_0000").unwrap(), None);
    let stored = h.raw().text("SELECT hash FROM tokens ORDER BY id");
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|x| !x.contains(&secret[3..])),
        "the secret is not stored"
    );
    assert!(stored.contains(&brightline_store::tokens::hash(&secret)));
    let listed = s.list_tokens().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .any(|t| t.id == other.id && t.role == Role::Counsel));
    let revoked = s.revoke_token(&info.id).unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(s.authenticate(&secret).unwrap(), None);
    assert_eq!(s.revoke_token("tok_nope").unwrap(), None);
    assert!(s.create_token("  ", Role::Admin).is_err());
}

fn keyed(token: &str, key: &str, date: &str) -> NewEntry {
    let mut e = decision(token, "permitted", "detainer", date);
    e.body["request_key"] = json!(key);
    e
}

/// A repeated idempotency key is found by an index, however many entries
/// came after it, for its own token and kind only.
fn idempotency_keys_are_found_however_old(h: &Harness) {
    let s = h.open();
    let first = s.append(keyed("tok_a", "rk-1", "2025-01-01")).unwrap();
    // More of the same token's decisions than any window of recent ones.
    let (tx, rx) = mpsc::channel();
    for i in 0..600 {
        let tx = tx.clone();
        s.append_with(
            decision(
                "tok_a",
                "permitted",
                "detainer",
                &format!("2025-02-{:02}", i % 28 + 1),
            ),
            move |r| tx.send(r.map(|a| a.seq)).unwrap(),
        );
    }
    drop(tx);
    assert_eq!(rx.iter().filter(|r| r.is_ok()).count(), 600);
    let act = {
        let mut a = action("tok_a", first.seq, false);
        a.body["request_key"] = json!("rk-1");
        s.append(a).unwrap()
    };
    let again = s.append(keyed("tok_a", "rk-1", "2025-03-01")).unwrap();
    let got = s
        .by_request_key("tok_a", "decision", "rk-1")
        .unwrap()
        .unwrap();
    assert_eq!(got.seq, first.seq, "the first entry with the key");
    assert!(again.seq > got.seq);
    assert_eq!(got.body_json()["request_key"], "rk-1", "read decrypted");
    assert_eq!(
        s.by_request_key("tok_a", "action", "rk-1")
            .unwrap()
            .unwrap()
            .seq,
        act.seq
    );
    assert!(s
        .by_request_key("tok_b", "decision", "rk-1")
        .unwrap()
        .is_none());
    assert!(s
        .by_request_key("tok_a", "decision", "rk-2")
        .unwrap()
        .is_none());
}

/// A log written before the index existed has its keys indexed when it is
/// next opened (sealed decisions read decrypted), once.
fn request_keys_of_an_older_log_are_indexed_on_open(h: &Harness) {
    {
        let s = h.open();
        s.append(decision("tok_a", "permitted", "detainer", "2025-01-01"))
            .unwrap();
        s.append(keyed("tok_a", "rk-old", "2025-01-02")).unwrap();
        s.append(keyed("tok_b", "rk-other", "2025-01-03")).unwrap();
    }
    let mut raw = h.raw();
    raw.exec("DELETE FROM request_keys; DELETE FROM request_keys_filled;");
    let count =
        |raw: &mut Raw| raw.text("SELECT CAST(count(*) AS TEXT) FROM request_keys")[0].clone();
    assert_eq!(count(&mut raw), "0");
    let s = h.open();
    assert_eq!(
        s.by_request_key("tok_a", "decision", "rk-old")
            .unwrap()
            .unwrap()
            .seq,
        2
    );
    assert_eq!(
        s.by_request_key("tok_b", "decision", "rk-other")
            .unwrap()
            .unwrap()
            .seq,
        3
    );
    drop(s);
    let _s = h.open();
    assert_eq!(count(&mut raw), "2", "filled once");
}

both!(
    idempotency_keys_are_found_however_old,
    request_keys_of_an_older_log_are_indexed_on_open,
    append_and_query,
    superseding_decisions_refer_back,
    empty_log_verifies,
    detects_edited_body,
    detects_edited_index_column,
    detects_edited_token,
    detects_deleted_entry,
    detects_deleted_and_renumbered,
    detects_deleted_tail,
    detects_inserted_entry,
    detects_reordered_entries,
    detects_entry_numbered_below_one,
    detects_entry_beyond_the_head,
    verify_under_concurrent_appends_is_ok,
    group_commit_batches_and_acks_only_committed,
    failed_commit_is_not_acknowledged,
    two_instances_keep_one_chain,
    tokens_are_hashed_and_revocable,
);

#[test]
fn subject_key_is_keyed() {
    let a = brightline_store::subject_key(b"key one, 32 bytes long at least!", "B-123");
    assert_eq!(a.len(), 64);
    assert_ne!(
        a,
        brightline_store::subject_key(b"key two, 32 bytes long at least!", "B-123")
    );
    assert_ne!(
        a,
        brightline_store::subject_key(b"key one, 32 bytes long at least!", "B-124")
    );
    assert!(!a.contains("123"));
}

#[test]
fn key_file_is_created_once() {
    let dir = std::env::temp_dir().join(format!("bl_key_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let k1 = brightline_store::load_or_create_key(&dir).unwrap();
    let k2 = brightline_store::load_or_create_key(&dir).unwrap();
    assert_eq!(k1.len(), 32);
    assert_eq!(k1, k2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.join("hmac.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[allow(dead_code)]
fn _raw_is_used(r: Raw) -> bool {
    r.is_pg()
}
