//! The Merkle tree over the log's leaves, in memory: the stored hashes of
//! Go's `tlog` (every leaf hash and every complete subtree's hash, about two
//! per leaf), from which roots, proofs and tiles are read.

use tlog_tiles::{
    Error, Hash, HashReader, RecordProof, TreeProof, prove_record, prove_tree, stored_hash_count,
    stored_hashes_for_record_hash, tree_hash,
};

/// An append-only RFC 9162 tree.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    size: u64,
    stored: Vec<Hash>,
}

impl HashReader for Tree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.stored.get(i).copied())
                    .ok_or(Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf_hash: Hash) {
        // Reads only hashes already stored: it cannot fail on a tree built
        // by this very function.
        let hashes = stored_hashes_for_record_hash(self.size, leaf_hash, self)
            .unwrap_or_else(|_| unreachable!("a tree reads its own stored hashes"));
        self.stored.extend(hashes);
        self.size += 1;
        debug_assert_eq!(self.stored.len() as u64, stored_hash_count(self.size));
    }

    /// The root hash of the tree's first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, Error> {
        if size > self.size {
            return Err(Error::IndexesNotInTree);
        }
        tree_hash(size, self)
    }

    /// The proof that leaf `index` is in the tree of the first `size` leaves.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<RecordProof, Error> {
        if size > self.size {
            return Err(Error::IndexesNotInTree);
        }
        prove_record(size, index, self)
    }

    /// The proof that the tree of `new` leaves extends the tree of `old`.
    pub fn consistency(&self, old: u64, new: u64) -> Result<TreeProof, Error> {
        if new > self.size || old > new {
            return Err(Error::IndexesNotInTree);
        }
        prove_tree(new, old, self)
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        if index >= self.size {
            return None;
        }
        self.read_hashes(&[tlog_tiles::stored_hash_index(0, index)])
            .ok()
            .and_then(|h| h.first().copied())
    }
}
