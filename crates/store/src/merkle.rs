//! The log as an RFC 9162 Merkle tree (§ 2.1): leaf `i` is entry `i + 1`,
//! its hash SHA-256(0x00 || entry bytes), an interior node SHA-256(0x01 || left || right).
//!
//! The tree arithmetic, the proofs and their checks are those of `tlog_tiles`
//! (a port of Go's `golang.org/x/mod/sumdb/tlog`, the code behind Go's checksum
//! database); this module keeps the tree's stored hashes in memory, in the
//! dense order that crate defines, and names what a failed check means.

pub use tlog_tiles::{Hash, RecordProof};
use tlog_tiles::{HashReader, TreeProof};

use crate::{Entry, StoreError};

/// The leaf hash of an entry: the same length-prefixed fields its chain hash covers.
pub fn leaf_of(e: &Entry) -> Hash {
    tlog_tiles::record_hash(&e.bytes())
}

/// Every stored hash of a tree of `size` leaves (about two per leaf).
#[derive(Clone, Debug, Default)]
pub struct Tree {
    hashes: Vec<Hash>,
    size: u64,
}

impl HashReader for Tree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

fn tree_err(e: tlog_tiles::Error) -> StoreError {
    StoreError::Invalid(format!("Merkle tree: {e}"))
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash of leaf `index`.
    pub fn leaf(&self, index: u64) -> crate::Result<Hash> {
        if index >= self.size {
            return Err(StoreError::Invalid(format!("no leaf {index}")));
        }
        Ok(self.hashes[tlog_tiles::stored_hash_index(0, index) as usize])
    }

    /// Appends the next leaf.
    pub fn push(&mut self, leaf: Hash) -> crate::Result<()> {
        let new =
            tlog_tiles::stored_hashes_for_record_hash(self.size, leaf, self).map_err(tree_err)?;
        self.hashes.extend(new);
        self.size += 1;
        Ok(())
    }

    /// Forgets every leaf from `size` on (a batch whose commit failed).
    pub fn truncate(&mut self, size: u64) {
        if size < self.size {
            self.hashes
                .truncate(tlog_tiles::stored_hash_count(size) as usize);
            self.size = size;
        }
    }

    /// The root hash of the first `n` leaves.
    pub fn root(&self, n: u64) -> crate::Result<Hash> {
        if n > self.size {
            return Err(StoreError::Invalid(format!(
                "the tree has {} leaves, not {n}",
                self.size
            )));
        }
        tlog_tiles::tree_hash(n, self).map_err(tree_err)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `n` leaves.
    pub fn inclusion(&self, index: u64, n: u64) -> crate::Result<RecordProof> {
        if index >= n || n > self.size {
            return Err(StoreError::Invalid(format!(
                "no leaf {index} in a tree of {n} (the log has {})",
                self.size
            )));
        }
        tlog_tiles::prove_record(n, index, self).map_err(tree_err)
    }

    /// The consistency proof from the tree of `m` leaves to the tree of `n`.
    pub fn consistency(&self, m: u64, n: u64) -> crate::Result<TreeProof> {
        if m > n || n > self.size {
            return Err(StoreError::Invalid(format!(
                "no consistency proof from {m} to {n} leaves (the log has {})",
                self.size
            )));
        }
        if m == 0 {
            // Every tree extends the empty one; RFC 9162 defines no proof for it.
            return Ok(Vec::new());
        }
        tlog_tiles::prove_tree(n, m, self).map_err(tree_err)
    }
}

/// Checks that `leaf` is leaf `index` of the tree of `n` leaves whose root is `root`.
pub fn check_inclusion(proof: &[Hash], n: u64, root: Hash, index: u64, leaf: Hash) -> bool {
    index < n && tlog_tiles::check_record(&proof.to_vec(), n, root, index, leaf).is_ok()
}

/// Checks that the tree of `m` leaves with root `old` is a prefix of the tree of
/// `n` leaves with root `new`.
pub fn check_consistency(proof: &[Hash], m: u64, old: Hash, n: u64, new: Hash) -> bool {
    if m == 0 {
        return old == tlog_tiles::EMPTY_HASH;
    }
    if m > n {
        return false;
    }
    if m == n {
        return proof.is_empty() && old == new;
    }
    tlog_tiles::check_tree(&proof.to_vec(), n, new, m, old).is_ok()
}

/// Hashes as base64, the encoding checkpoints use.
pub fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_string).collect()
}

/// Parses base64 hashes; `None` if any is malformed.
pub fn parse_b64(items: &[String]) -> Option<Vec<Hash>> {
    items.iter().map(|s| Hash::parse_hash(s).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn leaf(i: u64) -> Hash {
        tlog_tiles::record_hash(&i.to_be_bytes())
    }

    /// RFC 9162 § 2.1.1 written out recursively, to check the stored-hash tree against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Hash(Sha256::digest([]).into()),
            1 => leaves[0],
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let mut h = Sha256::new();
                h.update([1u8]);
                h.update(mth(&leaves[..k]).0);
                h.update(mth(&leaves[k..]).0);
                Hash(h.finalize().into())
            }
        }
    }

    #[test]
    fn roots_match_the_rfc_definition_and_proofs_check() {
        let mut t = Tree::new();
        let leaves: Vec<Hash> = (0..37).map(leaf).collect();
        for (i, l) in leaves.iter().enumerate() {
            t.push(*l).unwrap();
            assert_eq!(t.size(), i as u64 + 1);
        }
        for n in 0..=37u64 {
            let root = t.root(n).unwrap();
            assert_eq!(root, mth(&leaves[..n as usize]), "root of {n}");
            for i in 0..n {
                let p = t.inclusion(i, n).unwrap();
                assert!(check_inclusion(&p, n, root, i, leaves[i as usize]));
                assert!(!check_inclusion(&p, n, root, i, leaf(1000)));
            }
            for m in 0..=n {
                let p = t.consistency(m, n).unwrap();
                let old = t.root(m).unwrap();
                assert!(check_consistency(&p, m, old, n, root), "{m} -> {n}");
                if m > 0 && m < n {
                    assert!(!check_consistency(&p, m, leaf(1000), n, root));
                }
            }
        }
    }

    #[test]
    fn truncate_forgets_leaves_exactly() {
        let mut t = Tree::new();
        for i in 0..20 {
            t.push(leaf(i)).unwrap();
        }
        let r13 = t.root(13).unwrap();
        t.truncate(13);
        assert_eq!(t.size(), 13);
        assert_eq!(t.root(13).unwrap(), r13);
        t.push(leaf(99)).unwrap();
        let mut u = Tree::new();
        for i in 0..13 {
            u.push(leaf(i)).unwrap();
        }
        u.push(leaf(99)).unwrap();
        assert_eq!(t.root(14).unwrap(), u.root(14).unwrap());
        assert!(t.root(15).is_err());
    }
}
