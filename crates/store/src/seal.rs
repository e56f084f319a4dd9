//! The sealing half of the writer: it keeps the Merkle tree of the log in
//! memory, extends it inside every append transaction and signs the new tree
//! head there, so that the checkpoint row the transaction writes covers
//! exactly what it commits. A crash loses neither: both commit or neither does.

use std::sync::RwLock;

use crate::checkpoint::{self, Signed};
use crate::merkle::{leaf_of, Hash, Tree};
use crate::{Entry, Result, StoreError};

pub(crate) struct Seal {
    key: checkpoint::LogKey,
    tree: RwLock<Tree>,
    latest: RwLock<Option<Signed>>,
}

/// Reads the entries numbered `after + 1 ..= upto` (in the caller's transaction).
pub(crate) type Fetch<'a> = dyn FnMut(i64, i64) -> Result<Vec<Entry>> + 'a;

fn poisoned() -> StoreError {
    StoreError::Invalid("the Merkle tree's lock was poisoned by a panic".into())
}

/// Pushes `entries` (which must continue the tree without a gap) as leaves.
pub(crate) fn extend_with(tree: &mut Tree, entries: &[Entry]) -> Result<()> {
    for e in entries {
        let want = tree.size() as i64 + 1;
        if e.seq != want {
            return Err(StoreError::Invalid(format!(
                "the log has no entry {want} (the next is {}): it was edited; run `brightline log verify`",
                e.seq
            )));
        }
        tree.push(leaf_of(e))?;
    }
    Ok(())
}

/// Entries appended without the signing key are accepted under a signature
/// only if they are token administration or erasures (the CLI writes those); a decision or
/// an action there was not written by a signing service: forged.
pub(crate) fn only_admin(entries: &[Entry]) -> Result<()> {
    match entries
        .iter()
        .find(|e| e.kind != "token" && e.kind != "erasure")
    {
        None => Ok(()),
        Some(e) => Err(StoreError::Invalid(format!(
            "entry {} (a {}) was appended without the signing key and no signed checkpoint covers it: forged, or written by a service without --signing-key; the service refuses to sign it (run `brightline log verify --public-key …`)",
            e.seq, e.kind
        ))),
    }
}

impl Seal {
    pub fn new(key: checkpoint::LogKey, tree: Tree) -> Seal {
        Seal {
            key,
            tree: RwLock::new(tree),
            latest: RwLock::new(None),
        }
    }

    pub fn size(&self) -> u64 {
        self.tree.read().map(|t| t.size()).unwrap_or(0)
    }

    pub fn key(&self) -> &checkpoint::LogKey {
        &self.key
    }

    /// Signs the tree as it is (at start, before any append).
    pub fn sign_current(&self) -> Result<Signed> {
        let t = self.tree.read().map_err(|_| poisoned())?;
        checkpoint::sign(&self.key.signer, t.size(), t.root(t.size())?)
    }

    /// Fails if the log is shorter than the tree this service signed: entries
    /// were removed under it. Checked before anything is written.
    pub fn check_head(&self, head: i64) -> Result<()> {
        let size = self.size() as i64;
        if head < size {
            return Err(StoreError::Invalid(format!(
                "the log's head is entry {head}, but this service has already signed {size} entries: entries were removed (rolled back or cut) while it ran; it refuses to sign or append"
            )));
        }
        Ok(())
    }

    /// In an append transaction, with the head `head` read under its lock:
    /// takes in the entries other writers appended since this tree was last
    /// extended, then this batch's `leaves`, and signs the result. A log
    /// shorter than the tree already is has lost entries under a running
    /// service (a cut or a restored copy): nothing is signed and the batch fails.
    /// `own` reads the log's stored checkpoint: entries it does not cover must
    /// be token administration (`only_admin`); entries another instance
    /// appended are covered by the checkpoint it stored with them.
    pub fn extend(
        &self,
        head: i64,
        fetch: &mut Fetch<'_>,
        own: &mut dyn FnMut() -> Result<Option<(i64, String)>>,
        leaves: &[Hash],
    ) -> Result<Signed> {
        let mut t = self.tree.write().map_err(|_| poisoned())?;
        let size = t.size() as i64;
        if head < size {
            return Err(StoreError::Invalid(format!(
                "the log's head is entry {head}, but this service has already signed {size} entries: entries were removed (rolled back or cut) while it ran; it refuses to sign or append"
            )));
        }
        if head > size {
            let missing = fetch(size, head)?;
            let covered = match own()? {
                Some((_, note)) => {
                    checkpoint::open(&note, &self.key.verifier)
                        .map_err(|e| StoreError::Invalid(format!("the log's own checkpoint: {e}")))?
                        .size as i64
                }
                None => 0,
            };
            let uncovered: Vec<Entry> = missing
                .iter()
                .filter(|e| e.seq > covered)
                .cloned()
                .collect();
            only_admin(&uncovered)?;
            extend_with(&mut t, &missing)?;
            if t.size() as i64 != head {
                return Err(StoreError::Invalid(format!(
                    "the log's head says entry {head} but its entries end at {}; run `brightline log verify`",
                    t.size()
                )));
            }
        }
        for l in leaves {
            t.push(*l)?;
        }
        checkpoint::sign(&self.key.signer, t.size(), t.root(t.size())?)
    }

    /// Forgets leaves past `size` (the batch that added them did not commit).
    pub fn truncate(&self, size: u64) {
        if let Ok(mut t) = self.tree.write() {
            t.truncate(size);
        }
    }

    pub fn publish(&self, s: Signed) {
        if let Ok(mut l) = self.latest.write() {
            // Another thread may have published a larger tree meanwhile (open vs. first batch).
            if l.as_ref()
                .is_none_or(|old| old.checkpoint.size <= s.checkpoint.size)
            {
                *l = Some(s);
            }
        }
    }

    pub fn latest(&self) -> Option<Signed> {
        self.latest.read().ok().and_then(|l| l.clone())
    }

    pub fn with_tree<T>(&self, f: impl FnOnce(&Tree) -> Result<T>) -> Result<T> {
        let t = self.tree.read().map_err(|_| poisoned())?;
        f(&t)
    }
}
