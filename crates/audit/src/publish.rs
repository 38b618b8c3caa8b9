//! The publisher: keeps the tree in step with the log, writes tiles and
//! signed checkpoints into the public directory, has witnesses cosign them,
//! and makes receipts.
//!
//! The tree is rebuilt at start from the log's stored hashes, so a log
//! rewritten since the last checkpoint (even with every hash recomputed) no
//! longer has that checkpoint's root: the publisher then refuses to publish
//! ([`PublishError::Rewritten`]), and `modpod audit` proves the rewrite
//! against the checkpoint anyone kept.

use crate::check::open_checkpoint;
use crate::keys::LogKeys;
use crate::receipt::Receipt;
use crate::source::tile_path;
use crate::tree::Tree;
use crate::{TILE_HEIGHT, witness};
use modpod_store::{EventStore, Hash, StoreError};
use signed_note::Note;
use std::fs;
use std::path::{Path, PathBuf};
use tlog_tiles::{Checkpoint, Tile};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "the log no longer matches the checkpoint of {size} events published in {dir}: it was rewritten or truncated since; nothing more is published"
    )]
    Rewritten { size: u64, dir: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the published checkpoint in {dir} cannot be read: {reason}")]
    Unreadable { dir: PathBuf, reason: String },
    #[error("reading the log: {0}")]
    Store(#[from] StoreError),
    #[error("the log skips from event {size} to {seq}")]
    Gap { size: u64, seq: u64 },
    #[error("signing the checkpoint: {0}")]
    Sign(String),
}

/// The latest checkpoint written.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    pub size: u64,
    pub root: tlog_tiles::Hash,
    pub note: Vec<u8>,
}

pub struct Publisher {
    keys: LogKeys,
    dir: PathBuf,
    tree: Tree,
    event_hashes: Vec<Hash>,
    published: Option<Published>,
    rewritten: bool,
    witnesses: Vec<witness::Remote>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes a file so that readers see the old or the new one, never half.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let temporary = path.with_extension("tmp");
    fs::write(&temporary, bytes).map_err(io(&temporary))?;
    fs::rename(&temporary, path).map_err(io(path))
}

/// How many hashes [`Publisher::follow`] reads from the store at a time.
const BATCH: usize = 10_000;

impl Publisher {
    /// A publisher writing into the public directory `dir`, which it creates;
    /// the checkpoint already there, if any, is what the log must extend.
    pub fn open(keys: LogKeys, dir: &Path) -> Result<Publisher, PublishError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let unreadable = |reason: String| PublishError::Unreadable {
            dir: dir.to_owned(),
            reason,
        };
        let published = match fs::read(dir.join("checkpoint")) {
            Ok(note) => {
                // Signed by this key, or by one rotated out since.
                let mut checked = open_checkpoint(&note, keys.signing.verifier_key(), &[], 0);
                for vkey in &keys.retired {
                    if checked.is_err()
                        && let Ok(opened) = open_checkpoint(&note, vkey, &[], 0)
                    {
                        checked = Ok(opened);
                    }
                }
                let checked = checked.map_err(|e| unreadable(e.to_string()))?;
                Some(Published {
                    size: checked.checkpoint.size(),
                    root: *checked.checkpoint.hash(),
                    note,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(unreadable(e.to_string())),
        };
        fs::write(
            dir.join("key"),
            format!("{}\n", keys.signing.verifier_key()),
        )
        .map_err(io(dir))?;
        Ok(Publisher {
            keys,
            dir: dir.to_owned(),
            tree: Tree::new(),
            event_hashes: Vec::new(),
            published,
            rewritten: false,
            witnesses: Vec::new(),
        })
    }

    /// Asks these witnesses to cosign every checkpoint from now on.
    pub fn with_witnesses(mut self, witnesses: Vec<witness::Remote>) -> Publisher {
        self.witnesses = witnesses;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn published(&self) -> Option<&Published> {
        self.published.as_ref()
    }

    pub fn verifier_key(&self) -> &str {
        self.keys.signing.verifier_key()
    }

    /// Adds the log's events after the tree's size, in order.
    pub fn extend(&mut self, hashes: &[(u64, Hash)]) -> Result<(), PublishError> {
        for &(seq, hash) in hashes {
            if seq != self.tree.size() + 1 {
                return Err(PublishError::Gap {
                    size: self.tree.size(),
                    seq,
                });
            }
            self.tree
                .push(self.keys.commitment.open(seq, hash).leaf_hash());
            self.event_hashes.push(hash);
            self.check_published()?;
        }
        Ok(())
    }

    /// Once the tree reaches the published checkpoint's size, its root must
    /// be the checkpoint's.
    fn check_published(&mut self) -> Result<(), PublishError> {
        if let Some(published) = &self.published
            && published.size == self.tree.size()
            && self.tree.root(published.size).ok() != Some(published.root)
        {
            self.rewritten = true;
        }
        if self.rewritten {
            return Err(self.rewritten_error());
        }
        Ok(())
    }

    fn rewritten_error(&self) -> PublishError {
        PublishError::Rewritten {
            size: self.published.as_ref().map_or(0, |p| p.size),
            dir: self.dir.clone(),
        }
    }

    /// Reads what the log appended since the tree's size from `store`.
    /// Returns how many events were added.
    pub fn follow(&mut self, store: &mut dyn EventStore) -> Result<u64, PublishError> {
        let before = self.tree.size();
        loop {
            let hashes = store.hashes(self.tree.size(), BATCH)?;
            self.extend(&hashes)?;
            if hashes.len() < BATCH {
                break;
            }
        }
        Ok(self.tree.size() - before)
    }

    /// Writes the tiles and a signed checkpoint of the whole tree, unless
    /// the latest checkpoint already covers it. Witnesses that answer add
    /// their cosignatures; one that does not is reported and skipped.
    pub fn publish(&mut self) -> Result<Option<&Published>, PublishError> {
        if self.rewritten
            || self
                .published
                .as_ref()
                .is_some_and(|p| p.size > self.tree.size())
        {
            // A log shorter than what was published was truncated.
            self.rewritten = true;
            return Err(self.rewritten_error());
        }
        let size = self.tree.size();
        let old = self.published.as_ref().map_or(0, |p| p.size);
        if size == 0 || (size == old && self.published.is_some()) {
            return Ok(None);
        }
        for tile in Tile::new_tiles(TILE_HEIGHT, old, size) {
            let data = tile
                .read_data(&self.tree)
                .unwrap_or_else(|_| unreachable!("the tree holds every tile below its size"));
            write_atomic(&self.dir.join(tile_path(&tile)), &data)?;
        }
        let root = self
            .tree
            .root(size)
            .unwrap_or_else(|_| unreachable!("the tree has its own size"));
        let text = Checkpoint::new(self.keys.signing.origin(), size, root, "")
            .map_err(|e| PublishError::Sign(e.to_string()))?
            .to_bytes();
        let mut note = Note::new(&text, &[]).map_err(|e| PublishError::Sign(e.to_string()))?;
        note.add_sigs(&[self.keys.signing.signer()])
            .map_err(|e| PublishError::Sign(e.to_string()))?;
        let mut note = note.to_bytes();
        for remote in &mut self.witnesses {
            match remote.cosign(&self.tree, &note) {
                Ok(lines) => note.extend_from_slice(&lines),
                Err(error) => eprintln!("witness {}: {error}", remote.url),
            }
        }
        write_atomic(&self.dir.join("checkpoint"), &note)?;
        self.published = Some(Published { size, root, note });
        Ok(self.published.as_ref())
    }

    /// A receipt for event `seq`, publishing a checkpoint first if the latest
    /// does not include it yet. `None` for an event the log does not hold.
    pub fn receipt(&mut self, seq: u64) -> Result<Option<Receipt>, PublishError> {
        // No receipt from a log that no longer matches its checkpoint.
        if self.rewritten {
            return Err(self.rewritten_error());
        }
        if seq == 0 || seq > self.tree.size() {
            return Ok(None);
        }
        if self.published.as_ref().is_none_or(|p| p.size < seq) {
            self.publish()?;
        }
        let hash = self.event_hashes[usize::try_from(seq - 1).unwrap_or(usize::MAX)];
        let Some(published) = &self.published else {
            return Ok(None);
        };
        Ok(Some(Receipt {
            opening: self.keys.commitment.open(seq, hash),
            checkpoint: published.note.clone(),
        }))
    }
}
