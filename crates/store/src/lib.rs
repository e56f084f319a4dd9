//! The decision log and API tokens of `brightline serve`.
//!
//! The log is append-only and hash-chained: every entry's hash covers its
//! contents and the previous entry's hash, so an edited, deleted, inserted or
//! moved entry breaks the chain at a point `verify` can name. Appends go
//! through one writer thread per process that batches whatever is queued into
//! one transaction (group commit): callers are told an entry exists only after
//! that transaction committed, and one fsync serves a whole batch.
//!
//! Two backends share every query's meaning: SQLite (embedded, WAL,
//! `synchronous=FULL`) and PostgreSQL (several server instances on one log;
//! the chain's head row is locked `FOR UPDATE` in each append transaction so
//! that their appends serialise into one chain).

mod chain;

/// The columns of `log_entries`, in the order both backends read and write them.
const ENTRY_COLS: &str = "seq, kind, logged_at, token_id, law_hash, engine_version, body, prev_hash, entry_hash, ref_seq, jurisdiction, agency, req_kind, outcome, req_date";
mod pg;
pub mod pgtls;
mod pool;
mod sqlite;
pub mod tokens;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

pub use chain::{canonical as canonical_json, entry_hash, meta_of, Meta, GENESIS};
pub use tokens::{Role, TokenInfo};

/// Errors of the store. Messages are for operators; none carries a token or identifier.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the decision log writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An entry to append. `body` is canonicalised (sorted keys, no whitespace) before hashing.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub kind: String,
    pub token_id: String,
    pub law_hash: String,
    pub engine_version: String,
    pub body: serde_json::Value,
}

/// An entry as stored. `body` is the canonical JSON text exactly as hashed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    pub kind: String,
    pub logged_at: String,
    pub token_id: String,
    pub law_hash: String,
    pub engine_version: String,
    pub body: String,
    pub prev_hash: String,
    pub entry_hash: String,
    #[serde(skip)]
    pub meta: Meta,
}

impl Entry {
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What an append returns once the entry is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub seq: i64,
    pub logged_at: String,
    pub entry_hash: String,
}

/// Filters for listing decisions (newest first).
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub token_id: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
    pub outcome: Option<String>,
    pub jurisdiction: Option<String>,
    pub kind: Option<String>,
}

/// The result of walking the whole chain.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Verification {
    pub ok: bool,
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub first_bad: Option<BadEntry>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BadEntry {
    pub seq: i64,
    pub problem: String,
}

/// One backend connection. Each method is one statement or one transaction.
pub(crate) trait Conn: Send {
    fn append(&mut self, batch: &[(NewEntry, String)], now: &str) -> Result<Vec<Appended>>;
    fn get(&mut self, seq: i64) -> Result<Option<Entry>>;
    fn list(&mut self, q: &ListQuery) -> Result<Vec<Entry>>;
    fn actions_for(&mut self, decisions: &[i64]) -> Result<Vec<Entry>>;
    fn scan(&mut self, after: i64, limit: i64) -> Result<Vec<Entry>>;
    fn decisions_between(&mut self, from: &str, to: &str) -> Result<Vec<Entry>>;
    fn head(&mut self) -> Result<(i64, String)>;
    fn count(&mut self) -> Result<i64>;
    fn insert_token(&mut self, t: &TokenInfo, hash: &str) -> Result<()>;
    fn find_token(&mut self, hash: &str) -> Result<Option<TokenInfo>>;
    fn list_tokens(&mut self) -> Result<Vec<TokenInfo>>;
    fn revoke_token(&mut self, id: &str, now: &str) -> Result<Option<TokenInfo>>;
}

type Factory = Arc<dyn Fn() -> Result<Box<dyn Conn>> + Send + Sync>;

struct Job {
    entry: NewEntry,
    done: Box<dyn FnOnce(Result<Appended>) + Send>,
}

/// Where the log lives.
#[derive(Clone, Debug)]
pub enum Location {
    /// A SQLite database file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection string (`host=… user=…` or `postgres://…`), and
    /// optionally a schema to use (tests use one schema each).
    Postgres {
        conn: String,
        schema: Option<String>,
    },
}

/// Counters the server exports as metrics.
#[derive(Default)]
pub struct Stats {
    pub batches: std::sync::atomic::AtomicU64,
    pub appended: std::sync::atomic::AtomicU64,
    /// Histogram of batch sizes: buckets 1, 2, 4, …, 512, +Inf.
    pub batch_hist: [std::sync::atomic::AtomicU64; 11],
}

pub struct Store {
    pool: pool::Pool,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    handle: Mutex<Option<thread::JoinHandle<()>>>,
    backend: &'static str,
    pub stats: Arc<Stats>,
}

/// Most entries one transaction takes; more wait for the next commit.
const MAX_BATCH: usize = 1024;

impl Store {
    /// Opens (and creates, if new) the log.
    pub fn open(loc: &Location) -> Result<Store> {
        let (factory, backend): (Factory, &'static str) = match loc.clone() {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
                sqlite::init(&path)?;
                (
                    Arc::new(move || sqlite::connect(&path).map(|c| Box::new(c) as Box<dyn Conn>)),
                    "sqlite",
                )
            }
            Location::Postgres { conn, schema } => {
                pg::init(&conn, schema.as_deref())?;
                (
                    Arc::new(move || {
                        pg::connect(&conn, schema.as_deref()).map(|c| Box::new(c) as Box<dyn Conn>)
                    }),
                    "postgres",
                )
            }
        };
        let wconn = factory()?;
        let make = factory.clone();
        let pool = pool::Pool::new(factory);
        let stats = Arc::new(Stats::default());
        let (tx, rx) = mpsc::channel::<Job>();
        let st = stats.clone();
        let handle = thread::Builder::new()
            .name("brightline-log-writer".into())
            .spawn(move || writer_loop(Some(wconn), &make, rx, &st))?;
        Ok(Store {
            pool,
            writer: Mutex::new(Some(tx)),
            handle: Mutex::new(Some(handle)),
            backend,
            stats,
        })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Queues an append; `done` runs on the writer thread once the entry is
    /// committed (or failed). Never blocks on I/O.
    pub fn append_with(
        &self,
        entry: NewEntry,
        done: impl FnOnce(Result<Appended>) + Send + 'static,
    ) {
        let job = Job {
            entry,
            done: Box::new(done),
        };
        let sent = match self.writer.lock() {
            Ok(g) => match g.as_ref() {
                Some(tx) => tx.send(job).map_err(|e| e.0),
                None => Err(job),
            },
            Err(_) => Err(job),
        };
        if let Err(job) = sent {
            (job.done)(Err(StoreError::WriterGone));
        }
    }

    /// Appends and waits for the commit.
    pub fn append(&self, entry: NewEntry) -> Result<Appended> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.append_with(entry, move |r| {
            let _ = tx.send(r);
        });
        rx.recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Stops the writer after it has committed everything queued.
    pub fn close(&self) {
        if let Ok(mut g) = self.writer.lock() {
            g.take();
        }
        if let Some(h) = self.handle.lock().ok().and_then(|mut g| g.take()) {
            let _ = h.join();
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let mut c = self.pool.get()?;
        let r = f(c.conn());
        if r.is_err() {
            // A connection that failed may be broken (server restart): do not reuse it.
            c.discard();
        }
        r
    }

    pub fn get(&self, seq: i64) -> Result<Option<Entry>> {
        self.with(|c| c.get(seq))
    }
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Entry>> {
        self.with(|c| c.list(q))
    }
    /// Action entries that refer to any of `decisions`, in sequence order.
    pub fn actions_for(&self, decisions: &[i64]) -> Result<Vec<Entry>> {
        if decisions.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|c| c.actions_for(decisions))
    }
    /// Entries with `seq > after`, in order.
    pub fn scan(&self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        self.with(|c| c.scan(after, limit))
    }
    /// Decision entries whose request date is in `[from, to]` (YYYY-MM-DD).
    pub fn decisions_between(&self, from: &str, to: &str) -> Result<Vec<Entry>> {
        self.with(|c| c.decisions_between(from, to))
    }
    pub fn head(&self) -> Result<(i64, String)> {
        self.with(|c| c.head())
    }
    pub fn count(&self) -> Result<i64> {
        self.with(|c| c.count())
    }

    /// Walks the whole chain and names the first entry that breaks it.
    pub fn verify(&self) -> Result<Verification> {
        let (head_seq, head_hash) = self.head()?;
        let mut prev = GENESIS.to_string();
        let mut expect = 1i64;
        let mut entries = 0i64;
        let bad = |seq: i64, problem: String, entries: i64| Verification {
            ok: false,
            entries,
            head_seq,
            head_hash: head_hash.clone(),
            first_bad: Some(BadEntry { seq, problem }),
        };
        // Walk from the lowest sequence number there is, so that a row numbered
        // below 1 shows, and stop at the head read above: entries appended
        // while the walk runs belong to the next verification.
        let mut after = i64::MIN;
        'walk: loop {
            let page = self.scan(after, 5000)?;
            if page.is_empty() {
                break;
            }
            for e in &page {
                after = e.seq;
                if e.seq > head_seq {
                    break 'walk;
                }
                entries += 1;
                if e.seq < expect {
                    return Ok(bad(
                        e.seq,
                        format!(
                            "entry {} is out of the sequence, which starts at 1 (inserted)",
                            e.seq
                        ),
                        entries,
                    ));
                }
                if e.seq != expect {
                    return Ok(bad(
                        expect,
                        format!(
                            "entry {expect} is missing (deleted); the next entry is {}",
                            e.seq
                        ),
                        entries,
                    ));
                }
                if e.prev_hash != prev {
                    return Ok(bad(
                        e.seq,
                        format!("entry {} does not follow entry {} (an entry was inserted, deleted or moved before it)", e.seq, e.seq - 1),
                        entries,
                    ));
                }
                let body: serde_json::Value = match serde_json::from_str(&e.body) {
                    Ok(v) => v,
                    Err(_) => {
                        return Ok(bad(
                            e.seq,
                            format!("entry {} has a body that is not JSON (edited)", e.seq),
                            entries,
                        ))
                    }
                };
                let h = entry_hash(
                    &e.prev_hash,
                    e.seq,
                    &e.kind,
                    &e.logged_at,
                    &e.token_id,
                    &e.law_hash,
                    &e.engine_version,
                    &e.body,
                );
                if h != e.entry_hash {
                    return Ok(bad(
                        e.seq,
                        format!("entry {}'s contents do not match its hash (edited)", e.seq),
                        entries,
                    ));
                }
                if meta_of(&e.kind, &body) != e.meta {
                    return Ok(bad(
                        e.seq,
                        format!(
                            "entry {}'s index columns do not match its contents (edited)",
                            e.seq
                        ),
                        entries,
                    ));
                }
                prev = h;
                expect += 1;
            }
        }
        let last = expect - 1;
        // Rows past the head are appends that committed during the walk (the
        // head moved past them) or rows inserted behind the log's back.
        let (now, _) = self.head()?;
        if let Some(e) = self.scan(now.max(head_seq), 1)?.first() {
            let (later, _) = self.head()?;
            if e.seq > later {
                return Ok(bad(
                    e.seq,
                    format!(
                        "entry {} lies beyond the head, entry {later} (inserted)",
                        e.seq
                    ),
                    entries,
                ));
            }
        }
        if last != head_seq || prev != head_hash {
            let problem = if last < head_seq {
                format!("the log ends at entry {last} but its head says {head_seq} (entries deleted from the end)")
            } else {
                format!("the head (entry {head_seq}) does not match the last entry {last}")
            };
            return Ok(bad(last.min(head_seq) + 1, problem, entries));
        }
        Ok(Verification {
            ok: true,
            entries,
            head_seq,
            head_hash: head_hash.clone(),
            first_bad: None,
        })
    }

    // ---- tokens

    /// Creates a token; returns its public info and the secret (shown once).
    pub fn create_token(&self, name: &str, role: Role) -> Result<(TokenInfo, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a token name must have 1 to 100 characters".into(),
            ));
        }
        let (secret, hash) = tokens::generate()?;
        let info = TokenInfo {
            id: tokens::new_id()?,
            name: name.to_string(),
            role,
            created_at: now(),
            revoked_at: None,
        };
        self.with(|c| c.insert_token(&info, &hash))?;
        Ok((info, secret))
    }
    /// The token a bearer secret names, if it exists and is not revoked.
    pub fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let hash = tokens::hash(secret);
        Ok(self
            .with(|c| c.find_token(&hash))?
            .filter(|t| t.revoked_at.is_none()))
    }
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.with(|c| c.list_tokens())
    }
    /// Revokes a token; `None` if there is no such token.
    pub fn revoke_token(&self, id: &str) -> Result<Option<TokenInfo>> {
        let n = now();
        self.with(|c| c.revoke_token(id, &n))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

/// Commits queued appends in batches. A batch that fails drops its connection
/// (a restarted or unreachable database leaves it dead), and the next batch
/// connects anew; the failed batch's entries are reported as not logged.
fn writer_loop(
    mut conn: Option<Box<dyn Conn>>,
    make: &Factory,
    rx: mpsc::Receiver<Job>,
    stats: &Stats,
) {
    use std::sync::atomic::Ordering::Relaxed;
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let batch: Vec<(NewEntry, String)> = jobs
            .iter()
            .map(|j| {
                let body = chain::canonical(&j.entry.body);
                (j.entry.clone(), body)
            })
            .collect();
        let fresh = match conn.take() {
            Some(c) => Ok(c),
            None => make(),
        };
        let result = match fresh {
            Ok(mut c) => {
                let r = c.append(&batch, &now());
                if r.is_ok() {
                    conn = Some(c);
                }
                r
            }
            Err(e) => Err(e),
        };
        stats.batches.fetch_add(1, Relaxed);
        let bucket = (usize::BITS - (jobs.len().max(1) - 1).leading_zeros()) as usize;
        stats.batch_hist[bucket.min(10)].fetch_add(1, Relaxed);
        match result {
            Ok(done) if done.len() == jobs.len() => {
                stats.appended.fetch_add(jobs.len() as u64, Relaxed);
                for (j, a) in jobs.into_iter().zip(done) {
                    (j.done)(Ok(a));
                }
            }
            Ok(_) => {
                for j in jobs {
                    (j.done)(Err(StoreError::Invalid(
                        "the log returned a short batch".into(),
                    )));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for j in jobs {
                    (j.done)(Err(StoreError::Invalid(format!(
                        "the decision was not logged: {msg}"
                    ))));
                }
            }
        }
    }
}

/// The current time as RFC 3339 UTC with microseconds.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// HMAC-SHA256 of subject identifiers under the deployment key, as hex.
pub fn subject_key(key: &[u8], identifiers: &str) -> String {
    use hmac::{Hmac, Mac};
    // An HMAC accepts keys of any length; this cannot fail.
    let mut mac = match <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(identifiers.as_bytes());
    chain::hex(&mac.finalize().into_bytes())
}

/// Reads the deployment's identifier key: `BRIGHTLINE_HMAC_KEY` (64 hex
/// digits) if set, else `<dir>/hmac.key`, created with 256 random bits on
/// first use (mode 0600).
pub fn load_or_create_key(dir: &std::path::Path) -> Result<Vec<u8>> {
    if let Ok(v) = std::env::var("BRIGHTLINE_HMAC_KEY") {
        return chain::unhex(v.trim())
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| {
                StoreError::Invalid("BRIGHTLINE_HMAC_KEY must be at least 64 hex digits".into())
            });
    }
    let path = dir.join("hmac.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return chain::unhex(text.trim())
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{} does not hold a key of at least 64 hex digits",
                    path.display()
                ))
            });
    }
    std::fs::create_dir_all(dir)?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    use std::io::Write;
    f.write_all(chain::hex(&key).as_bytes())?;
    f.sync_all()?;
    Ok(key.to_vec())
}
