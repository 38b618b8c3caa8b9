//! The checks anyone can run from public data (`modpod audit`): a checkpoint
//! is signed by the deployment's key (and cosigned by enough witnesses), a
//! later checkpoint extends an earlier one, and a receipt's event is in the
//! log.

use crate::cosign::CosignatureVerifier;
use crate::receipt::Receipt;
use crate::source::{Source, Tiles};
use signed_note::{Note, StandardVerifier, Verifier, VerifierList};
use tlog_tiles::{Checkpoint, TileHashReader, check_record, check_tree, prove_record, prove_tree};

/// What a check found wrong. [`AuditError::Fork`] and
/// [`AuditError::Inconsistent`] are proofs of misbehaviour: two checkpoints,
/// both signed by the log's key, that cannot both be true.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the log's verifier key is malformed: {0}")]
    Key(String),
    #[error("the checkpoint is not validly signed by {key}: {reason}")]
    Unsigned { key: String, reason: String },
    #[error("the checkpoint is malformed: {0}")]
    Malformed(String),
    #[error("the checkpoint's origin is {found:?}, not the key's {expected:?}")]
    Origin { expected: String, found: String },
    #[error("the checkpoint has {got} valid witness cosignatures of the {needed} required")]
    Witnesses { needed: usize, got: usize },
    #[error(
        "proof of misbehaviour: two checkpoints of {size} events with different roots ({first} and {second})"
    )]
    Fork {
        size: u64,
        first: String,
        second: String,
    },
    #[error(
        "proof of misbehaviour: the checkpoint of {new} events does not extend the one of {old} events (something was removed, rewritten or reordered)"
    )]
    Inconsistent { old: u64, new: u64 },
    #[error("the log went back from {old} events to {new}")]
    Shrunk { old: u64, new: u64 },
    #[error("event {seq} is not in the checkpoint of {size} events as the receipt says")]
    NotIncluded { seq: u64, size: u64 },
    #[error("cannot read the log's public files: {0}")]
    Source(String),
}

/// A checkpoint whose signatures were checked.
#[derive(Debug)]
pub struct Checked {
    pub checkpoint: Checkpoint,
    /// The witnesses whose cosignatures verified.
    pub cosigned_by: Vec<String>,
    /// The note as published.
    pub note: Vec<u8>,
}

/// Checks that `note` is a checkpoint signed by the log key `vkey`, with at
/// least `min_cosignatures` valid cosignatures from `witnesses`. A signature
/// by any of these keys that does not verify is an error.
pub fn open_checkpoint(
    note: &[u8],
    vkey: &str,
    witnesses: &[CosignatureVerifier],
    min_cosignatures: usize,
) -> Result<Checked, AuditError> {
    let log = StandardVerifier::new(vkey.trim()).map_err(|e| AuditError::Key(e.to_string()))?;
    let mut known: Vec<Box<dyn Verifier>> = vec![Box::new(log.clone())];
    known.extend(
        witnesses
            .iter()
            .map(|w| Box::new(w.clone()) as Box<dyn Verifier>),
    );
    let unsigned = |reason: String| AuditError::Unsigned {
        key: vkey.trim().to_owned(),
        reason,
    };
    let parsed = Note::from_bytes(note).map_err(|e| unsigned(e.to_string()))?;
    let (verified, _) = parsed
        .verify(&VerifierList::new(known))
        .map_err(|e| unsigned(e.to_string()))?;
    if !verified
        .iter()
        .any(|s| s.name() == log.name() && s.id() == log.key_id())
    {
        return Err(unsigned("no signature by this key".into()));
    }
    let cosigned_by: Vec<String> = verified
        .iter()
        .filter(|s| !(s.name() == log.name() && s.id() == log.key_id()))
        .map(|s| s.name().to_owned())
        .collect();
    if cosigned_by.len() < min_cosignatures {
        return Err(AuditError::Witnesses {
            needed: min_cosignatures,
            got: cosigned_by.len(),
        });
    }
    let checkpoint = Checkpoint::from_bytes(parsed.text())
        .map_err(|_| AuditError::Malformed("not origin, size and root hash lines".into()))?;
    if checkpoint.origin() != log.name() {
        return Err(AuditError::Origin {
            expected: log.name().to_owned(),
            found: checkpoint.origin().to_owned(),
        });
    }
    Ok(Checked {
        checkpoint,
        cosigned_by,
        note: note.to_vec(),
    })
}

fn source_error(tiles: &Tiles<'_>, error: tlog_tiles::Error) -> AuditError {
    match tiles.failure.borrow_mut().take() {
        Some(reason) => AuditError::Source(reason),
        None => AuditError::Source(format!("the tiles do not match the checkpoint ({error})")),
    }
}

/// Checks that `new` extends `old`, with a consistency proof built from the
/// tiles of `source` (each hash read checked against `new`'s root).
pub fn check_consistent(
    source: &Source,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<(), AuditError> {
    let (old_size, new_size) = (old.size(), new.size());
    if old_size > new_size {
        return Err(AuditError::Shrunk {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size {
        return if old.hash() == new.hash() {
            Ok(())
        } else {
            Err(AuditError::Fork {
                size: old_size,
                first: old.hash().to_string(),
                second: new.hash().to_string(),
            })
        };
    }
    if old_size == 0 {
        return Ok(());
    }
    let tiles = Tiles::new(source);
    let reader = TileHashReader::new(new_size, *new.hash(), &tiles);
    let proof = prove_tree(new_size, old_size, &reader).map_err(|e| source_error(&tiles, e))?;
    tiles.check_parents(new_size).map_err(AuditError::Source)?;
    check_tree(&proof, new_size, *new.hash(), old_size, *old.hash()).map_err(|_| {
        AuditError::Inconsistent {
            old: old_size,
            new: new_size,
        }
    })
}

/// Checks that the receipt's event is leaf `seq - 1` of the receipt's own
/// checkpoint and of `latest` (so it is still on the record), with proofs
/// from the tiles of `source`. The receipt's checkpoint must have been
/// opened (its signature checked) by the caller, as `receipt_checkpoint`.
pub fn check_receipt(
    source: &Source,
    receipt: &Receipt,
    receipt_checkpoint: &Checkpoint,
    latest: &Checkpoint,
) -> Result<(), AuditError> {
    check_consistent(source, receipt_checkpoint, latest)?;
    let leaf = receipt.opening.leaf_hash();
    let index = receipt.opening.index();
    for checkpoint in [receipt_checkpoint, latest] {
        let not_included = || AuditError::NotIncluded {
            seq: receipt.opening.seq,
            size: checkpoint.size(),
        };
        if index >= checkpoint.size() {
            return Err(not_included());
        }
        let tiles = Tiles::new(source);
        let reader = TileHashReader::new(checkpoint.size(), *checkpoint.hash(), &tiles);
        let proof =
            prove_record(checkpoint.size(), index, &reader).map_err(|e| source_error(&tiles, e))?;
        tiles
            .check_parents(checkpoint.size())
            .map_err(AuditError::Source)?;
        check_record(&proof, checkpoint.size(), *checkpoint.hash(), index, leaf)
            .map_err(|_| not_included())?;
    }
    Ok(())
}
