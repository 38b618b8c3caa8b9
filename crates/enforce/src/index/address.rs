//! Finding the identity key of a sender address without allocating.
//!
//! The rule: addresses compare exactly and case-insensitively as a whole, as
//! `Identity::new` normalises them (lower-cased, surrounding spaces trimmed).
//! When the exact address is not known and its local part has a `+tag`
//! (`bob+lists@example.org`), the address without the tag (`bob@example.org`)
//! is tried once. Nothing else is ever tried: no fuzzy matching.

/// The longest email identity `Identity::new` accepts, in bytes.
const MAX_ADDRESS: usize = modpod_policy::model::MAX_IDENTITY;
const PREFIX: &[u8] = b"email:";
const BUFFER: usize = PREFIX.len() + MAX_ADDRESS;

/// The keys to look up for a sender, first the exact one, then the one
/// without a `+tag`. Lower-casing happens in a stack buffer for ASCII
/// addresses, the common case; other addresses are lower-cased on the heap.
pub(crate) fn with_keys<T>(sender: &str, mut find: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let sender = sender.trim();
    // No identity is longer (an empty sender, as in a bounce, is found by no
    // key either: every identity has a value).
    if sender.len() > MAX_ADDRESS {
        return None;
    }
    let mut untagged = [0u8; BUFFER];
    if !sender.is_ascii() {
        let key = format!("email:{}", sender.to_lowercase());
        return find(&key).or_else(|| untag_into(&key, &mut untagged).and_then(find));
    }
    let mut exact = [0u8; BUFFER];
    let key = exact.get_mut(..PREFIX.len() + sender.len())?;
    let (prefix, address) = key.split_at_mut(PREFIX.len());
    prefix.copy_from_slice(PREFIX);
    address.copy_from_slice(sender.as_bytes());
    address.make_ascii_lowercase();
    let key = std::str::from_utf8(key).ok()?;
    find(key).or_else(|| untag_into(key, &mut untagged).and_then(find))
}

/// Writes `key` without the `+tag` of its local part into `buffer`, if it has
/// a tag and something before it.
fn untag_into<'b>(key: &str, buffer: &'b mut [u8; BUFFER]) -> Option<&'b str> {
    let (local, domain) = key.rsplit_once('@')?;
    let (base, _tag) = local.split_once('+')?;
    if base.len() <= PREFIX.len() {
        return None;
    }
    let out = buffer.get_mut(..base.len() + 1 + domain.len())?;
    let (head, tail) = out.split_at_mut(base.len());
    head.copy_from_slice(base.as_bytes());
    let (at, rest) = tail.split_at_mut(1);
    at.copy_from_slice(b"@");
    rest.copy_from_slice(domain.as_bytes());
    std::str::from_utf8(out).ok()
}
