//! Property tests of the Merkle tree: its roots and proofs are RFC 9162's
//! (checked against a second implementation, `ct-merkle`), its proofs verify
//! with `tlog_tiles`' checks, and a single changed byte anywhere (in a proof,
//! a root or a leaf) makes them fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use modpod_audit::{CommitmentKey, Opening, Tree, TreeHash};
use proptest::prelude::*;
use sha2_next::Sha256;
use tlog_tiles::{check_record, check_tree};

/// The largest tree the properties build.
const MAX_LEAVES: u64 = 600;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

/// The openings of `n` events whose hashes derive from `seed`, under `key`.
fn openings(key: &CommitmentKey, seed: u64, n: u64) -> Vec<Opening> {
    (1..=n)
        .map(|seq| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(&seed.to_be_bytes());
            hasher.update(&seq.to_be_bytes());
            key.open(seq, *hasher.finalize().as_bytes())
        })
        .collect()
}

/// Both trees over the same leaves: ours from the leaf hashes, ct-merkle's
/// from the 64-byte records, which it hashes itself (SHA-256 of `0x00 ‖
/// record`, as `Opening::leaf_hash` does).
fn both(openings: &[Opening]) -> (Tree, MemoryBackedTree<Sha256, [u8; 64]>) {
    let mut tree = Tree::new();
    let mut reference = MemoryBackedTree::new();
    for opening in openings {
        tree.push(opening.leaf_hash());
        reference.push(opening.record());
    }
    (tree, reference)
}

fn reference_root(hash: TreeHash, size: u64) -> RootHash<Sha256> {
    RootHash::new(hash.0.into(), size)
}

fn concat(proof: &[TreeHash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

/// `hash` with byte `i` xored with `mask` (non-zero).
fn flipped(hash: TreeHash, i: usize, mask: u8) -> TreeHash {
    let mut bytes = hash.0;
    bytes[i] ^= mask;
    TreeHash(bytes)
}

/// A tree size, an index in it, a second size no larger, a seed and a mask.
fn sizes() -> impl Strategy<Value = (u64, u64, u64, u64, u8)> {
    // Sizes around tile and power-of-two boundaries, and any other.
    let edges = prop::sample::select(vec![1, 2, 3, 4, 5, 255, 256, 257, 511, 512, 513]);
    prop_oneof![1 => edges, 3 => 1..=MAX_LEAVES]
        .prop_flat_map(|n| (Just(n), 0..n, 1..=n, any::<u64>(), 1..=u8::MAX))
}

proptest! {
    #![proptest_config(config())]

    /// Every prefix of the tree has the root ct-merkle computes for it, and
    /// each leaf is the hash of its record.
    #[test]
    fn roots_match_ct_merkle(n in 0..=MAX_LEAVES, seed in any::<u64>(), key in any::<[u8; 32]>()) {
        let key = CommitmentKey::from_bytes(key);
        let openings = openings(&key, seed, n);
        let mut tree = Tree::new();
        let mut reference: MemoryBackedTree<Sha256, [u8; 64]> = MemoryBackedTree::new();
        prop_assert_eq!(tree.root(0).unwrap(), tlog_tiles::EMPTY_HASH);
        let mut reference_roots = Vec::new();
        for opening in &openings {
            tree.push(opening.leaf_hash());
            reference.push(opening.record());
            reference_roots.push(reference.root());
        }
        prop_assert_eq!(tree.size(), n);
        for (size, expected) in (1..=n).zip(&reference_roots) {
            let root = tree.root(size).unwrap();
            prop_assert_eq!(&root.0[..], expected.as_bytes().as_slice(), "root of {} leaves", size);
        }
        for (index, opening) in (0..).zip(&openings) {
            prop_assert_eq!(tree.leaf(index), Some(opening.leaf_hash()));
            prop_assert_eq!(opening.index(), index);
        }
        prop_assert_eq!(tree.leaf(n), None);
        prop_assert!(tree.root(n + 1).is_err());
    }

    /// Our inclusion and consistency proofs are byte for byte ct-merkle's,
    /// and each implementation's proofs verify under the other's checks.
    #[test]
    fn proofs_match_ct_merkle((n, i, m, seed, _mask) in sizes()) {
        let key = CommitmentKey::from_bytes([7; 32]);
        let openings = openings(&key, seed, n);
        let (tree, reference) = both(&openings);
        let root = tree.root(n).unwrap();
        let index = usize::try_from(i).unwrap();

        let ours = tree.inclusion(i, n).unwrap();
        let theirs = reference.prove_inclusion(index);
        prop_assert_eq!(concat(&ours), theirs.as_bytes().to_vec());
        reference_root(root, n)
            .verify_inclusion(&openings[index].record(), i, &InclusionProof::from_bytes(concat(&ours)))
            .unwrap();
        let theirs: Vec<TreeHash> = theirs
            .as_bytes()
            .chunks(32)
            .map(|c| TreeHash(c.try_into().unwrap()))
            .collect();
        check_record(&theirs, n, root, i, openings[index].leaf_hash()).unwrap();

        // ct-merkle proves consistency from a prefix of its own tree.
        let (old_tree, _) = both(&openings[..usize::try_from(m).unwrap()]);
        let old_root = old_tree.root(m).unwrap();
        prop_assert_eq!(old_root, tree.root(m).unwrap());
        let ours = tree.consistency(m, n).unwrap();
        let theirs = reference.prove_consistency(usize::try_from(n - m).unwrap());
        prop_assert_eq!(concat(&ours), theirs.as_bytes().to_vec());
        reference_root(root, n)
            .verify_consistency(
                &reference_root(old_root, m),
                &ConsistencyProof::try_from_bytes(concat(&ours)).unwrap(),
            )
            .unwrap();
        let theirs: Vec<TreeHash> = theirs
            .as_bytes()
            .chunks(32)
            .map(|c| TreeHash(c.try_into().unwrap()))
            .collect();
        check_tree(&theirs, n, root, m, old_root).unwrap();
    }

    /// An inclusion proof verifies, and fails when any one byte of the
    /// proof, the root or the leaf changes, or when it is checked for another
    /// index or with a hash added or removed. (The same path can prove a leaf
/// in trees of several sizes: the size is the signed checkpoint's.)
    #[test]
    fn inclusion_proofs_verify_and_catch_any_change((n, i, _m, seed, mask) in sizes()) {
        let key = CommitmentKey::from_bytes([9; 32]);
        let openings = openings(&key, seed, n);
        let (tree, _) = both(&openings);
        let root = tree.root(n).unwrap();
        let leaf = openings[usize::try_from(i).unwrap()].leaf_hash();
        let proof = tree.inclusion(i, n).unwrap();
        check_record(&proof, n, root, i, leaf).unwrap();

        for h in 0..proof.len() {
            for b in 0..32 {
                let mut bad = proof.clone();
                bad[h] = flipped(bad[h], b, mask);
                prop_assert!(check_record(&bad, n, root, i, leaf).is_err(), "proof hash {} byte {}", h, b);
            }
        }
        for b in 0..32 {
            prop_assert!(check_record(&proof, n, flipped(root, b, mask), i, leaf).is_err(), "root byte {}", b);
            prop_assert!(check_record(&proof, n, root, i, flipped(leaf, b, mask)).is_err(), "leaf byte {}", b);
        }
        // A changed record (salt or event hash) is a changed leaf.
        let mut opening = openings[usize::try_from(i).unwrap()];
        opening.event_hash[0] ^= mask;
        prop_assert!(check_record(&proof, n, root, i, opening.leaf_hash()).is_err());
        let mut opening = openings[usize::try_from(i).unwrap()];
        opening.salt[31] ^= mask;
        prop_assert!(check_record(&proof, n, root, i, opening.leaf_hash()).is_err());

        for other in [i.wrapping_sub(1), i + 1] {
            if other < n {
                prop_assert!(check_record(&proof, n, root, other, leaf).is_err(), "index {}", other);
            }
        }
        prop_assert!(check_record(&proof, n, root, n, leaf).is_err());
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(check_record(&longer, n, root, i, leaf).is_err());
        if !proof.is_empty() {
            let shorter = proof[..proof.len() - 1].to_vec();
            prop_assert!(check_record(&shorter, n, root, i, leaf).is_err());
        }
        prop_assert!(tree.inclusion(n, n).is_err());
        prop_assert!(tree.inclusion(i, n + 1).is_err());
    }

    /// A consistency proof verifies, and fails when any one byte of the
    /// proof or of either root changes, when a hash is added or removed, or
    /// when the older tree differs in one leaf.
    #[test]
    fn consistency_proofs_verify_and_catch_any_change((n, _i, m, seed, mask) in sizes()) {
        let key = CommitmentKey::from_bytes([11; 32]);
        let openings = openings(&key, seed, n);
        let (tree, _) = both(&openings);
        let (root, old_root) = (tree.root(n).unwrap(), tree.root(m).unwrap());
        let proof = tree.consistency(m, n).unwrap();
        check_tree(&proof, n, root, m, old_root).unwrap();
        prop_assert_eq!(proof.is_empty(), m == n);

        for h in 0..proof.len() {
            for b in 0..32 {
                let mut bad = proof.clone();
                bad[h] = flipped(bad[h], b, mask);
                prop_assert!(check_tree(&bad, n, root, m, old_root).is_err(), "proof hash {} byte {}", h, b);
            }
        }
        for b in 0..32 {
            prop_assert!(check_tree(&proof, n, flipped(root, b, mask), m, old_root).is_err(), "new root byte {}", b);
            prop_assert!(check_tree(&proof, n, root, m, flipped(old_root, b, mask)).is_err(), "old root byte {}", b);
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(check_tree(&longer, n, root, m, old_root).is_err());
        if !proof.is_empty() {
            let shorter = proof[..proof.len() - 1].to_vec();
            prop_assert!(check_tree(&shorter, n, root, m, old_root).is_err());
        }

        // An older tree with one leaf changed is not a prefix of this one.
        let changed = usize::try_from(seed % m).unwrap();
        let mut forked = openings[..usize::try_from(m).unwrap()].to_vec();
        forked[changed].event_hash[0] ^= mask;
        let (forked, _) = both(&forked);
        prop_assert!(check_tree(&proof, n, root, m, forked.root(m).unwrap()).is_err());

        prop_assert!(tree.consistency(m, n + 1).is_err());
        prop_assert!(tree.consistency(n, m.saturating_sub(1)).is_err());
    }
}

/// Known answers of RFC 6962's tree hash, independent of both
/// implementations: the empty tree, one leaf, and two leaves.
#[test]
fn tree_hash_is_rfc_9162() {
    use sha2_next::Digest;
    let sha = |parts: &[&[u8]]| -> [u8; 32] {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().into()
    };
    let key = CommitmentKey::from_bytes([1; 32]);
    let a = key.open(1, [0xaa; 32]);
    let b = key.open(2, [0xbb; 32]);
    assert_eq!(a.record()[..32], key.salt(1));
    assert_eq!(a.record()[32..], [0xaa; 32]);
    assert_ne!(key.salt(1), key.salt(2));
    assert_ne!(
        key.salt(1),
        CommitmentKey::from_bytes([2; 32]).salt(1),
        "the salt depends on the key"
    );
    let leaf_a = sha(&[&[0], &a.record()]);
    let leaf_b = sha(&[&[0], &b.record()]);
    assert_eq!(a.leaf_hash().0, leaf_a);
    let mut tree = Tree::new();
    assert_eq!(tree.root(0).unwrap().0, sha(&[]));
    tree.push(a.leaf_hash());
    assert_eq!(tree.root(1).unwrap().0, leaf_a);
    tree.push(b.leaf_hash());
    assert_eq!(tree.root(2).unwrap().0, sha(&[&[1], &leaf_a, &leaf_b]));
}
