//! The canonical encoding of an event and its BLAKE3 hash, which is what
//! chains the log together. The byte layout is part of the on-disk format:
//! changing it would break every existing log, so a test pins it.

use crate::event::{Hash, NewEvent};

/// The domain tag that opens every encoded event, so that an event hash can
/// never be confused with a hash of anything else.
pub const DOMAIN_TAG: &str = "modpod-event-v1";

/// Hashes an event that is to be stored at `seq` after an event whose hash
/// is `prev`.
///
/// The hash is BLAKE3 over this encoding, where every integer is big-endian
/// and `field(x)` is the byte length of `x` as a `u64` followed by its UTF-8
/// bytes:
///
/// ```text
/// field("modpod-event-v1") seq:u64 at_micros:i64
/// field(actor) field(role) field(kind) field(payload) prev_hash:[u8; 32]
/// ```
///
/// Because every variable-length field carries its length, no two different
/// events encode to the same bytes.
pub fn event_hash(seq: u64, event: &NewEvent, prev: &Hash) -> Hash {
    hash_fields(
        seq,
        event.at_micros,
        &event.actor,
        &event.role,
        &event.kind,
        &event.payload,
        prev,
    )
}

/// Hashes the fields of an event, as documented on [`event_hash`].
pub(crate) fn hash_fields(
    seq: u64,
    at_micros: i64,
    actor: &str,
    role: &str,
    kind: &str,
    payload: &str,
    prev: &Hash,
) -> Hash {
    let mut hasher = blake3::Hasher::new();
    field(&mut hasher, DOMAIN_TAG);
    hasher.update(&seq.to_be_bytes());
    hasher.update(&at_micros.to_be_bytes());
    field(&mut hasher, actor);
    field(&mut hasher, role);
    field(&mut hasher, kind);
    field(&mut hasher, payload);
    hasher.update(prev);
    *hasher.finalize().as_bytes()
}

/// Feeds one length-prefixed field to the hasher.
fn field(hasher: &mut blake3::Hasher, text: &str) {
    // A usize always fits in a u64 on the platforms Rust supports.
    let len = u64::try_from(text.len()).unwrap_or(u64::MAX);
    hasher.update(&len.to_be_bytes());
    hasher.update(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{GENESIS, hash_hex};

    fn event(actor: &str, role: &str, kind: &str, payload: &str) -> NewEvent {
        NewEvent {
            at_micros: 1_700_000_000_000_000,
            actor: actor.into(),
            role: role.into(),
            kind: kind.into(),
            payload: payload.into(),
        }
    }

    #[test]
    fn encoding_is_pinned() {
        // The documented layout, written out by hand.
        let mut bytes = Vec::new();
        bytes.extend(15u64.to_be_bytes());
        bytes.extend(b"modpod-event-v1");
        bytes.extend(1u64.to_be_bytes());
        bytes.extend(1_700_000_000_000_000i64.to_be_bytes());
        for text in ["alice", "mod", "ban", r#"{"user":"bob"}"#] {
            bytes.extend((text.len() as u64).to_be_bytes());
            bytes.extend(text.as_bytes());
        }
        bytes.extend(GENESIS);

        let hash = event_hash(
            1,
            &event("alice", "mod", "ban", r#"{"user":"bob"}"#),
            &GENESIS,
        );
        assert_eq!(hash, *blake3::hash(&bytes).as_bytes());
        // This value must never change: every stored log depends on it.
        assert_eq!(
            hash_hex(&hash),
            "48d73b3d676075ed646be5edc3b1a2a883b04518508fce0ed2d543e4b0492639"
        );
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_hash() {
        let a = event_hash(1, &event("ab", "c", "k", "{}"), &GENESIS);
        let b = event_hash(1, &event("a", "bc", "k", "{}"), &GENESIS);
        assert_ne!(a, b);
    }

    #[test]
    fn every_input_matters() {
        let base = event("a", "r", "k", "{}");
        let h = event_hash(1, &base, &GENESIS);
        assert_ne!(h, event_hash(2, &base, &GENESIS));
        assert_ne!(h, event_hash(1, &base, &[1; 32]));
        let mut later = base.clone();
        later.at_micros += 1;
        assert_ne!(h, event_hash(1, &later, &GENESIS));
    }
}
