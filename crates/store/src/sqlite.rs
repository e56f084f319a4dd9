//! The SQLite backend: one database file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk (WAL fsynced) before an append is acknowledged.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::chain::{entry_bytes, hash_hex, meta_of, Meta};
use crate::checkpoint::Signed;
use crate::seal::Seal;
use crate::tokens::{Role, TokenInfo};
use crate::{Appended, Conn, Entry, ListQuery, Prepared, Result, StoreError, ENTRY_COLS};

pub struct Sqlite {
    c: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_entries (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    token_id TEXT NOT NULL,
    law_hash TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    ref_seq INTEGER,
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
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT OR IGNORE INTO log_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS entry_keys (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL
);
-- The idempotency keys of entries (keyed hashes, scoped to a token), so that
-- a repeated key is found however long ago it was used.
CREATE TABLE IF NOT EXISTS request_keys (
    request_key TEXT NOT NULL,
    token_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS request_keys_by_key ON request_keys (request_key, token_id, kind, seq);
CREATE TABLE IF NOT EXISTS request_keys_filled (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
CREATE TABLE IF NOT EXISTS log_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    note TEXT NOT NULL
);
";

/// True unless the row is the only admin token not revoked.
const NOT_LAST_ADMIN: &str = "(role <> 'admin' OR (SELECT count(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL) > 1)";

const SAVE_CHECKPOINT: &str = "INSERT INTO log_checkpoint (id, size, note) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note";

fn open(path: &Path) -> Result<Connection> {
    let c = Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(10))?;
    // WAL lets readers run beside the writer; FULL fsyncs the WAL at every commit.
    let mode: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid(format!(
            "{} cannot use WAL mode (got {mode})",
            path.display()
        )));
    }
    // secure_delete overwrites an erased entry key's bytes in the page it leaves.
    c.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;")?;
    Ok(c)
}

pub fn init(path: &Path) -> Result<()> {
    private_file(path)?;
    let c = open(path)?;
    c.execute_batch(SCHEMA)?;
    Ok(())
}

pub fn connect(path: &Path) -> Result<Sqlite> {
    Ok(Sqlite { c: open(path)? })
}

/// The database file, created empty with mode 0600 if new (SQLite gives its
/// WAL and shared-memory files the database file's mode), or narrowed to 0600.
fn private_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        let meta = std::fs::metadata(path)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        for ext in ["-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(ext);
            let p = std::path::PathBuf::from(p);
            if let Ok(m) = std::fs::metadata(&p) {
                if m.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A connection that cannot write (`mode=ro`): no schema is created, no
/// journal mode set, nothing written, even by a log that does not exist.
pub fn connect_ro(path: &Path) -> Result<Sqlite> {
    use rusqlite::OpenFlags;
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_secs(10))?;
    Ok(Sqlite { c })
}

fn checkpoint_row_of(c: &Connection) -> Result<Option<(i64, String)>> {
    // A log made before checkpoints existed has no such table; read-only
    // connections cannot create it, and need not.
    let exists: i64 = c.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'log_checkpoint'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(None);
    }
    Ok(c.query_row(
        "SELECT size, note FROM log_checkpoint WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

fn scan_range(c: &Connection, after: i64, upto: i64) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM log_entries WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
    ))?;
    let rows = st.query_map([after, upto], entry)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn entry(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        kind: r.get(1)?,
        logged_at: r.get(2)?,
        token_id: r.get(3)?,
        law_hash: r.get(4)?,
        engine_version: r.get(5)?,
        body: r.get(6)?,
        prev_hash: r.get(7)?,
        entry_hash: r.get(8)?,
        meta: Meta {
            ref_seq: r.get(9)?,
            jurisdiction: r.get(10)?,
            agency: r.get(11)?,
            req_kind: r.get(12)?,
            outcome: r.get(13)?,
            req_date: r.get(14)?,
        },
        plain: None,
    })
}

fn token(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(2)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        // An unknown role in the table (edited by hand) grants nothing beyond a clerk.
        role: Role::parse(&role).unwrap_or(Role::Clerk),
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

impl Conn for Sqlite {
    // Long on purpose: one transaction: entries, Merkle leaves, request keys and the signed checkpoint commit together or not at all.
    fn append(
        &mut self,
        batch: &[Prepared],
        now: &str,
        seal: Option<&Seal>,
    ) -> Result<(Vec<Appended>, Option<Signed>)> {
        // IMMEDIATE takes the write lock before reading the head, so two
        // processes on one file cannot both extend the same head.
        let tx = self
            .c
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut seq, mut prev): (i64, String) =
            tx.query_row("SELECT seq, hash FROM log_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let head = seq;
        if let Some(s) = seal {
            s.check_head(head)?;
        }
        let mut out = Vec::with_capacity(batch.len());
        let mut leaves = Vec::new();
        {
            let mut ins = tx.prepare_cached(&format!("INSERT INTO log_entries ({ENTRY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"))?;
            let mut key_ins =
                tx.prepare_cached("INSERT INTO entry_keys (seq, key) VALUES (?1, ?2)")?;
            let mut rk_ins = tx.prepare_cached(
                "INSERT INTO request_keys (request_key, token_id, kind, seq) VALUES (?1, ?2, ?3, ?4)",
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
                ins.execute(params![
                    seq,
                    e.kind,
                    now,
                    e.token_id,
                    e.law_hash,
                    e.engine_version,
                    body,
                    prev,
                    h,
                    m.ref_seq,
                    m.jurisdiction,
                    m.agency,
                    m.req_kind,
                    m.outcome,
                    m.req_date
                ])?;
                if let Some(k) = key {
                    key_ins.execute(params![seq, crate::chain::hex(k)])?;
                }
                if let Some(rk) = crate::request_key_of(&e.body) {
                    rk_ins.execute(params![rk, e.token_id, e.kind, seq])?;
                }
                out.push(Appended {
                    seq,
                    leaf_index: seq as u64 - 1,
                    logged_at: now.to_string(),
                    entry_hash: h.clone(),
                });
                prev = h;
            }
        }
        tx.execute(
            "UPDATE log_head SET seq = ?1, hash = ?2 WHERE id = 1",
            params![seq, prev],
        )?;
        let signed = match seal {
            Some(s) => {
                let signed = s.extend(
                    head,
                    &mut |a, u| scan_range(&tx, a, u),
                    &mut || checkpoint_row_of(&tx),
                    &leaves,
                )?;
                tx.execute(SAVE_CHECKPOINT, params![seq, signed.note])?;
                Some(signed)
            }
            None => None,
        };
        tx.commit()?;
        Ok((out, signed))
    }

    fn checkpoint_row(&mut self) -> Result<Option<(i64, String)>> {
        checkpoint_row_of(&self.c)
    }

    fn keys_for(&mut self, seqs: &[i64]) -> Result<Vec<(i64, String)>> {
        let ids = serde_json::to_string(seqs).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut st = self.c.prepare_cached(
            "SELECT seq, key FROM entry_keys WHERE seq IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = st.query_map([ids], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn erase_key(&mut self, seq: i64) -> Result<bool> {
        let n = self
            .c
            .execute("DELETE FROM entry_keys WHERE seq = ?1", [seq])?;
        // The WAL still holds the page as it was before; copy it into the
        // database (where secure_delete zeroed the key) and empty the WAL.
        self.c
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(n > 0)
    }

    fn keyed_before(&mut self, cutoff: &str) -> Result<Vec<i64>> {
        let mut st = self.c.prepare_cached(
            "SELECT e.seq FROM log_entries e JOIN entry_keys k ON k.seq = e.seq WHERE e.kind = 'decision' AND e.logged_at < ?1 ORDER BY e.seq",
        )?;
        let rows = st.query_map([cutoff], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn save_checkpoint(&mut self, size: i64, note: &str) -> Result<bool> {
        let tx = self
            .c
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head: i64 = tx.query_row("SELECT seq FROM log_head WHERE id = 1", [], |r| r.get(0))?;
        if head != size {
            return Ok(false);
        }
        tx.execute(SAVE_CHECKPOINT, params![size, note])?;
        tx.commit()?;
        Ok(true)
    }

    fn get(&mut self, seq: i64) -> Result<Option<Entry>> {
        Ok(self
            .c
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLS} FROM log_entries WHERE seq = ?1"
            ))?
            .query_row([seq], entry)
            .optional()?)
    }

    fn list(&mut self, q: &ListQuery) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLS} FROM log_entries WHERE seq > 0 AND kind = 'decision'
             AND (?1 IS NULL OR token_id = ?1) AND (?2 IS NULL OR seq < ?2) AND (?3 IS NULL OR outcome = ?3)
             AND (?4 IS NULL OR jurisdiction = ?4) AND (?5 IS NULL OR req_kind = ?5)
             ORDER BY seq DESC LIMIT ?6"
        );
        let mut st = self.c.prepare_cached(&sql)?;
        let rows = st.query_map(
            params![
                q.token_id,
                q.before,
                q.outcome,
                q.jurisdiction,
                q.kind,
                q.limit
            ],
            entry,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn find_request_key(&mut self, token_id: &str, kind: &str, key: &str) -> Result<Option<i64>> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT seq FROM request_keys WHERE request_key = ?1 AND token_id = ?2 AND kind = ?3 ORDER BY seq LIMIT 1",
            )?
            .query_row(params![key, token_id, kind], |r| r.get(0))
            .optional()?)
    }

    fn request_keys_pending(&mut self) -> Result<bool> {
        let n: i64 = self
            .c
            .query_row("SELECT count(*) FROM request_keys_filled", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    fn fill_request_keys(&mut self, rows: &[crate::RequestKeyRow]) -> Result<()> {
        let tx = self
            .c
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let first = tx.execute(
            "INSERT INTO request_keys_filled (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
            [],
        )?;
        if first == 1 {
            let mut ins = tx.prepare_cached(
                "INSERT INTO request_keys (request_key, token_id, kind, seq) SELECT ?1, ?2, ?3, ?4
                 WHERE NOT EXISTS (SELECT 1 FROM request_keys WHERE request_key = ?1 AND seq = ?4)",
            )?;
            for (k, t, kind, seq) in rows {
                ins.execute(params![k, t, kind, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn referring(&mut self, decisions: &[i64]) -> Result<Vec<Entry>> {
        let ids =
            serde_json::to_string(decisions).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut st = self.c.prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM log_entries WHERE ref_seq IN (SELECT value FROM json_each(?1)) ORDER BY seq"
        ))?;
        let rows = st.query_map([ids], entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn scan(&mut self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let mut st = self.c.prepare_cached(&format!(
            "SELECT {ENTRY_COLS} FROM log_entries WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let rows = st.query_map([after, limit], entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn decisions_between(&mut self, from: &str, to: &str) -> Result<Vec<Entry>> {
        let mut st =
            self.c.prepare_cached(&format!("SELECT {ENTRY_COLS} FROM log_entries WHERE seq > 0 AND kind = 'decision' AND req_date >= ?1 AND req_date <= ?2 ORDER BY seq"))?;
        let rows = st.query_map([from, to], entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn head(&mut self) -> Result<(i64, String)> {
        Ok(self
            .c
            .query_row("SELECT seq, hash FROM log_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
    }

    fn count(&mut self) -> Result<i64> {
        Ok(self
            .c
            .query_row("SELECT count(*) FROM log_entries", [], |r| r.get(0))?)
    }

    fn insert_token(&mut self, t: &TokenInfo, hash: &str) -> Result<()> {
        self.c.execute(
            "INSERT INTO tokens (id, name, role, hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![t.id, t.name, t.role.as_str(), hash, t.created_at],
        )?;
        Ok(())
    }

    fn find_token(&mut self, hash: &str) -> Result<Option<TokenInfo>> {
        Ok(self
            .c
            .prepare_cached(
                "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE hash = ?1",
            )?
            .query_row([hash], token)
            .optional()?)
    }

    fn list_tokens(&mut self) -> Result<Vec<TokenInfo>> {
        let mut st = self.c.prepare_cached(
            "SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY created_at, id",
        )?;
        let rows = st.query_map([], token)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn revoke_token(&mut self, id: &str, now: &str) -> Result<Option<TokenInfo>> {
        // One statement, so that two revocations at once cannot both pass the count.
        self.c.execute(
            &format!("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL AND {NOT_LAST_ADMIN}"),
            params![id, now],
        )?;
        Ok(self
            .c
            .prepare_cached(
                "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = ?1",
            )?
            .query_row([id], token)
            .optional()?)
    }

    fn set_role(&mut self, id: &str, role: Role) -> Result<Option<TokenInfo>> {
        let sql = if role == Role::Admin {
            "UPDATE tokens SET role = ?2 WHERE id = ?1".to_string()
        } else {
            format!("UPDATE tokens SET role = ?2 WHERE id = ?1 AND (revoked_at IS NOT NULL OR {NOT_LAST_ADMIN})")
        };
        self.c.execute(&sql, params![id, role.as_str()])?;
        Ok(self
            .c
            .prepare_cached(
                "SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = ?1",
            )?
            .query_row([id], token)
            .optional()?)
    }
}
