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
pub mod checkpoint;
pub mod merkle;
pub mod privacy;
mod seal;

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
pub use checkpoint::{Checkpoint, LogKey, Signed};
use merkle::{Hash, Tree};
pub use tokens::{Role, TokenInfo};

/// Errors of the store. Messages are for operators; none carries a token or identifier.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", pg_detail(.0))]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the decision log writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
    /// The request contradicts the state of the store (the last admin token).
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The server's own message where there is one: the client error alone says only "db error".
fn pg_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}

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
    /// A sealed body, decrypted (`None`: not sealed, or its key was erased).
    #[serde(skip)]
    pub plain: Option<String>,
}

impl Entry {
    /// The body's contents: a sealed body decrypted, an erased one as
    /// `{"erased": true, "index": …}`.
    pub fn body_json(&self) -> serde_json::Value {
        if let Some(p) = &self.plain {
            return serde_json::from_str(p).unwrap_or(serde_json::Value::Null);
        }
        if privacy::is_envelope(&self.body) {
            return privacy::erased_view(&self.body);
        }
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The bytes the chain hash and the Merkle leaf cover.
    pub fn bytes(&self) -> Vec<u8> {
        chain::entry_bytes(
            &self.prev_hash,
            self.seq,
            &self.kind,
            &self.logged_at,
            &self.token_id,
            &self.law_hash,
            &self.engine_version,
            &self.body,
        )
    }

    /// Whether the body is sealed and its key is gone.
    pub fn erased(&self) -> bool {
        self.plain.is_none() && privacy::is_envelope(&self.body)
    }
}

/// An entry ready for its transaction: the stored (canonical, maybe sealed)
/// body, and the key of a sealed one.
pub(crate) type Prepared = (NewEntry, String, Option<[u8; 32]>);

/// What an append returns once the entry is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub seq: i64,
    /// The entry's leaf in the Merkle tree: `seq - 1`.
    pub leaf_index: u64,
    pub logged_at: String,
    pub entry_hash: String,
}

/// An inclusion proof (RFC 9162 § 2.1.3) of one entry in a signed checkpoint's tree.
#[derive(Clone, Debug)]
pub struct Inclusion {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: Hash,
    pub proof: Vec<Hash>,
    pub checkpoint: Signed,
}

/// What `erase` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Erased {
    Erased,
    AlreadyErased,
    NoSuchEntry,
    /// The entry's body holds no personal facts under a key of its own.
    NotSealed,
    TooRecent {
        logged_at: String,
        retention_days: u32,
    },
}

/// `now - days`, in the format of `logged_at`.
fn cutoff(days: u32) -> Result<String> {
    Ok(stamp(
        time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days)),
    ))
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
    /// The Merkle root (base64) of the entries walked, as a checkpoint would carry it.
    pub root: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BadEntry {
    pub seq: i64,
    pub problem: String,
}

/// One backend connection. Each method is one statement or one transaction.
pub(crate) trait Conn: Send {
    /// Appends a batch in one transaction; with a seal, extends the tree, signs
    /// it and stores the signed checkpoint in that same transaction.
    fn append(
        &mut self,
        batch: &[Prepared],
        now: &str,
        seal: Option<&seal::Seal>,
    ) -> Result<(Vec<Appended>, Option<Signed>)>;
    /// The log's own last signed checkpoint: (tree size, signed note).
    fn checkpoint_row(&mut self) -> Result<Option<(i64, String)>>;
    /// Stores a checkpoint signed outside an append, if the log still ends at its size.
    fn save_checkpoint(&mut self, size: i64, note: &str) -> Result<bool>;
    /// The keys (hex) of the sealed entries among `seqs` that still have one.
    fn keys_for(&mut self, seqs: &[i64]) -> Result<Vec<(i64, String)>>;
    /// Destroys an entry's key; false if it had none.
    fn erase_key(&mut self, seq: i64) -> Result<bool>;
    /// Sealed decisions logged before `cutoff` whose keys remain.
    fn keyed_before(&mut self, cutoff: &str) -> Result<Vec<i64>>;
    fn get(&mut self, seq: i64) -> Result<Option<Entry>>;
    fn list(&mut self, q: &ListQuery) -> Result<Vec<Entry>>;
    /// Entries (actions, and decisions that supersede) whose `ref_seq` is one of `decisions`.
    fn referring(&mut self, decisions: &[i64]) -> Result<Vec<Entry>>;
    /// The first entry of `kind` that `token_id` logged with the idempotency key `key`.
    fn find_request_key(&mut self, token_id: &str, kind: &str, key: &str) -> Result<Option<i64>>;
    /// Whether the idempotency-key index has yet to take in the entries logged before it existed.
    fn request_keys_pending(&mut self) -> Result<bool>;
    /// Takes in those entries' keys and marks the index complete (once: a
    /// second caller finds it marked and adds nothing).
    fn fill_request_keys(&mut self, rows: &[RequestKeyRow]) -> Result<()>;
    fn scan(&mut self, after: i64, limit: i64) -> Result<Vec<Entry>>;
    fn decisions_between(&mut self, from: &str, to: &str) -> Result<Vec<Entry>>;
    fn head(&mut self) -> Result<(i64, String)>;
    fn count(&mut self) -> Result<i64>;
    fn insert_token(&mut self, t: &TokenInfo, hash: &str) -> Result<()>;
    fn find_token(&mut self, hash: &str) -> Result<Option<TokenInfo>>;
    fn list_tokens(&mut self) -> Result<Vec<TokenInfo>>;
    /// Revokes, unless it is the last admin token not revoked (then returns it unrevoked).
    fn revoke_token(&mut self, id: &str, now: &str) -> Result<Option<TokenInfo>>;
    /// Sets the role, unless that takes the role from the last admin token (then returns it unchanged).
    fn set_role(&mut self, id: &str, role: Role) -> Result<Option<TokenInfo>>;
}

/// (idempotency key, token id, entry kind, seq) of one logged entry.
pub(crate) type RequestKeyRow = (String, String, String, i64);

/// The idempotency key an entry's body carries (`request_key`: a keyed hash
/// scoped to the token; see the server's `actions::request_key`).
pub(crate) fn request_key_of(body: &serde_json::Value) -> Option<&str> {
    body.get("request_key").and_then(serde_json::Value::as_str)
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
    seal: Option<Arc<seal::Seal>>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    handle: Mutex<Option<thread::JoinHandle<()>>>,
    backend: &'static str,
    pub stats: Arc<Stats>,
}

/// Most entries one transaction takes; more wait for the next commit.
const MAX_BATCH: usize = 1024;

impl Store {
    /// Opens (and creates, if new) the log. Appends are not signed.
    pub fn open(loc: &Location) -> Result<Store> {
        Store::open_with(loc, None)
    }

    /// Opens (and creates, if new) the log and signs a checkpoint of it with
    /// `key` at once and after every committed batch.
    pub fn open_signed(loc: &Location, key: LogKey) -> Result<Store> {
        Store::open_with(loc, Some(key))
    }

    // Long on purpose: open, migrate, index older entries and start the writer, in that order, on the connection the steps share.
    fn open_with(loc: &Location, key: Option<LogKey>) -> Result<Store> {
        let (factory, backend): (Factory, &'static str) = match loc.clone() {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    if !dir.as_os_str().is_empty() {
                        create_private_dir(dir)?;
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
        let seal = match key {
            Some(key) => {
                let mut tree = Tree::new();
                let mut lease = pool.get()?;
                let c = lease.conn();
                loop {
                    let page = c.scan(tree.size() as i64, 5000)?;
                    if page.is_empty() {
                        break;
                    }
                    seal::extend_with(&mut tree, &page)?;
                }
                let (head, _) = c.head()?;
                if head != tree.size() as i64 {
                    return Err(StoreError::Invalid(format!(
                        "the log's head says entry {head} but its entries end at {}; run `brightline log verify`",
                        tree.size()
                    )));
                }
                // Never sign over a log that no longer extends what this key signed.
                if let Some((size, note)) = c.checkpoint_row()? {
                    let own = checkpoint::open(&note, &key.verifier).map_err(|e| {
                        StoreError::Invalid(format!(
                            "the log's own checkpoint: {e}; run `brightline log verify`"
                        ))
                    })?;
                    if own.size != size as u64
                        || own.size > tree.size()
                        || tree.root(own.size)? != own.root
                    {
                        return Err(StoreError::Invalid(format!(
                            "the log does not extend its own last signed checkpoint ({} entries): it was rewritten or rolled back; refusing to sign it (run `brightline log verify --public-key …`)",
                            own.size
                        )));
                    }
                    // Entries since are signed only if no decision or action is
                    // among them: those are written by a signing service alone.
                    let mut after = own.size as i64;
                    loop {
                        let page = c.scan(after, 5000)?;
                        let Some(last) = page.last() else { break };
                        after = last.seq;
                        seal::only_admin(&page)?;
                    }
                }
                let s = seal::Seal::new(key, tree);
                let signed = s.sign_current()?;
                c.save_checkpoint(signed.checkpoint.size as i64, &signed.note)?;
                s.publish(signed);
                Some(Arc::new(s))
            }
            None => None,
        };
        let stats = Arc::new(Stats::default());
        let (tx, rx) = mpsc::channel::<Job>();
        let st = stats.clone();
        let ws = seal.clone();
        let handle = thread::Builder::new()
            .name("brightline-log-writer".into())
            .spawn(move || writer_loop(Some(wconn), &make, rx, &st, ws.as_deref()))?;
        let store = Store {
            pool,
            seal,
            writer: Mutex::new(Some(tx)),
            handle: Mutex::new(Some(handle)),
            backend,
            stats,
        };
        store.fill_request_keys()?;
        Ok(store)
    }

    /// Once per log: indexes the idempotency keys of the entries logged before
    /// the index existed (decisions are sealed, so they are read decrypted; a
    /// body whose key was erased has none to give).
    ///
    /// One connection of its own, closed after: opening leaves no idle
    /// connection in the pool (one a database restart could leave dead).
    fn fill_request_keys(&self) -> Result<()> {
        let mut lease = self.pool.get()?;
        let r = (|| {
            let c = lease.conn();
            if !c.request_keys_pending()? {
                return Ok(());
            }
            let mut rows = Vec::new();
            let mut after = 0;
            loop {
                let mut page = c.scan(after, 5000)?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                let sealed: Vec<i64> = page
                    .iter()
                    .filter(|e| privacy::is_envelope(&e.body))
                    .map(|e| e.seq)
                    .collect();
                let keys: std::collections::HashMap<i64, String> = if sealed.is_empty() {
                    Default::default()
                } else {
                    c.keys_for(&sealed)?.into_iter().collect()
                };
                for e in page.iter_mut() {
                    if let Some(k) = keys.get(&e.seq).and_then(|k| chain::unhex(k)) {
                        e.plain = privacy::open(&e.body, &k);
                    }
                    if let Some(k) = request_key_of(&e.body_json()) {
                        rows.push((k.to_string(), e.token_id.clone(), e.kind.clone(), e.seq));
                    }
                }
            }
            c.fill_request_keys(&rows)
        })();
        lease.discard();
        r
    }

    /// The first entry of `kind` (`decision`, `action`) that `token_id` logged
    /// with the idempotency key `key` (as stored: `request_key`), however long
    /// ago: an index lookup, not a scan.
    pub fn by_request_key(&self, token_id: &str, kind: &str, key: &str) -> Result<Option<Entry>> {
        match self.with(|c| c.find_request_key(token_id, kind, key))? {
            Some(seq) => self.get(seq),
            None => Ok(None),
        }
    }

    /// Opens an existing log for reading only (SQLite `mode=ro`; PostgreSQL
    /// sessions whose transactions are read-only): `verify` writes nothing.
    pub fn open_read_only(loc: &Location) -> Result<Store> {
        let (factory, backend): (Factory, &'static str) = match loc.clone() {
            Location::Sqlite(path) => (
                Arc::new(move || sqlite::connect_ro(&path).map(|c| Box::new(c) as Box<dyn Conn>)),
                "sqlite",
            ),
            Location::Postgres { conn, schema } => (
                Arc::new(move || {
                    pg::connect_ro(&conn, schema.as_deref()).map(|c| Box::new(c) as Box<dyn Conn>)
                }),
                "postgres",
            ),
        };
        // Fail here, not at the first read, if the log cannot be opened.
        drop(factory()?);
        Ok(Store {
            pool: pool::Pool::new(factory),
            seal: None,
            writer: Mutex::new(None),
            handle: Mutex::new(None),
            backend,
            stats: Arc::new(Stats::default()),
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
        let mut e: Vec<Entry> = self.with(|c| c.get(seq))?.into_iter().collect();
        self.unseal(&mut e)?;
        Ok(e.pop())
    }
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Entry>> {
        let mut e = self.with(|c| c.list(q))?;
        self.unseal(&mut e)?;
        Ok(e)
    }

    /// Decrypts the sealed bodies whose keys remain.
    fn unseal(&self, entries: &mut [Entry]) -> Result<()> {
        let seqs: Vec<i64> = entries
            .iter()
            .filter(|e| privacy::is_envelope(&e.body))
            .map(|e| e.seq)
            .collect();
        if seqs.is_empty() {
            return Ok(());
        }
        let keys: std::collections::HashMap<i64, String> =
            self.with(|c| c.keys_for(&seqs))?.into_iter().collect();
        for e in entries.iter_mut() {
            if let Some(k) = keys.get(&e.seq).and_then(|k| chain::unhex(k)) {
                e.plain = privacy::open(&e.body, &k);
            }
        }
        Ok(())
    }

    /// Destroys the key of decision `seq` if it was logged at least
    /// `retention_days` ago, so that its personal facts can never be read
    /// again; its hashes, and so every proof and checkpoint, stay valid. The
    /// erasure is itself an entry of the log, by `actor`.
    pub fn erase(&self, actor: &str, seq: i64, retention_days: u32) -> Result<Erased> {
        let Some(e) = self.with(|c| c.get(seq))? else {
            return Ok(Erased::NoSuchEntry);
        };
        if !privacy::is_envelope(&e.body) {
            return Ok(Erased::NotSealed);
        }
        let cutoff = cutoff(retention_days)?;
        if e.logged_at.as_str() >= cutoff.as_str() {
            return Ok(Erased::TooRecent {
                logged_at: e.logged_at,
                retention_days,
            });
        }
        if !self.with(|c| c.erase_key(seq))? {
            return Ok(Erased::AlreadyErased);
        }
        self.append(NewEntry {
            kind: "erasure".into(),
            token_id: actor.to_string(),
            law_hash: String::new(),
            engine_version: String::new(),
            body: serde_json::json!({ "entry": seq, "retention_days": retention_days }),
        })
        .map_err(|err| {
            StoreError::Invalid(format!(
                "entry {seq}'s key was destroyed, but the erasure could not be logged: {err}"
            ))
        })?;
        Ok(Erased::Erased)
    }

    /// The sealed decisions older than `retention_days` whose keys remain.
    pub fn expired(&self, retention_days: u32) -> Result<Vec<i64>> {
        let cutoff = cutoff(retention_days)?;
        self.with(|c| c.keyed_before(&cutoff))
    }
    /// Action entries that refer to any of `decisions`, in sequence order.
    pub fn actions_for(&self, decisions: &[i64]) -> Result<Vec<Entry>> {
        if decisions.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .referring(decisions)?
            .into_iter()
            .filter(|e| e.kind == "action")
            .collect())
    }
    /// Entries that refer to any of `decisions`: their actions, and the
    /// decisions that supersede them, in sequence order.
    pub fn referring(&self, decisions: &[i64]) -> Result<Vec<Entry>> {
        if decisions.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|c| c.referring(decisions))
    }
    /// Entries with `seq > after`, in order.
    pub fn scan(&self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let mut e = self.with(|c| c.scan(after, limit))?;
        self.unseal(&mut e)?;
        Ok(e)
    }
    /// Decision entries whose request date is in `[from, to]` (YYYY-MM-DD).
    pub fn decisions_between(&self, from: &str, to: &str) -> Result<Vec<Entry>> {
        let mut e = self.with(|c| c.decisions_between(from, to))?;
        self.unseal(&mut e)?;
        Ok(e)
    }
    pub fn head(&self) -> Result<(i64, String)> {
        self.with(|c| c.head())
    }
    pub fn count(&self) -> Result<i64> {
        self.with(|c| c.count())
    }

    /// The latest checkpoint this process signed (`None` without a signing key).
    pub fn checkpoint(&self) -> Option<Signed> {
        self.seal.as_ref().and_then(|s| s.latest())
    }

    /// The public key of the signing key, if the store signs.
    pub fn public_key(&self) -> Option<String> {
        use checkpoint::Verifier;
        self.seal.as_ref().map(|s| {
            let v = &s.key().verifier;
            format!("{}+{:08x}", v.name(), v.key_id())
        })
    }

    /// The log's own last stored checkpoint: (tree size, signed note).
    pub fn stored_checkpoint(&self) -> Result<Option<(i64, String)>> {
        self.with(|c| c.checkpoint_row())
    }

    /// An inclusion proof of entry `seq` in the tree of the latest signed checkpoint.
    pub fn inclusion_proof(&self, seq: i64) -> Result<Inclusion> {
        let (seal, cp) = self.signed_state()?;
        let size = cp.checkpoint.size;
        if seq < 1 || seq as u64 > size {
            return Err(StoreError::Invalid(format!(
                "entry {seq} is not in the latest checkpoint (size {size})"
            )));
        }
        let index = seq as u64 - 1;
        let (leaf, proof) = seal.with_tree(|t| Ok((t.leaf(index)?, t.inclusion(index, size)?)))?;
        Ok(Inclusion {
            leaf_index: index,
            tree_size: size,
            leaf_hash: leaf,
            proof,
            checkpoint: cp,
        })
    }

    /// A consistency proof between two tree sizes, the larger at most the latest checkpoint's.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>> {
        let (seal, cp) = self.signed_state()?;
        if to > cp.checkpoint.size || from > to {
            return Err(StoreError::Invalid(format!(
                "no proof from {from} to {to}: sizes must satisfy from <= to <= {} (the latest checkpoint)",
                cp.checkpoint.size
            )));
        }
        seal.with_tree(|t| t.consistency(from, to))
    }

    fn signed_state(&self) -> Result<(&seal::Seal, Signed)> {
        let seal = self.seal.as_deref().ok_or_else(|| {
            StoreError::Invalid(
                "this service signs no checkpoints (start it with --signing-key)".into(),
            )
        })?;
        let cp = seal
            .latest()
            .ok_or_else(|| StoreError::Invalid("no checkpoint signed yet".into()))?;
        Ok((seal, cp))
    }

    /// Signs a checkpoint of the log as it is, after checking that the log is
    /// sound and consistent with its own last signed checkpoint (so that a log
    /// edited behind the service is never signed).
    pub fn sign_now(&self, key: &LogKey) -> Result<std::result::Result<Signed, Verification>> {
        let (v, tree) = self.verify_with(&key.verifier, None)?;
        if !v.ok {
            return Ok(Err(v));
        }
        let signed = checkpoint::sign(&key.signer, tree.size(), tree.root(tree.size())?)?;
        Ok(Ok(signed))
    }

    /// `verify`, and then against signed checkpoints: the log's own last one
    /// (which every entry must be covered by) and, if given, one kept outside
    /// (whose first `size` entries must still hash to its root).
    pub fn verify_against(
        &self,
        key: &checkpoint::StandardVerifierKey,
        external: Option<&Checkpoint>,
    ) -> Result<Verification> {
        Ok(self.verify_with(key, external)?.0)
    }

    // Long on purpose: one pass over the chain and the stored checkpoints; every check reads the running state of the pass.
    fn verify_with(
        &self,
        key: &checkpoint::StandardVerifierKey,
        external: Option<&Checkpoint>,
    ) -> Result<(Verification, Tree)> {
        let (mut v, tree) = self.walk()?;
        let n = tree.size();
        let fail = |v: &mut Verification, seq: i64, problem: String| {
            v.ok = false;
            v.first_bad = Some(BadEntry { seq, problem });
        };
        if let Some(cp) = external {
            if n < cp.size && v.ok {
                let what = if n == 0 {
                    "wiped: it holds no entries".to_string()
                } else {
                    format!("truncated or rolled back to an older copy: it holds {n} entries")
                };
                fail(
                    &mut v,
                    n as i64 + 1,
                    format!(
                        "the log was {what}, but the checkpoint signed for {} commits to {} entries",
                        cp.origin, cp.size
                    ),
                );
            } else if n >= cp.size && tree.root(cp.size)? != cp.root {
                // Even a broken chain is reported as a rewrite of the signed part, which is graver.
                fail(
                    &mut v,
                    1,
                    format!(
                        "rewritten: the first {} entries no longer hash to the root of the checkpoint signed for {} (an entry up to {} was edited, inserted, deleted or reordered, and the chain recomputed)",
                        cp.size, cp.origin, cp.size
                    ),
                );
            }
        }
        if !v.ok {
            return Ok((v, tree));
        }
        match self.stored_checkpoint()? {
            None if n == 0 => {}
            None => fail(
                &mut v,
                1,
                format!("entries 1 to {n} are covered by no signed checkpoint: the log holds none (run `brightline serve --signing-key`), or it was removed"),
            ),
            Some((size, note)) => match checkpoint::open(&note, key) {
                Err(e) => fail(&mut v, size.max(1), format!("the log's own checkpoint: {e}")),
                Ok(own) if own.size != size as u64 => fail(
                    &mut v,
                    size.max(1),
                    "the log's own checkpoint row does not match its signed size (edited)".into(),
                ),
                Ok(own) if own.size > n => fail(
                    &mut v,
                    n as i64 + 1,
                    format!(
                        "the log holds {n} entries but its own signed checkpoint commits to {}: entries were removed (truncated, rolled back or wiped)",
                        own.size
                    ),
                ),
                Ok(own) if tree.root(own.size)? != own.root => fail(
                    &mut v,
                    1,
                    format!(
                        "rewritten: the first {} entries no longer hash to the root of the log's own signed checkpoint",
                        own.size
                    ),
                ),
                Ok(own) if own.size < n => {
                    // Token administration by the CLI waits for the service's
                    // next checkpoint; any other entry there was not written by it.
                    let mut after = own.size as i64;
                    loop {
                        let page = self.scan(after, 5000)?;
                        let Some(last) = page.last() else { break };
                        after = last.seq;
                        if let Err(e) = seal::only_admin(&page) {
                            let seq = page
                                .iter()
                                .find(|e| e.kind != "token" && e.kind != "erasure")
                                .map(|e| e.seq)
                                .unwrap_or(after);
                            fail(&mut v, seq, format!("{e}; the log's own checkpoint covers entries 1 to {}", own.size));
                            break;
                        }
                    }
                }
                Ok(_) => {}
            },
        }
        Ok((v, tree))
    }

    /// Walks the whole chain and names the first entry that breaks it.
    pub fn verify(&self) -> Result<Verification> {
        Ok(self.walk()?.0)
    }

    /// The chain walk of `verify`, which also builds the Merkle tree of the entries it passed.
    // Long on purpose: one pass over the chain; every check reads the running state (previous hash, expected sequence, the tree so far).
    fn walk(&self) -> Result<(Verification, Tree)> {
        let mut tree = Tree::new();
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
            root: String::new(),
        };
        // Walk from the lowest sequence number there is, so that a row numbered
        // below 1 shows, and stop at the head read above: entries appended
        // while the walk runs belong to the next verification.
        let mut after = i64::MIN;
        'walk: loop {
            // Stored bodies as hashed: sealed ones stay sealed.
            let page = self.with(|c| c.scan(after, 5000))?;
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
                    return Ok((
                        bad(
                            e.seq,
                            format!(
                                "entry {} is out of the sequence, which starts at 1 (inserted)",
                                e.seq
                            ),
                            entries,
                        ),
                        tree,
                    ));
                }
                if e.seq != expect {
                    return Ok((
                        bad(
                            expect,
                            format!(
                                "entry {expect} is missing (deleted); the next entry is {}",
                                e.seq
                            ),
                            entries,
                        ),
                        tree,
                    ));
                }
                if e.prev_hash != prev {
                    return Ok((bad(
                        e.seq,
                        format!("entry {} does not follow entry {} (an entry was inserted, deleted or moved before it)", e.seq, e.seq - 1),
                        entries,
                    ), tree));
                }
                let body: serde_json::Value = match serde_json::from_str(&e.body) {
                    Ok(v) => v,
                    Err(_) => {
                        return Ok((
                            bad(
                                e.seq,
                                format!("entry {} has a body that is not JSON (edited)", e.seq),
                                entries,
                            ),
                            tree,
                        ))
                    }
                };
                let bytes = e.bytes();
                let h = chain::hash_hex(&bytes);
                if h != e.entry_hash {
                    return Ok((
                        bad(
                            e.seq,
                            format!("entry {}'s contents do not match its hash (edited)", e.seq),
                            entries,
                        ),
                        tree,
                    ));
                }
                if meta_of(&e.kind, &body) != e.meta {
                    return Ok((
                        bad(
                            e.seq,
                            format!(
                                "entry {}'s index columns do not match its contents (edited)",
                                e.seq
                            ),
                            entries,
                        ),
                        tree,
                    ));
                }
                tree.push(tlog_tiles::record_hash(&bytes))?;
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
                return Ok((
                    bad(
                        e.seq,
                        format!(
                            "entry {} lies beyond the head, entry {later} (inserted)",
                            e.seq
                        ),
                        entries,
                    ),
                    tree,
                ));
            }
        }
        if last != head_seq || prev != head_hash {
            let problem = if last < head_seq {
                format!("the log ends at entry {last} but its head says {head_seq} (entries deleted from the end)")
            } else {
                format!("the head (entry {head_seq}) does not match the last entry {last}")
            };
            return Ok((bad(last.min(head_seq) + 1, problem, entries), tree));
        }
        let root = tree.root(tree.size())?.to_string();
        Ok((
            Verification {
                ok: true,
                entries,
                head_seq,
                head_hash: head_hash.clone(),
                first_bad: None,
                root,
            },
            tree,
        ))
    }

    // ---- tokens

    /// Creates a token by the operator (the CLI, the first start of `serve`).
    pub fn create_token(&self, name: &str, role: Role) -> Result<(TokenInfo, String)> {
        self.create_token_by(OPERATOR, name, role)
    }

    /// Creates a token; returns its public info and the secret (shown once).
    /// The creation is an entry of the chained log, made by `actor` (a token
    /// id, or `operator`); a token whose creation could not be logged is
    /// revoked again and the call fails.
    pub fn create_token_by(
        &self,
        actor: &str,
        name: &str,
        role: Role,
    ) -> Result<(TokenInfo, String)> {
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
        let logged = self.append(admin_entry(
            actor,
            json_obj(&[
                ("event", "create".into()),
                ("id", info.id.clone().into()),
                ("name", info.name.clone().into()),
                ("role", role.as_str().into()),
            ]),
        ));
        if let Err(e) = logged {
            let n = now();
            let _ = self.with(|c| c.revoke_token(&info.id, &n));
            return Err(StoreError::Invalid(format!(
                "the token was not created: its creation could not be logged: {e}"
            )));
        }
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
    /// Revokes a token by the operator; see `revoke_token_by`.
    pub fn revoke_token(&self, id: &str) -> Result<Option<TokenInfo>> {
        self.revoke_token_by(OPERATOR, id)
    }

    /// Revokes a token; `None` if there is no such token. The last admin token
    /// that is not revoked cannot be (no one could manage tokens after it). The
    /// revocation is an entry of the chained log; it stands even if that entry
    /// could not be written, and the call then fails saying so.
    pub fn revoke_token_by(&self, actor: &str, id: &str) -> Result<Option<TokenInfo>> {
        let n = now();
        let before = self.with(|c| c.list_tokens())?;
        let Some(old) = before.iter().find(|t| t.id == id) else {
            return Ok(None);
        };
        if old.revoked_at.is_some() {
            return Ok(Some(old.clone()));
        }
        let t = self.with(|c| c.revoke_token(id, &n))?;
        if let Some(t) = &t {
            if t.revoked_at.is_none() {
                return Err(StoreError::Conflict(format!(
                    "{id} is the last admin token; create another admin token before revoking it"
                )));
            }
            self.append(admin_entry(
                actor,
                json_obj(&[("event", "revoke".into()), ("id", id.into())]),
            ))
            .map_err(|e| {
                StoreError::Invalid(format!(
                    "{id} was revoked, but the revocation could not be logged: {e}"
                ))
            })?;
        }
        Ok(t)
    }

    /// Changes a token's role (an entry of the chained log). The last admin
    /// token cannot lose its role.
    pub fn set_role_by(&self, actor: &str, id: &str, role: Role) -> Result<Option<TokenInfo>> {
        let t = self.with(|c| c.set_role(id, role))?;
        if let Some(t) = &t {
            if t.role != role {
                return Err(StoreError::Conflict(format!(
                    "{id} is the last admin token; create another admin token before changing its role"
                )));
            }
            self.append(admin_entry(
                actor,
                json_obj(&[
                    ("event", "role".into()),
                    ("id", id.into()),
                    ("role", role.as_str().into()),
                ]),
            ))
            .map_err(|e| {
                StoreError::Invalid(format!(
                    "{id}'s role was changed, but the change could not be logged: {e}"
                ))
            })?;
        }
        Ok(t)
    }
}

/// Who the CLI and the first start of `serve` act as in token entries.
pub const OPERATOR: &str = "operator";

fn json_obj(fields: &[(&str, serde_json::Value)]) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// A token-administration entry: kind `token`, by `actor`.
fn admin_entry(actor: &str, body: serde_json::Value) -> NewEntry {
    NewEntry {
        kind: "token".into(),
        token_id: actor.to_string(),
        law_hash: String::new(),
        engine_version: String::new(),
        body,
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
// Long on purpose: the writer thread's loop: batching, commit, reconnection and acknowledgement share one connection and one queue.
fn writer_loop(
    mut conn: Option<Box<dyn Conn>>,
    make: &Factory,
    rx: mpsc::Receiver<Job>,
    stats: &Stats,
    seal: Option<&seal::Seal>,
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
        // Seal what holds personal facts; a job that cannot be sealed fails alone.
        let mut batch: Vec<Prepared> = Vec::with_capacity(jobs.len());
        let mut kept = Vec::with_capacity(jobs.len());
        for j in jobs {
            let e = j.entry.clone();
            if privacy::is_sealed_kind(&e.kind) {
                match privacy::seal(&meta_of(&e.kind, &e.body), &e.body) {
                    Ok((body, key)) => batch.push((e, body, Some(key))),
                    Err(err) => {
                        (j.done)(Err(err));
                        continue;
                    }
                }
            } else {
                let body = chain::canonical(&e.body);
                batch.push((e, body, None));
            }
            kept.push(j);
        }
        let jobs = kept;
        if jobs.is_empty() {
            continue;
        }
        let fresh = match conn.take() {
            Some(c) => Ok(c),
            None => make(),
        };
        let base = seal.map(|s| s.size());
        let result = match fresh {
            Ok(mut c) => {
                let r = c.append(&batch, &now(), seal);
                if r.is_ok() {
                    conn = Some(c);
                }
                r
            }
            Err(e) => Err(e),
        };
        let result = match (result, seal) {
            (Ok((done, signed)), Some(s)) => {
                if let Some(signed) = signed {
                    s.publish(signed);
                }
                Ok(done)
            }
            (Ok((done, _)), None) => Ok(done),
            (Err(e), s) => {
                // The leaves of a batch that did not commit leave the tree.
                if let (Some(s), Some(b)) = (s, base) {
                    s.truncate(b);
                }
                Err(e)
            }
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
    stamp(time::OffsetDateTime::now_utc())
}

/// A time as `logged_at` holds it: RFC 3339 UTC with microseconds.
fn stamp(t: time::OffsetDateTime) -> String {
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
    load_or_create_key_file(&dir.join("hmac.key"))
}

/// Where the identifier key goes when no `--identifier-key` is given: beside
/// the data folder, not in it (`brightline-data` → `brightline-data.identifier.key`),
/// so that a copy of the data folder does not carry the key that would let its
/// holder test guesses of booking numbers against the keyed hashes.
pub fn default_identifier_key(data: &std::path::Path) -> std::path::PathBuf {
    // `.` or `dir/..` name no folder of their own: resolve them first, or the
    // key would land inside the data folder after all.
    let base = match data.file_name() {
        Some(_) if !data.ends_with("..") => data.to_path_buf(),
        _ => data.canonicalize().unwrap_or_else(|_| data.to_path_buf()),
    };
    let name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "brightline-data".into());
    base.with_file_name(format!("{name}.identifier.key"))
}

/// The identifier key for `serve`: `BRIGHTLINE_HMAC_KEY`, else `file`, else
/// the default beside the data folder. A key an older version left inside the
/// data folder (`<data>/hmac.key`) is still used, with a warning, so that
/// subject keys stay comparable, until it is moved out.
pub fn identifier_key(data: &std::path::Path, file: Option<&std::path::Path>) -> Result<Vec<u8>> {
    if let Some(f) = file {
        return load_or_create_key_file(f);
    }
    let default = default_identifier_key(data);
    let legacy = data.join("hmac.key");
    if std::env::var_os("BRIGHTLINE_HMAC_KEY").is_none() && !default.exists() && legacy.exists() {
        eprintln!(
            "brightline: warning: the identifier key is inside the data folder ({}); move it out (for example to {}) and pass --identifier-key",
            legacy.display(),
            default.display()
        );
        return load_or_create_key_file(&legacy);
    }
    load_or_create_key_file(&default)
}

/// Reads an identifier key file (64+ hex digits), or creates it with 256
/// random bits (mode 0600) if it does not exist; `BRIGHTLINE_HMAC_KEY` wins.
pub fn load_or_create_key_file(path: &std::path::Path) -> Result<Vec<u8>> {
    if let Ok(v) = std::env::var("BRIGHTLINE_HMAC_KEY") {
        return chain::unhex(v.trim())
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| {
                StoreError::Invalid("BRIGHTLINE_HMAC_KEY must be at least 64 hex digits".into())
            });
    }
    if let Ok(text) = std::fs::read_to_string(path) {
        return chain::unhex(text.trim())
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{} does not hold a key of at least 64 hex digits",
                    path.display()
                ))
            });
    }
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            create_private_dir(dir)?;
        }
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    checkpoint::write_new(path, &chain::hex(&key), 0o600)?;
    Ok(key.to_vec())
}

/// Creates a folder (and its parents) that only its owner may enter (0700 on Unix).
pub fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    Ok(())
}
