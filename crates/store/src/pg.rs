//! The PostgreSQL backend, for several server instances on one log.
//!
//! The synchronous `postgres` crate is enough here: the log is written by one
//! dedicated writer thread per process and read from the server's blocking
//! pool, so an async driver would add a second runtime's worth of machinery
//! for nothing, and sqlx's compile-time checks need a database at build time.
//! Every append transaction locks the head row (`SELECT … FOR UPDATE`), so
//! appends from all instances serialise into one chain.

use postgres::{Client, Row};

use crate::chain::{entry_hash, meta_of, Meta};
use crate::tokens::{Role, TokenInfo};
use crate::{Appended, Conn, Entry, ListQuery, NewEntry, Result, StoreError, ENTRY_COLS};

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
";

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
    fn append(&mut self, batch: &[(NewEntry, String)], now: &str) -> Result<Vec<Appended>> {
        let mut tx = self.c.transaction()?;
        let head = tx.query_one(
            "SELECT seq, hash FROM log_head WHERE id = 1 FOR UPDATE",
            &[],
        )?;
        let (mut seq, mut prev): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        let ins = tx.prepare(&format!("INSERT INTO log_entries ({ENTRY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))?;
        let mut out = Vec::with_capacity(batch.len());
        for (e, body) in batch {
            seq += 1;
            let h = entry_hash(
                &prev,
                seq,
                &e.kind,
                now,
                &e.token_id,
                &e.law_hash,
                &e.engine_version,
                body,
            );
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
            out.push(Appended {
                seq,
                logged_at: now.to_string(),
                entry_hash: h.clone(),
            });
            prev = h;
        }
        tx.execute(
            "UPDATE log_head SET seq = $1, hash = $2 WHERE id = 1",
            &[&seq, &prev],
        )?;
        tx.commit()?;
        Ok(out)
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

    fn actions_for(&mut self, decisions: &[i64]) -> Result<Vec<Entry>> {
        let ids: Vec<i64> = decisions.to_vec();
        entries(self.c.query(&format!("SELECT {ENTRY_COLS} FROM log_entries WHERE kind = 'action' AND ref_seq = ANY($1) ORDER BY seq"), &[&ids])?)
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
        self.c.execute(
            "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now],
        )?;
        let rows = self.c.query(
            "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = $1",
            &[&id],
        )?;
        rows.first().map(token).transpose()
    }
}
