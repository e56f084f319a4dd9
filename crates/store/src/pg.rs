//! The PostgreSQL backend, for several server instances on one log.
//!
//! The synchronous `postgres` crate is enough here: the log is written by one
//! dedicated writer thread per process and read from the server's blocking
//! pool, so an async driver would add a second runtime's worth of machinery
//! for nothing, and sqlx's compile-time checks need a database at build time.
//! Every append transaction locks the head row (`SELECT … FOR UPDATE`), so
//! appends from all instances serialise into one chain.

use postgres::{Client, Row};

use crate::chain::{entry_bytes, hash_hex, meta_of, Meta};
use crate::checkpoint::Signed;
use crate::seal::Seal;
use crate::tokens::{Role, TokenInfo};
use crate::{Appended, Conn, Entry, ListQuery, Prepared, Result, StoreError, ENTRY_COLS};

pub struct Pg {
    c: Client,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_entries (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    token_id TEXT NOT NULL,
    law_hash TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    ref_seq BIGINT,
    jurisdiction TEXT,
    agency TEXT,
    req_kind TEXT,
    outcome TEXT,
    req_date TEXT
);
CREATE INDEX IF NOT EXISTS log_by_token ON log_entries (token_id, seq) WHERE kind = 'decision';
CREATE INDEX IF NOT EXISTS log_by_ref ON log_entries (ref_seq) WHERE ref_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS log_by_date ON log_entries (req_date) WHERE kind = 'decision';
CREATE TABLE IF NOT EXISTS log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO log_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS entry_keys (
    seq BIGINT PRIMARY KEY,
    key TEXT NOT NULL
);
-- The idempotency keys of entries (keyed hashes, scoped to a token), so that
-- a repeated key is found however long ago it was used.
CREATE TABLE IF NOT EXISTS request_keys (
    request_key TEXT NOT NULL,
    token_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS request_keys_by_key ON request_keys (request_key, token_id, kind, seq);
CREATE TABLE IF NOT EXISTS request_keys_filled (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
CREATE TABLE IF NOT EXISTS log_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    note TEXT NOT NULL
);
";

/// True unless the row is the only admin token not revoked.
const NOT_LAST_ADMIN: &str = "(role <> 'admin' OR (SELECT count(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL) > 1)";

const SAVE_CHECKPOINT: &str = "INSERT INTO log_checkpoint (id, size, note) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note";

/// Arbitrary constant naming the advisory lock that serialises schema setup
/// when several instances start at once.
const INIT_LOCK: i64 = 0x6272_6967_6874;

fn quote_ident(s: &str) -> Result<String> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Invalid(format!(
            "`{s}` is not a plain schema name (letters, digits, _)"
        )));
    }
    Ok(format!("\"{s}\""))
}

fn open(conn: &str, schema: Option<&str>) -> Result<Client> {
    let mut c = crate::pgtls::connect(conn)?;
    if let Some(s) = schema {
        c.batch_execute(&format!("SET search_path TO {}", quote_ident(s)?))?;
    }
    Ok(c)
}

pub fn init(conn: &str, schema: Option<&str>) -> Result<()> {
    let mut c = open(conn, None)?;
    c.execute("SELECT pg_advisory_lock($1)", &[&INIT_LOCK])?;
    let r = (|| -> Result<()> {
        if let Some(s) = schema {
            let q = quote_ident(s)?;
            c.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {q}; SET search_path TO {q}"
            ))?;
        }
        c.batch_execute(SCHEMA)?;
        Ok(())
    })();
    c.execute("SELECT pg_advisory_unlock($1)", &[&INIT_LOCK])?;
    r
}

pub fn connect(conn: &str, schema: Option<&str>) -> Result<Pg> {
    Ok(Pg {
        c: open(conn, schema)?,
    })
}

/// A session whose every transaction is read-only (the server refuses writes).
pub fn connect_ro(conn: &str, schema: Option<&str>) -> Result<Pg> {
    let mut c = open(conn, schema)?;
    c.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
    Ok(Pg { c })
}

fn checkpoint_row_of(tx: &mut postgres::Transaction<'_>) -> Result<Option<(i64, String)>> {
    let exists: bool = tx
        .query_one("SELECT to_regclass('log_checkpoint') IS NOT NULL", &[])?
        .try_get(0)?;
    if !exists {
        return Ok(None);
    }
    let rows = tx.query("SELECT size, note FROM log_checkpoint WHERE id = 1", &[])?;
    rows.first()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
}

fn scan_range(tx: &mut postgres::Transaction<'_>, after: i64, upto: i64) -> Result<Vec<Entry>> {
    entries(tx.query(
        &format!("SELECT {ENTRY_COLS} FROM log_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq"),
        &[&after, &upto],
    )?)
}

fn entry(r: &Row) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get(0)?,
        kind: r.try_get(1)?,
        logged_at: r.try_get(2)?,
        token_id: r.try_get(3)?,
        law_hash: r.try_get(4)?,
        engine_version: r.try_get(5)?,
        body: r.try_get(6)?,
        prev_hash: r.try_get(7)?,
        entry_hash: r.try_get(8)?,
        meta: Meta {
            ref_seq: r.try_get(9)?,
            jurisdiction: r.try_get(10)?,
            agency: r.try_get(11)?,
            req_kind: r.try_get(12)?,
            outcome: r.try_get(13)?,
            req_date: r.try_get(14)?,
        },
        plain: None,
    })
}

fn entries(rows: Vec<Row>) -> Result<Vec<Entry>> {
    rows.iter().map(entry).collect()
}

fn token(r: &Row) -> Result<TokenInfo> {
    let role: String = r.try_get(2)?;
    Ok(TokenInfo {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: Role::parse(&role).unwrap_or(Role::Clerk),
        created_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    })
}

impl Conn for Pg {
    // Long on purpose: one transaction: entries, Merkle leaves, request keys and the signed checkpoint commit together or not at all.
    fn append(
        &mut self,
        batch: &[Prepared],
        now: &str,
        seal: Option<&Seal>,
    ) -> Result<(Vec<Appended>, Option<Signed>)> {
        let mut tx = self.c.transaction()?;
        let head = tx.query_one(
            "SELECT seq, hash FROM log_head WHERE id = 1 FOR UPDATE",
            &[],
        )?;
        let (mut seq, mut prev): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        let ins = tx.prepare(&format!("INSERT INTO log_entries ({ENTRY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))?;
        let head = seq;
        if let Some(s) = seal {
            s.check_head(head)?;
        }
        let mut out = Vec::with_capacity(batch.len());
        let mut leaves = Vec::new();
        let key_ins = tx.prepare("INSERT INTO entry_keys (seq, key) VALUES ($1, $2)")?;
        let rk_ins = tx.prepare(
            "INSERT INTO request_keys (request_key, token_id, kind, seq) VALUES ($1, $2, $3, $4)",
        )?;
        for (e, body, key) in batch {
            seq += 1;
            let bytes = entry_bytes(
                &prev,
                seq,
                &e.kind,
                now,
                &e.token_id,
                &e.law_hash,
                &e.engine_version,
                body,
            );
            let h = hash_hex(&bytes);
            if seal.is_some() {
                leaves.push(tlog_tiles::record_hash(&bytes));
            }
            let m = meta_of(&e.kind, &e.body);
            tx.execute(
                &ins,
                &[
                    &seq,
                    &e.kind,
                    &now,
                    &e.token_id,
                    &e.law_hash,
                    &e.engine_version,
                    body,
                    &prev,
                    &h,
                    &m.ref_seq,
                    &m.jurisdiction,
                    &m.agency,
                    &m.req_kind,
                    &m.outcome,
                    &m.req_date,
                ],
            )?;
            if let Some(k) = key {
                tx.execute(&key_ins, &[&seq, &crate::chain::hex(k)])?;
            }
            if let Some(rk) = crate::request_key_of(&e.body) {
                tx.execute(&rk_ins, &[&rk, &e.token_id, &e.kind, &seq])?;
            }
            out.push(Appended {
                seq,
                leaf_index: seq as u64 - 1,
                logged_at: now.to_string(),
                entry_hash: h.clone(),
            });
            prev = h;
        }
        tx.execute(
            "UPDATE log_head SET seq = $1, hash = $2 WHERE id = 1",
            &[&seq, &prev],
        )?;
        let signed = match seal {
            Some(s) => {
                let tx = std::cell::RefCell::new(&mut tx);
                let signed = s.extend(
                    head,
                    &mut |a, u| scan_range(&mut tx.borrow_mut(), a, u),
                    &mut || checkpoint_row_of(&mut tx.borrow_mut()),
                    &leaves,
                )?;
                let tx = tx.into_inner();
                tx.execute(SAVE_CHECKPOINT, &[&seq, &signed.note])?;
                Some(signed)
            }
            None => None,
        };
        tx.commit()?;
        Ok((out, signed))
    }

    fn checkpoint_row(&mut self) -> Result<Option<(i64, String)>> {
        let mut tx = self.c.transaction()?;
        let r = checkpoint_row_of(&mut tx)?;
        tx.commit()?;
        Ok(r)
    }

    fn keys_for(&mut self, seqs: &[i64]) -> Result<Vec<(i64, String)>> {
        let ids: Vec<i64> = seqs.to_vec();
        self.c
            .query(
                "SELECT seq, key FROM entry_keys WHERE seq = ANY($1)",
                &[&ids],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    fn erase_key(&mut self, seq: i64) -> Result<bool> {
        // The dead row stays in its page until VACUUM reclaims it (docs/privacy.md).
        let n = self
            .c
            .execute("DELETE FROM entry_keys WHERE seq = $1", &[&seq])?;
        Ok(n > 0)
    }

    fn keyed_before(&mut self, cutoff: &str) -> Result<Vec<i64>> {
        self.c
            .query(
                "SELECT e.seq FROM log_entries e JOIN entry_keys k ON k.seq = e.seq WHERE e.kind = 'decision' AND e.logged_at < $1 ORDER BY e.seq",
                &[&cutoff],
            )?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    fn save_checkpoint(&mut self, size: i64, note: &str) -> Result<bool> {
        let mut tx = self.c.transaction()?;
        let head: i64 = tx
            .query_one("SELECT seq FROM log_head WHERE id = 1 FOR UPDATE", &[])?
            .try_get(0)?;
        if head != size {
            return Ok(false);
        }
        tx.execute(SAVE_CHECKPOINT, &[&size, &note])?;
        tx.commit()?;
        Ok(true)
    }

    fn get(&mut self, seq: i64) -> Result<Option<Entry>> {
        let rows = self.c.query(
            &format!("SELECT {ENTRY_COLS} FROM log_entries WHERE seq = $1"),
            &[&seq],
        )?;
        rows.first().map(entry).transpose()
    }

    fn list(&mut self, q: &ListQuery) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLS} FROM log_entries WHERE seq > 0 AND kind = 'decision'
             AND ($1::text IS NULL OR token_id = $1) AND ($2::bigint IS NULL OR seq < $2) AND ($3::text IS NULL OR outcome = $3)
             AND ($4::text IS NULL OR jurisdiction = $4) AND ($5::text IS NULL OR req_kind = $5)
             ORDER BY seq DESC LIMIT $6"
        );
        entries(self.c.query(
            &sql,
            &[
                &q.token_id,
                &q.before,
                &q.outcome,
                &q.jurisdiction,
                &q.kind,
                &q.limit,
            ],
        )?)
    }

    fn find_request_key(&mut self, token_id: &str, kind: &str, key: &str) -> Result<Option<i64>> {
        let rows = self.c.query(
            "SELECT seq FROM request_keys WHERE request_key = $1 AND token_id = $2 AND kind = $3 ORDER BY seq LIMIT 1",
            &[&key, &token_id, &kind],
        )?;
        rows.first().map(|r| Ok(r.try_get(0)?)).transpose()
    }

    fn request_keys_pending(&mut self) -> Result<bool> {
        let n: i64 = self
            .c
            .query_one("SELECT count(*) FROM request_keys_filled", &[])?
            .try_get(0)?;
        Ok(n == 0)
    }

    fn fill_request_keys(&mut self, rows: &[crate::RequestKeyRow]) -> Result<()> {
        let mut tx = self.c.transaction()?;
        let first = tx.execute(
            "INSERT INTO request_keys_filled (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
            &[],
        )?;
        if first == 1 {
            let ins = tx.prepare(
                "INSERT INTO request_keys (request_key, token_id, kind, seq) SELECT $1, $2, $3, $4
                 WHERE NOT EXISTS (SELECT 1 FROM request_keys WHERE request_key = $1 AND seq = $4)",
            )?;
            for (k, t, kind, seq) in rows {
                tx.execute(&ins, &[k, t, kind, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn referring(&mut self, decisions: &[i64]) -> Result<Vec<Entry>> {
        let ids: Vec<i64> = decisions.to_vec();
        entries(self.c.query(
            &format!("SELECT {ENTRY_COLS} FROM log_entries WHERE ref_seq = ANY($1) ORDER BY seq"),
            &[&ids],
        )?)
    }

    fn scan(&mut self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        entries(self.c.query(
            &format!("SELECT {ENTRY_COLS} FROM log_entries WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after, &limit],
        )?)
    }

    fn decisions_between(&mut self, from: &str, to: &str) -> Result<Vec<Entry>> {
        entries(self.c.query(&format!("SELECT {ENTRY_COLS} FROM log_entries WHERE seq > 0 AND kind = 'decision' AND req_date >= $1 AND req_date <= $2 ORDER BY seq"), &[&from, &to])?)
    }

    fn head(&mut self) -> Result<(i64, String)> {
        let r = self
            .c
            .query_one("SELECT seq, hash FROM log_head WHERE id = 1", &[])?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }

    fn count(&mut self) -> Result<i64> {
        Ok(self
            .c
            .query_one("SELECT count(*) FROM log_entries", &[])?
            .try_get(0)?)
    }

    fn insert_token(&mut self, t: &TokenInfo, hash: &str) -> Result<()> {
        self.c.execute(
            "INSERT INTO tokens (id, name, role, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)",
            &[&t.id, &t.name, &t.role.as_str(), &hash, &t.created_at],
        )?;
        Ok(())
    }

    fn find_token(&mut self, hash: &str) -> Result<Option<TokenInfo>> {
        let rows = self.c.query(
            "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE hash = $1",
            &[&hash],
        )?;
        rows.first().map(token).transpose()
    }

    fn list_tokens(&mut self) -> Result<Vec<TokenInfo>> {
        self.c
            .query(
                "SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY created_at, id",
                &[],
            )?
            .iter()
            .map(token)
            .collect()
    }

    fn revoke_token(&mut self, id: &str, now: &str) -> Result<Option<TokenInfo>> {
        // The admin rows are locked first, so that two revocations at once
        // cannot both count the other's token as still there.
        let mut tx = self.c.transaction()?;
        tx.query(
            "SELECT id FROM tokens WHERE role = 'admin' AND revoked_at IS NULL FOR UPDATE",
            &[],
        )?;
        tx.execute(
            &format!("UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND {NOT_LAST_ADMIN}"),
            &[&id, &now],
        )?;
        tx.commit()?;
        let rows = self.c.query(
            "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = $1",
            &[&id],
        )?;
        rows.first().map(token).transpose()
    }

    fn set_role(&mut self, id: &str, role: Role) -> Result<Option<TokenInfo>> {
        let mut tx = self.c.transaction()?;
        tx.query(
            "SELECT id FROM tokens WHERE role = 'admin' AND revoked_at IS NULL FOR UPDATE",
            &[],
        )?;
        if role == Role::Admin {
            tx.execute(
                "UPDATE tokens SET role = $2 WHERE id = $1",
                &[&id, &role.as_str()],
            )?;
        } else {
            tx.execute(
                &format!("UPDATE tokens SET role = $2 WHERE id = $1 AND (revoked_at IS NOT NULL OR {NOT_LAST_ADMIN})"),
                &[&id, &role.as_str()],
            )?;
        }
        tx.commit()?;
        let rows = self.c.query(
            "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = $1",
            &[&id],
        )?;
        rows.first().map(token).transpose()
    }
}
