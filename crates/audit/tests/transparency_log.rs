//! The transparency log end to end, on temporary directories: keys, the
//! publisher (tiles and signed checkpoints), the checks a verifier runs from
//! the public files alone (by directory and by URL), receipts, and witnesses
//! (their side of add-checkpoint, and the publisher asking one over HTTP).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use modpod_audit::cosign::{CosignatureVerifier, Cosigner};
use modpod_audit::keys::KeyError;
use modpod_audit::source::tile_path;
use modpod_audit::witness::{Refused, Remote, Witness};
use modpod_audit::{
    AuditError, Checkpoint, LogKeys, PublishError, Publisher, Receipt, Source, TreeHash,
    check_consistent, check_receipt, open_checkpoint,
};
use modpod_store::{Hash, NewEvent};
use modpod_testkit::TestDb;
use signed_note::{Note, StandardSigner};
use tempfile::TempDir;
use tlog_tiles::Tile;

const ORIGIN: &str = "log.example/modpod";
const WITNESS: &str = "witness.example";
const NOW: u64 = 1_700_000_000;

/// Events `1..=n` of a log named `tag`: the same tag gives the same hashes.
fn hashes(tag: &str, n: u64) -> Vec<(u64, Hash)> {
    (1..=n)
        .map(|seq| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(tag.as_bytes());
            hasher.update(&seq.to_be_bytes());
            (seq, *hasher.finalize().as_bytes())
        })
        .collect()
}

/// A deployment: its private key directory and public directory, in a
/// temporary directory.
struct Log {
    tmp: TempDir,
    keys: PathBuf,
    public: PathBuf,
    vkey: String,
}

impl Log {
    fn new() -> Log {
        Log::with_origin(ORIGIN)
    }

    fn with_origin(origin: &str) -> Log {
        let tmp = tempfile::tempdir().unwrap();
        let keys = tmp.path().join("keys");
        let public = tmp.path().join("public");
        let (opened, created) = LogKeys::open_or_create(&keys, origin).unwrap();
        assert!(created);
        let vkey = opened.signing.verifier_key().to_owned();
        Log {
            tmp,
            keys,
            public,
            vkey,
        }
    }

    /// Another public directory of this deployment (for a rewritten log).
    fn dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn publisher(&self) -> Publisher {
        self.publisher_in(&self.public)
    }

    fn publisher_in(&self, dir: &Path) -> Publisher {
        Publisher::open(LogKeys::open(&self.keys).unwrap(), dir).unwrap()
    }

    /// Publishes these events into `dir` and returns the checkpoint note.
    fn publish_in(&self, dir: &Path, events: &[(u64, Hash)]) -> Vec<u8> {
        let mut publisher = self.publisher_in(dir);
        publisher.extend(events).unwrap();
        publisher.publish().unwrap().unwrap().note.clone()
    }

    fn open(&self, note: &[u8]) -> Checkpoint {
        open_checkpoint(note, &self.vkey, &[], 0)
            .unwrap()
            .checkpoint
    }
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Signs `text` as a note with a signed-note private key.
fn sign(skey: &str, text: &str) -> Vec<u8> {
    let signer = StandardSigner::new(skey).unwrap();
    let mut note = Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    note.to_bytes()
}

// Keys.

#[test]
fn keys_are_created_once_and_only_their_owner_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let (keys, created) = LogKeys::open_or_create(&dir, ORIGIN).unwrap();
    assert!(created);
    let vkey = keys.signing.verifier_key().to_owned();
    assert!(vkey.starts_with(&format!("{ORIGIN}+")), "{vkey}");
    assert_eq!(keys.signing.origin(), ORIGIN);

    let (again, created) = LogKeys::open_or_create(&dir, "another.example").unwrap();
    assert!(!created, "the second call created a key");
    assert_eq!(again.signing.verifier_key(), vkey);
    assert_eq!(again.signing.origin(), ORIGIN, "the first origin stays");
    assert_eq!(again.commitment.as_bytes(), keys.commitment.as_bytes());
    assert_eq!(
        LogKeys::open(&dir).unwrap().commitment.as_bytes(),
        keys.commitment.as_bytes()
    );

    assert_eq!(
        fs::read_to_string(dir.join("commitment.key")).unwrap(),
        format!("{}\n", hex::encode(keys.commitment.as_bytes()))
    );
    let skey = fs::read_to_string(dir.join("signing.key")).unwrap();
    assert!(
        skey.starts_with(&format!("PRIVATE+KEY+{ORIGIN}+")),
        "{skey}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("signing.pub")).unwrap(),
        format!("{vkey}\n")
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.join("commitment.key")), 0o600);
        assert_eq!(mode(&dir.join("signing.key")), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    // A deployment's keys are its own: another directory makes other keys.
    let (other, created) = LogKeys::open_or_create(&tmp.path().join("other"), ORIGIN).unwrap();
    assert!(created);
    assert_ne!(other.signing.verifier_key(), vkey);
    assert_ne!(other.commitment.as_bytes(), keys.commitment.as_bytes());
}

#[test]
fn the_public_directory_holds_no_secret_and_no_event_hash() {
    let log = Log::new();
    let events = hashes("a", 600);
    let mut publisher = log.publisher();
    publisher.extend(&events).unwrap();
    publisher.publish().unwrap().unwrap();
    let receipt = publisher.receipt(42).unwrap().unwrap();

    let skey = fs::read_to_string(log.keys.join("signing.key")).unwrap();
    let skey = skey.trim();
    // PRIVATE+KEY+<name>+<id>+<base64>, whose base64 may hold '+'.
    let private64 = skey.splitn(5, '+').nth(4).unwrap();
    let private = BASE64_STANDARD.decode(private64).unwrap();
    assert_eq!(private.len(), 33, "alg byte and Ed25519 seed");
    let keys = LogKeys::open(&log.keys).unwrap();
    let commitment = *keys.commitment.as_bytes();
    let commitment_hex = hex::encode(commitment);

    let public = files(&log.public);
    assert!(public.len() > 4, "{public:?}");
    for path in &public {
        let bytes = fs::read(path).unwrap();
        let name = path.display();
        assert!(
            !contains(&bytes, skey.as_bytes()),
            "{name} holds the signing key"
        );
        assert!(
            !contains(&bytes, private64.as_bytes()),
            "{name} holds the signing key"
        );
        assert!(
            !contains(&bytes, &private[1..]),
            "{name} holds the signing seed"
        );
        assert!(
            !contains(&bytes, &commitment),
            "{name} holds the commitment key"
        );
        assert!(
            !contains(&bytes, commitment_hex.as_bytes()),
            "{name} holds the commitment key"
        );
        for (seq, hash) in &events {
            assert!(
                !contains(&bytes, hash),
                "{name} holds the hash of event {seq}"
            );
            assert!(
                !contains(&bytes, &keys.commitment.salt(*seq)),
                "{name} holds a salt"
            );
        }
    }
    // The receipt (given to one person) opens its leaf; the public files do not.
    assert_eq!(receipt.opening.event_hash, events[41].1);
    assert_eq!(receipt.opening.salt, keys.commitment.salt(42));
    assert_eq!(
        fs::read_to_string(log.public.join("key")).unwrap(),
        format!("{}\n", log.vkey)
    );
    assert!(!log.public.join("tile/data").exists());
    assert!(!log.public.join("tile/entries").exists());
}

#[test]
fn malformed_keys_and_origins_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for origin in ["", "two words", "a+b"] {
        let err = LogKeys::open_or_create(&tmp.path().join("bad"), origin).unwrap_err();
        assert!(matches!(err, KeyError::Origin(_)), "{origin:?}: {err:?}");
    }

    let dir = tmp.path().join("keys");
    LogKeys::open_or_create(&dir, ORIGIN).unwrap();
    let commitment = fs::read(dir.join("commitment.key")).unwrap();
    fs::write(dir.join("commitment.key"), "not hex\n").unwrap();
    let err = LogKeys::open(&dir).unwrap_err();
    assert!(
        matches!(&err, KeyError::File { path, .. } if path.ends_with("commitment.key")),
        "{err:?}"
    );
    fs::write(dir.join("commitment.key"), commitment).unwrap();
    LogKeys::open(&dir).unwrap();

    // A signing key that does not match signing.pub.
    let (_, other) = signed_note::generate_key(&mut rand_core::OsRng, ORIGIN);
    let public = fs::read(dir.join("signing.pub")).unwrap();
    fs::write(dir.join("signing.pub"), other).unwrap();
    let err = LogKeys::open(&dir).unwrap_err();
    assert!(
        matches!(&err, KeyError::File { path, .. } if path.ends_with("signing.key")),
        "{err:?}"
    );
    fs::write(dir.join("signing.pub"), public).unwrap();
    fs::remove_file(dir.join("signing.key")).unwrap();
    assert!(matches!(LogKeys::open(&dir), Err(KeyError::Io { .. })));
}

#[test]
fn rotating_the_signing_key_keeps_the_old_one_and_the_log_goes_on() {
    let log = Log::new();
    let events = hashes("a", 300);
    let old_note = log.publish_in(&log.public, &events[..200]);
    let before = LogKeys::open(&log.keys).unwrap();
    assert!(before.retired.is_empty());
    let vkey = LogKeys::rotate_signing(&log.keys).unwrap();
    assert_ne!(vkey, log.vkey);
    assert!(vkey.starts_with(&format!("{ORIGIN}+")));
    let after = LogKeys::open(&log.keys).unwrap();
    assert_eq!(after.signing.verifier_key(), vkey);
    assert_eq!(after.commitment.as_bytes(), before.commitment.as_bytes());
    let names: Vec<String> = fs::read_dir(&log.keys)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let retired: Vec<&String> = names.iter().filter(|n| n.contains(".retired-")).collect();
    assert_eq!(retired.len(), 2, "{names:?}");
    let retired_pub = retired
        .iter()
        .find(|n| n.starts_with("signing.pub"))
        .unwrap();
    assert_eq!(
        fs::read_to_string(log.keys.join(retired_pub))
            .unwrap()
            .trim(),
        log.vkey
    );
    #[cfg(unix)]
    assert_eq!(mode(&log.keys.join("signing.key")), 0o600);
    assert_eq!(after.retired, vec![log.vkey.clone()]);

    // The publisher takes up the checkpoint the old key signed, and signs
    // the next with the new key.
    let mut publisher = log.publisher();
    assert_eq!(publisher.verifier_key(), vkey);
    assert_eq!(publisher.published().unwrap().size, 200);
    publisher.extend(&events).unwrap();
    let new_note = publisher.publish().unwrap().unwrap().note.clone();
    assert_eq!(
        fs::read_to_string(log.public.join("key")).unwrap(),
        format!("{vkey}\n")
    );
    let new = open_checkpoint(&new_note, &vkey, &[], 0)
        .unwrap()
        .checkpoint;
    assert!(open_checkpoint(&new_note, &log.vkey, &[], 0).is_err());
    check_consistent(&Source::Dir(log.public.clone()), &log.open(&old_note), &new).unwrap();
    // Still refused: a log rewritten under the new key.
    let mut rewritten = events.clone();
    rewritten[10].1[0] ^= 1;
    assert!(matches!(
        log.publisher().extend(&rewritten),
        Err(PublishError::Rewritten { size: 300, .. })
    ));
}

// Checkpoints and consistency.

#[test]
fn a_checkpoint_opens_with_the_log_key_and_no_other() {
    let log = Log::new();
    let mut publisher = log.publisher();
    publisher.extend(&hashes("a", 1000)).unwrap();
    let published = publisher.publish().unwrap().unwrap().clone();
    assert_eq!(published.size, 1000);
    assert_eq!(published.root, publisher.tree().root(1000).unwrap());
    assert_eq!(
        fs::read(log.public.join("checkpoint")).unwrap(),
        published.note
    );
    let source = Source::Dir(log.public.clone());
    assert_eq!(source.checkpoint().unwrap(), published.note);

    let checked = open_checkpoint(&published.note, &log.vkey, &[], 0).unwrap();
    assert_eq!(checked.checkpoint.origin(), ORIGIN);
    assert_eq!(checked.checkpoint.size(), 1000);
    assert_eq!(*checked.checkpoint.hash(), published.root);
    assert!(checked.cosigned_by.is_empty());
    assert_eq!(checked.note, published.note);
    let text = String::from_utf8(published.note.clone()).unwrap();
    assert!(
        text.starts_with(&format!(
            "{ORIGIN}\n1000\n{}\n\n— {ORIGIN} ",
            published.root
        )),
        "{text}"
    );

    // Nothing new: nothing is published again.
    assert!(publisher.publish().unwrap().is_none());

    let unsigned = |vkey: &str| match open_checkpoint(&published.note, vkey, &[], 0) {
        Err(AuditError::Unsigned { .. }) => {}
        other => panic!("{other:?}"),
    };
    unsigned(&signed_note::generate_key(&mut rand_core::OsRng, ORIGIN).1);
    unsigned(&signed_note::generate_key(&mut rand_core::OsRng, "other.example").1);
    // A changed size or root breaks the signature.
    let altered = text.replacen("\n1000\n", "\n1001\n", 1);
    match open_checkpoint(altered.as_bytes(), &log.vkey, &[], 0) {
        Err(AuditError::Unsigned { reason, .. }) => assert!(reason.contains("invalid"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        open_checkpoint(b"garbage", &log.vkey, &[], 0),
        Err(AuditError::Unsigned { .. })
    ));
    assert!(matches!(
        open_checkpoint(&published.note, "not a key", &[], 0),
        Err(AuditError::Key(_))
    ));
    match open_checkpoint(&published.note, &log.vkey, &[], 1) {
        Err(AuditError::Witnesses { needed: 1, got: 0 }) => {}
        other => panic!("{other:?}"),
    }

    // Signed by the log's key, yet not a checkpoint of this log.
    let skey = fs::read_to_string(log.keys.join("signing.key")).unwrap();
    let foreign = sign(
        skey.trim(),
        &format!("other.example\n5\n{}\n", published.root),
    );
    match open_checkpoint(&foreign, &log.vkey, &[], 0) {
        Err(AuditError::Origin { expected, found }) => {
            assert_eq!(
                (expected.as_str(), found.as_str()),
                (ORIGIN, "other.example")
            );
        }
        other => panic!("{other:?}"),
    }
    let malformed = sign(skey.trim(), &format!("{ORIGIN}\nfive\nroot\n"));
    assert!(matches!(
        open_checkpoint(&malformed, &log.vkey, &[], 0),
        Err(AuditError::Malformed(_))
    ));
}

#[test]
fn later_checkpoints_extend_earlier_ones() {
    let log = Log::new();
    let events = hashes("a", 1000);
    let mut publisher = log.publisher();
    let mut notes = Vec::new();
    for size in [1, 2, 3, 255, 256, 257, 300, 511, 512, 513, 1000] {
        let from = usize::try_from(publisher.tree().size()).unwrap();
        publisher.extend(&events[from..size]).unwrap();
        notes.push(publisher.publish().unwrap().unwrap().note.clone());
    }
    let source = Source::Dir(log.public.clone());
    let latest = log.open(&source.checkpoint().unwrap());
    assert_eq!(latest.size(), 1000);
    let checkpoints: Vec<Checkpoint> = notes.iter().map(|n| log.open(n)).collect();
    for (i, old) in checkpoints.iter().enumerate() {
        check_consistent(&source, old, &latest).unwrap();
        for new in &checkpoints[i..] {
            check_consistent(&source, old, new)
                .unwrap_or_else(|e| panic!("{} to {}: {e}", old.size(), new.size()));
        }
        if old.size() < latest.size() {
            match check_consistent(&source, &latest, old) {
                Err(AuditError::Shrunk { old: 1000, new }) => assert_eq!(new, old.size()),
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn two_checkpoints_of_one_size_with_different_roots_are_a_fork() {
    let log = Log::new();
    let a = hashes("a", 100);
    let mut b = a.clone();
    b[4].1[0] ^= 1;
    let note_a = log.publish_in(&log.public, &a);
    let note_b = log.publish_in(&log.dir("forked"), &b);
    // Both are validly signed by the log's key.
    let (first, second) = (log.open(&note_a), log.open(&note_b));
    assert_eq!((first.size(), second.size()), (100, 100));
    let source = Source::Dir(log.public.clone());
    check_consistent(&source, &first, &first).unwrap();
    match check_consistent(&source, &first, &second) {
        Err(e @ AuditError::Fork { .. }) => {
            let AuditError::Fork {
                size,
                first: one,
                second: two,
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*size, 100);
            assert_eq!(one, &first.hash().to_string());
            assert_eq!(two, &second.hash().to_string());
            assert!(e.to_string().contains("proof of misbehaviour"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rewritten_past_is_inconsistent_and_a_new_future_is_not() {
    let log = Log::new();
    let a = hashes("a", 150);
    let old_note = log.publish_in(&log.public, &a[..100]);
    let old = log.open(&old_note);

    // Event 50 rewritten, then the log grew to 150.
    let mut rewritten = a.clone();
    rewritten[49].1[31] ^= 0x80;
    let dir = log.dir("rewritten");
    let new = log.open(&log.publish_in(&dir, &rewritten));
    match check_consistent(&Source::Dir(dir.clone()), &old, &new) {
        Err(AuditError::Inconsistent { old: 100, new: 150 }) => {}
        other => panic!("{other:?}"),
    }

    // Event 50 removed (every later event moved up one).
    let removed: Vec<(u64, Hash)> = a
        .iter()
        .filter(|(seq, _)| *seq != 50)
        .zip(1..)
        .map(|((_, hash), seq)| (seq, *hash))
        .collect();
    let dir = log.dir("removed");
    let new = log.open(&log.publish_in(&dir, &removed));
    assert!(matches!(
        check_consistent(&Source::Dir(dir), &old, &new),
        Err(AuditError::Inconsistent { old: 100, new: 149 })
    ));

    // Events after the old checkpoint may be anything: the past is intact.
    let mut extended = a.clone();
    extended[119].1[0] ^= 1;
    let dir = log.dir("extended");
    let new = log.open(&log.publish_in(&dir, &extended));
    check_consistent(&Source::Dir(dir.clone()), &old, &new).unwrap();

    // Tiles that are not the new checkpoint's are no evidence either way.
    let other = log.open(&log.publish_in(&log.dir("other"), &hashes("b", 150)));
    match check_consistent(&Source::Dir(dir), &old, &other) {
        Err(AuditError::Source(reason)) => {
            assert!(reason.contains("do not match"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

// The publisher.

#[test]
fn the_publisher_refuses_a_rewritten_or_truncated_log() {
    let log = Log::new();
    let a = hashes("a", 120);
    let note = log.publish_in(&log.public, &a[..100]);
    let checkpoint = log.public.join("checkpoint");

    // A log whose event 50 changed reaches the checkpoint's size.
    let mut b = a.clone();
    b[49].1[0] ^= 1;
    let mut publisher = log.publisher();
    assert_eq!(publisher.published().unwrap().size, 100);
    publisher.extend(&b[..99]).unwrap();
    match publisher.extend(&b[99..]) {
        Err(PublishError::Rewritten { size: 100, dir }) => assert_eq!(dir, log.public),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        publisher.publish(),
        Err(PublishError::Rewritten { size: 100, .. })
    ));
    assert!(matches!(
        publisher.receipt(3),
        Err(PublishError::Rewritten { .. })
    ));
    assert_eq!(
        fs::read(&checkpoint).unwrap(),
        note,
        "nothing was published"
    );

    // A log shorter than the checkpoint was truncated.
    let mut publisher = log.publisher();
    publisher.extend(&a[..80]).unwrap();
    assert!(matches!(
        publisher.publish(),
        Err(PublishError::Rewritten { size: 100, .. })
    ));
    // And stays refused, even once it grows back.
    assert!(publisher.extend(&a[80..]).is_err());
    assert_eq!(
        fs::read(&checkpoint).unwrap(),
        note,
        "nothing was published"
    );

    // A gap is refused before anything is added.
    let mut publisher = log.publisher();
    publisher.extend(&a[..10]).unwrap();
    match publisher.extend(&a[11..12]) {
        Err(PublishError::Gap { size: 10, seq: 12 }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(publisher.tree().size(), 10);

    // The true log carries on from its checkpoint.
    let mut publisher = log.publisher();
    publisher.extend(&a[..100]).unwrap();
    assert!(publisher.publish().unwrap().is_none(), "nothing new");
    publisher.extend(&a[100..]).unwrap();
    let later = publisher.publish().unwrap().unwrap().note.clone();
    let (old, new) = (log.open(&note), log.open(&later));
    assert_eq!(new.size(), 120);
    check_consistent(&Source::Dir(log.public.clone()), &old, &new).unwrap();

    // A checkpoint signed by another key is not this log's.
    let other = Log::new();
    let err = Publisher::open(LogKeys::open(&other.keys).unwrap(), &log.public).err();
    assert!(
        matches!(err, Some(PublishError::Unreadable { .. })),
        "{err:?}"
    );
}

#[test]
fn the_publisher_follows_a_sqlite_log_and_sees_it_rewritten() {
    let db = TestDb::sqlite();
    let mut store = db.open();
    let mut stored = Vec::new();
    let mut append = |store: &mut dyn modpod_store::EventStore, n: usize| {
        let events: Vec<NewEvent> = (0..n)
            .map(|i| NewEvent {
                at_micros: 1_700_000_000_000_000 + i64::try_from(i).unwrap(),
                actor: format!("actor-{i}"),
                role: "moderator".into(),
                kind: "test".into(),
                payload: format!(r#"{{"n":{i}}}"#),
            })
            .collect();
        let head = u64::try_from(stored.len()).unwrap();
        for event in store.append(head, &events).unwrap() {
            stored.push((event.seq, event.hash));
        }
    };
    // More than one batch of the publisher's reads (10,000).
    for _ in 0..21 {
        append(&mut *store, 1000);
    }
    let log = Log::new();
    let mut publisher = log.publisher();
    assert_eq!(publisher.follow(&mut *store).unwrap(), 21_000);
    assert_eq!(publisher.follow(&mut *store).unwrap(), 0);
    append(&mut *store, 7);
    assert_eq!(publisher.follow(&mut *store).unwrap(), 7);
    let published = publisher.publish().unwrap().unwrap().clone();
    assert_eq!(published.size, 21_007);

    // The same tree as from the stored hashes, leaf by leaf.
    let keys = LogKeys::open(&log.keys).unwrap();
    for &(seq, hash) in stored.iter().step_by(997) {
        assert_eq!(
            publisher.tree().leaf(seq - 1),
            Some(keys.commitment.open(seq, hash).leaf_hash())
        );
    }
    let mut direct = log.publisher_in(&log.dir("direct"));
    direct.extend(&stored).unwrap();
    assert_eq!(direct.tree().root(21_007).unwrap(), published.root);

    // Event 12,345's stored hash rewritten behind the store's back.
    let mut forged = stored[12_344].1;
    forged[0] ^= 1;
    db.sql(&format!(
        "UPDATE events SET hash = X'{}' WHERE seq = 12345;",
        hex::encode(forged)
    ));
    let mut publisher = log.publisher();
    assert!(matches!(
        publisher.follow(&mut *store),
        Err(PublishError::Rewritten { size: 21_007, .. })
    ));
    assert_eq!(
        fs::read(log.public.join("checkpoint")).unwrap(),
        published.note
    );
}

// Receipts.

#[test]
fn a_receipt_round_trips_and_proves_its_event() {
    let log = Log::new();
    let events = hashes("a", 800);
    let mut publisher = log.publisher();
    publisher.extend(&events[..300]).unwrap();
    assert!(publisher.receipt(0).unwrap().is_none());
    assert!(publisher.receipt(301).unwrap().is_none());
    // The receipt publishes the checkpoint that includes its event.
    assert!(publisher.published().is_none());
    let receipt = publisher.receipt(42).unwrap().unwrap();
    assert_eq!(publisher.published().unwrap().size, 300);
    assert_eq!(receipt.checkpoint, publisher.published().unwrap().note);
    let keys = LogKeys::open(&log.keys).unwrap();
    assert_eq!(receipt.opening, keys.commitment.open(42, events[41].1));

    let text = receipt.to_text();
    assert!(
        text.starts_with(&format!(
            "modpod-receipt/v1\nevent 42\nsalt {}\nevent-hash {}\n\n{ORIGIN}\n300\n",
            hex::encode(keys.commitment.salt(42)),
            hex::encode(events[41].1)
        )),
        "{text}"
    );
    assert_eq!(Receipt::parse(&text).unwrap(), receipt);
    assert_eq!(
        Receipt::parse(&text.replace('\n', "\r\n")).unwrap(),
        receipt
    );
    assert_eq!(Receipt::parse(&format!("\n  {text}")).unwrap(), receipt);

    let source = Source::Dir(log.public.clone());
    let at = log.open(&receipt.checkpoint);
    check_receipt(&source, &receipt, &at, &at).unwrap();

    // Still on the record at later checkpoints.
    publisher.extend(&events[300..700]).unwrap();
    publisher.publish().unwrap().unwrap();
    let latest = log.open(&source.checkpoint().unwrap());
    check_receipt(&source, &receipt, &at, &latest).unwrap();
    // Every event of the log has one.
    for seq in [1, 255, 256, 257, 300] {
        let receipt = publisher.receipt(seq).unwrap().unwrap();
        let at = log.open(&receipt.checkpoint);
        assert_eq!(at.size(), 700);
        check_receipt(&source, &receipt, &at, &latest).unwrap();
    }
    // An event after the latest checkpoint gets a new one.
    publisher.extend(&events[700..]).unwrap();
    let late = publisher.receipt(750).unwrap().unwrap();
    assert_eq!(log.open(&late.checkpoint).size(), 800);
    assert_eq!(publisher.published().unwrap().size, 800);

    // An opening that is not the event's proves nothing.
    let wrong = |change: &dyn Fn(&mut Receipt)| {
        let mut forged = receipt.clone();
        change(&mut forged);
        check_receipt(&source, &forged, &at, &latest)
    };
    for change in [
        &(|r: &mut Receipt| r.opening.event_hash[7] ^= 1) as &dyn Fn(&mut Receipt),
        &|r: &mut Receipt| r.opening.salt[0] ^= 1,
        &|r: &mut Receipt| r.opening.seq = 43,
    ] {
        match wrong(change) {
            Err(AuditError::NotIncluded { size: 300, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    match wrong(&|r: &mut Receipt| r.opening.seq = 301) {
        Err(AuditError::NotIncluded {
            seq: 301,
            size: 300,
        }) => {}
        other => panic!("{other:?}"),
    }
    // The latest checkpoint must not be older than the receipt's.
    assert!(matches!(
        check_receipt(&source, &late, &log.open(&late.checkpoint), &latest),
        Err(AuditError::Shrunk { old: 800, new: 700 })
    ));
}

#[test]
fn a_receipt_fails_once_its_event_is_rewritten_or_removed() {
    let log = Log::new();
    let events = hashes("a", 400);
    let mut publisher = log.publisher();
    publisher.extend(&events[..300]).unwrap();
    let receipt = publisher.receipt(42).unwrap().unwrap();
    let at = log.open(&receipt.checkpoint);

    // The log without event 42, republished with the same keys.
    let removed: Vec<(u64, Hash)> = events
        .iter()
        .filter(|(seq, _)| *seq != 42)
        .zip(1..)
        .map(|((_, hash), seq)| (seq, *hash))
        .collect();
    let removed_dir = log.dir("removed");
    let removed_latest = log.open(&log.publish_in(&removed_dir, &removed));
    let removed_source = Source::Dir(removed_dir);
    match check_receipt(&removed_source, &receipt, &at, &removed_latest) {
        Err(AuditError::Inconsistent { old: 300, new: 399 }) => {}
        other => panic!("{other:?}"),
    }
    // Nor is the leaf in the rewritten log's own checkpoint.
    match check_receipt(&removed_source, &receipt, &removed_latest, &removed_latest) {
        Err(AuditError::NotIncluded { seq: 42, size: 399 }) => {}
        other => panic!("{other:?}"),
    }

    // Event 42 rewritten, the log published at the receipt's size.
    let mut rewritten = events[..300].to_vec();
    rewritten[41].1[0] ^= 1;
    let dir = log.dir("rewritten");
    let latest = log.open(&log.publish_in(&dir, &rewritten));
    assert!(matches!(
        check_receipt(&Source::Dir(dir), &receipt, &at, &latest),
        Err(AuditError::Fork { size: 300, .. })
    ));
}

#[test]
fn malformed_receipts_say_what_is_wrong() {
    let log = Log::new();
    let mut publisher = log.publisher();
    publisher.extend(&hashes("a", 10)).unwrap();
    let good = publisher.receipt(3).unwrap().unwrap().to_text();
    let lines: Vec<&str> = good.lines().collect();
    let salt = lines[2];
    let hash = lines[3];
    let note = good.split_once("\n\n").unwrap().1;

    let cases: Vec<(String, &str)> = vec![
        (String::new(), "a header, a blank line and a checkpoint"),
        (
            good.replace("\n\n", "\n"),
            "a header, a blank line and a checkpoint",
        ),
        (
            good.replace("modpod-receipt/v1", "modpod-receipt/v2"),
            "starts with the line modpod-receipt/v1",
        ),
        (
            good.replace("event 3\n", "event 0\n"),
            "not a number from 1",
        ),
        (
            good.replace("event 3\n", "event three\n"),
            "not a number from 1",
        ),
        (
            good.replace("event 3\n", "event -3\n"),
            "not a number from 1",
        ),
        (
            good.replace("event 3\n", "event3\n"),
            "\"event\" is missing",
        ),
        (
            good.replace(salt, &salt[..salt.len() - 2]),
            "salt is not 64 hex digits",
        ),
        (
            good.replace(hash, &format!("{}g", &hash[..hash.len() - 1])),
            "event-hash is not 64 hex digits",
        ),
        (
            good.replace(&format!("{salt}\n"), ""),
            "\"salt\" is missing or out of order",
        ),
        (
            good.replace(&format!("{salt}\n{hash}"), &format!("{hash}\n{salt}")),
            "\"salt\" is missing or out of order",
        ),
        (
            good.replace(&format!("{hash}\n"), ""),
            "\"event-hash\" is missing",
        ),
    ];
    for (text, expected) in cases {
        match Receipt::parse(&text) {
            Err(message) => assert!(message.contains(expected), "{message:?} for {text:?}"),
            Ok(receipt) => panic!("parsed {receipt:?} from {text:?}"),
        }
    }

    // A receipt whose checkpoint was altered parses, and fails to open.
    let altered = good.replace(note, &note.replacen("\n10\n", "\n11\n", 1));
    let receipt = Receipt::parse(&altered).unwrap();
    assert!(matches!(
        open_checkpoint(&receipt.checkpoint, &log.vkey, &[], 0),
        Err(AuditError::Unsigned { .. })
    ));
}

// Tiles.

#[test]
fn partial_tiles_across_256_and_65536_and_their_full_tile_fallback() {
    assert_eq!(
        tile_path(&Tile::new(8, 0, 1234, 256, false)),
        "tile/0/x001/234"
    );
    assert_eq!(tile_path(&Tile::new(8, 2, 5, 7, false)), "tile/2/005.p/7");

    let log = Log::new();
    let events = hashes("a", 70_000);
    let mut publisher = log.publisher();
    let sizes = [1, 255, 256, 257, 511, 65_535, 65_536, 65_537, 70_000];
    let mut receipts = Vec::new();
    for size in sizes {
        let from = usize::try_from(publisher.tree().size()).unwrap();
        publisher.extend(&events[from..size]).unwrap();
        // A receipt for the last event and one for the first of this size.
        receipts.push(
            publisher
                .receipt(u64::try_from(size).unwrap())
                .unwrap()
                .unwrap(),
        );
        receipts.push(publisher.receipt(1).unwrap().unwrap());
    }
    let public = &log.public;
    let tile_bytes = |path: &str| fs::read(public.join(path)).map(|b| b.len()).ok();
    for (path, width) in [
        ("tile/0/000.p/1", 1),
        ("tile/0/000.p/255", 255),
        ("tile/0/000", 256),
        ("tile/0/001.p/1", 1),
        ("tile/0/001.p/255", 255),
        ("tile/0/255.p/255", 255),
        ("tile/0/255", 256),
        ("tile/0/256.p/1", 1),
        ("tile/0/272", 256),
        ("tile/0/273.p/112", 112),
        ("tile/1/000.p/1", 1),
        ("tile/1/000.p/255", 255),
        ("tile/1/000", 256),
        ("tile/1/001.p/17", 17),
        ("tile/2/000.p/1", 1),
    ] {
        assert_eq!(tile_bytes(path), Some(width * 32), "{path}");
    }
    for absent in [
        "tile/0/273",
        "tile/0/274",
        "tile/1/001",
        "tile/2/000",
        "tile/3",
    ] {
        assert_eq!(tile_bytes(absent), None, "{absent}");
    }

    let source = Source::Dir(public.clone());
    let checkpoints: Vec<Checkpoint> = sizes
        .iter()
        .map(|&size| {
            let receipt = receipts
                .iter()
                .find(|r| log.open(&r.checkpoint).size() == u64::try_from(size).unwrap())
                .unwrap();
            log.open(&receipt.checkpoint)
        })
        .collect();
    let check_all = || {
        for (i, old) in checkpoints.iter().enumerate() {
            for new in &checkpoints[i..] {
                check_consistent(&source, old, new)
                    .unwrap_or_else(|e| panic!("{} to {}: {e}", old.size(), new.size()));
            }
        }
        let latest = checkpoints.last().unwrap();
        for receipt in &receipts {
            let at = log.open(&receipt.checkpoint);
            check_receipt(&source, receipt, &at, latest)
                .unwrap_or_else(|e| panic!("event {} at {}: {e}", receipt.opening.seq, at.size()));
        }
    };
    check_all();

    // Partial tiles may go once their full tile is published: the old
    // checkpoints then read the full tile's first hashes.
    let keep = ["tile/0/273.p", "tile/1/001.p", "tile/2/000.p"];
    let mut removed = 0;
    for path in files(&public.join("tile")) {
        let relative = path
            .strip_prefix(public)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if relative.contains(".p/") && !keep.iter().any(|k| relative.starts_with(k)) {
            fs::remove_file(&path).unwrap();
            removed += 1;
        }
    }
    assert_eq!(removed, 8, "the partial tiles of the older checkpoints");
    check_all();

    // Without the full tile either, the verifier says which tile is missing.
    fs::remove_file(public.join("tile/0/000")).unwrap();
    let at_255 = &checkpoints[1];
    let receipt = receipts
        .iter()
        .find(|r| log.open(&r.checkpoint).size() == 255)
        .unwrap();
    match check_receipt(&source, receipt, at_255, at_255) {
        Err(AuditError::Source(reason)) => {
            assert!(reason.contains("has no tile/0/000.p/255"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tampered_truncated_or_oversized_tiles_are_reported_not_blamed_on_the_log() {
    let log = Log::new();
    let events = hashes("a", 1000);
    let mut publisher = log.publisher();
    publisher.extend(&events[..300]).unwrap();
    let receipt = publisher.receipt(300).unwrap().unwrap();
    publisher.extend(&events[300..]).unwrap();
    publisher.publish().unwrap().unwrap();
    let source = Source::Dir(log.public.clone());
    let (old, new) = (
        log.open(&receipt.checkpoint),
        log.open(&source.checkpoint().unwrap()),
    );
    check_receipt(&source, &receipt, &old, &new).unwrap();

    let tile = log.public.join("tile/0/001");
    let original = fs::read(&tile).unwrap();
    let expect_source_error = |needle: &str| match check_receipt(&source, &receipt, &old, &new) {
        Err(AuditError::Source(reason)) => assert!(reason.contains(needle), "{reason}"),
        other => panic!("{other:?}"),
    };

    let mut tampered = original.clone();
    tampered[44 * 32 + 5] ^= 1;
    fs::write(&tile, &tampered).unwrap();
    expect_source_error("not match");

    fs::write(&tile, &original[..100]).unwrap();
    expect_source_error("holds 100 bytes");

    fs::write(&tile, vec![0; 65 * 1024]).unwrap();
    expect_source_error("larger than");

    fs::write(&tile, &original).unwrap();
    check_receipt(&source, &receipt, &old, &new).unwrap();

    let empty = tempfile::tempdir().unwrap();
    let err = Source::Dir(empty.path().to_owned())
        .checkpoint()
        .unwrap_err();
    assert!(err.contains("has no checkpoint"), "{err}");
}

// Witnesses.

struct WitnessKey {
    skey: String,
    verifier: CosignatureVerifier,
}

fn witness_key() -> WitnessKey {
    let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, WITNESS);
    // A plain Ed25519 note key is not a cosignature key.
    assert!(CosignatureVerifier::new(&vkey).is_none());
    let cosigner = Cosigner::from_private_key(&skey).unwrap();
    let verifier = CosignatureVerifier::new(&cosigner.verifier_key()).unwrap();
    WitnessKey { skey, verifier }
}

fn open_witness(key: &WitnessKey, logs: &[String], state: &Path) -> Witness {
    Witness::open(Cosigner::from_private_key(&key.skey).unwrap(), logs, state).unwrap()
}

/// An add-checkpoint request body.
fn body(old: u64, proof: &[TreeHash], note: &[u8]) -> Vec<u8> {
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&format!("{hash}\n"));
    }
    body.push('\n');
    let mut body = body.into_bytes();
    body.extend_from_slice(note);
    body
}

fn refusal(status: u16) -> impl Fn(Result<Vec<u8>, Refused>) {
    move |result| match result {
        Err(refused) => assert_eq!(refused.status, status, "{refused:?}"),
        Ok(line) => panic!("cosigned: {}", String::from_utf8_lossy(&line)),
    }
}

#[test]
fn cosignature_keys_follow_tlog_cosignature() {
    let key = witness_key();
    let cosigner = Cosigner::from_private_key(&key.skey).unwrap();
    let vkey = cosigner.verifier_key();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, encoded) = rest.split_once('+').unwrap();
    assert_eq!(name, WITNESS);
    let encoded = BASE64_STANDARD.decode(encoded).unwrap();
    assert_eq!((encoded.len(), encoded[0]), (33, 0x04));
    assert_eq!(
        u32::from_str_radix(id, 16).unwrap(),
        signed_note::key_id(WITNESS, &encoded)
    );
    assert!(CosignatureVerifier::new(&vkey.replacen(WITNESS, "other.example", 1)).is_none());
    assert!(CosignatureVerifier::new("witness.example+00000000+AAAA").is_none());
    for junk in [
        "",
        "PRIVATE+KEY+w+1+",
        "PUBLIC+KEY+w+00000000+AQ==",
        "PRIVATE+KEY+w+00000000+!!",
    ] {
        assert!(Cosigner::from_private_key(junk).is_none(), "{junk:?}");
    }

    // `modpod witness` makes its key with cosign::generate.
    assert!(modpod_audit::cosign::generate("two words").is_none());
    let skey = modpod_audit::cosign::generate(WITNESS).unwrap();
    assert!(
        skey.starts_with(&format!("PRIVATE+KEY+{WITNESS}+")),
        "{skey}"
    );
    let generated = Cosigner::from_private_key(&skey).unwrap();
    assert!(CosignatureVerifier::new(&generated.verifier_key()).is_some());
    assert_ne!(generated.verifier_key(), vkey);
}

#[test]
fn a_witness_cosigns_a_first_checkpoint_and_each_extension() {
    let log = Log::new();
    let events = hashes("a", 250);
    let mut publisher = log.publisher();
    publisher.extend(&events[..100]).unwrap();
    let first = publisher.publish().unwrap().unwrap().clone();
    let key = witness_key();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("witness.state");
    let mut witness = open_witness(&key, std::slice::from_ref(&log.vkey), &state);
    assert_eq!(witness.latest(ORIGIN), None);

    let line = witness
        .add_checkpoint(&body(0, &[], &first.note), NOW)
        .unwrap();
    let text = String::from_utf8(line.clone()).unwrap();
    assert!(text.starts_with(&format!("— {WITNESS} ")), "{text}");
    assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
    // key id, the time, the Ed25519 signature.
    let signature = BASE64_STANDARD
        .decode(text.trim_end().rsplit(' ').next().unwrap())
        .unwrap();
    assert_eq!(signature.len(), 4 + 8 + 64);
    assert_eq!(
        u64::from_be_bytes(signature[4..12].try_into().unwrap()),
        NOW
    );
    assert_eq!(witness.latest(ORIGIN), Some((100, first.root)));

    let mut cosigned = first.note.clone();
    cosigned.extend_from_slice(&line);
    let checked =
        open_checkpoint(&cosigned, &log.vkey, std::slice::from_ref(&key.verifier), 1).unwrap();
    assert_eq!(checked.cosigned_by, vec![WITNESS.to_owned()]);
    assert_eq!(checked.checkpoint.size(), 100);
    assert!(matches!(
        open_checkpoint(
            &first.note,
            &log.vkey,
            std::slice::from_ref(&key.verifier),
            1
        ),
        Err(AuditError::Witnesses { needed: 1, got: 0 })
    ));
    assert!(matches!(
        open_checkpoint(&cosigned, &log.vkey, std::slice::from_ref(&key.verifier), 2),
        Err(AuditError::Witnesses { needed: 2, got: 1 })
    ));
    // Another witness's key does not count it.
    let stranger = witness_key();
    assert!(matches!(
        open_checkpoint(&cosigned, &log.vkey, &[stranger.verifier], 1),
        Err(AuditError::Witnesses { needed: 1, got: 0 })
    ));

    publisher.extend(&events[100..]).unwrap();
    let second = publisher.publish().unwrap().unwrap().clone();
    // The cosignature of the first checkpoint does not sign the second.
    let mut moved = second.note.clone();
    moved.extend_from_slice(&line);
    assert!(matches!(
        open_checkpoint(&moved, &log.vkey, std::slice::from_ref(&key.verifier), 1),
        Err(AuditError::Unsigned { .. })
    ));

    let proof = publisher.tree().consistency(100, 250).unwrap();
    let line = witness
        .add_checkpoint(&body(100, &proof, &second.note), NOW + 60)
        .unwrap();
    let mut cosigned = second.note.clone();
    cosigned.extend_from_slice(&line);
    open_checkpoint(&cosigned, &log.vkey, std::slice::from_ref(&key.verifier), 1).unwrap();
    assert_eq!(witness.latest(ORIGIN), Some((250, second.root)));
    // The same checkpoint again is cosigned again.
    witness
        .add_checkpoint(&body(250, &[], &second.note), NOW + 120)
        .unwrap();

    // A log that rotated its key may be followed under both keys.
    let rotated_vkey = LogKeys::rotate_signing(&log.keys).unwrap();
    let both = [log.vkey.clone(), rotated_vkey.clone()];
    let mut witness = open_witness(&key, &both, &state);
    let mut rotated = Publisher::open(
        LogKeys::open(&log.keys).unwrap(),
        &log.dir("after-rotation"),
    )
    .unwrap();
    let more = hashes("a", 300);
    rotated.extend(&more).unwrap();
    let third = rotated.publish().unwrap().unwrap().clone();
    let proof = rotated.tree().consistency(250, 300).unwrap();
    let line = witness
        .add_checkpoint(&body(250, &proof, &third.note), NOW + 180)
        .unwrap();
    let mut cosigned = third.note.clone();
    cosigned.extend_from_slice(&line);
    open_checkpoint(
        &cosigned,
        &rotated_vkey,
        std::slice::from_ref(&key.verifier),
        1,
    )
    .unwrap();
}

#[test]
fn a_witness_refuses_as_tlog_witness_says() {
    let log = Log::new();
    let events = hashes("a", 250);
    let mut publisher = log.publisher();
    publisher.extend(&events[..100]).unwrap();
    let first = publisher.publish().unwrap().unwrap().clone();
    publisher.extend(&events[100..]).unwrap();
    let second = publisher.publish().unwrap().unwrap().clone();
    let proof = publisher.tree().consistency(100, 250).unwrap();

    let key = witness_key();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("witness.state");
    let mut witness = open_witness(&key, std::slice::from_ref(&log.vkey), &state);

    // Before anything is cosigned: a proof from size 0 must be empty.
    refusal(422)(witness.add_checkpoint(&body(0, &proof, &second.note), NOW));
    witness
        .add_checkpoint(&body(0, &[], &first.note), NOW)
        .unwrap();
    let state_text = fs::read_to_string(&state).unwrap();
    assert_eq!(state_text, format!("{ORIGIN} 100 {}\n", first.root));

    // Another old size than the one cosigned: 409 with the size it knows.
    for old in [0, 50, 99, 101] {
        let refused = witness
            .add_checkpoint(&body(old, &[], &second.note), NOW)
            .unwrap_err();
        assert_eq!(
            refused,
            Refused {
                status: 409,
                body: "100\n".into(),
                known_size: Some(100)
            },
            "old {old}"
        );
    }
    // An old size above the checkpoint's size is a bad request.
    refusal(400)(witness.add_checkpoint(&body(251, &[], &second.note), NOW));

    // A log the witness does not follow.
    let stranger = Log::with_origin("other.example/log");
    let note = stranger.publish_in(&stranger.public, &events[..10]);
    refusal(404)(witness.add_checkpoint(&body(0, &[], &note), NOW));

    // This log's origin, another key.
    let impostor = Log::new();
    let note = impostor.publish_in(&impostor.public, &events);
    refusal(403)(witness.add_checkpoint(&body(100, &proof, &note), NOW));
    // The log's own checkpoint, altered.
    let text = String::from_utf8(second.note.clone()).unwrap();
    let altered = text.replacen("\n250\n", "\n251\n", 1);
    refusal(403)(witness.add_checkpoint(&body(100, &proof, altered.as_bytes()), NOW));

    // Proofs that do not verify.
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i].0[i % 32] ^= 1;
        refusal(422)(witness.add_checkpoint(&body(100, &bad, &second.note), NOW));
    }
    refusal(422)(witness.add_checkpoint(&body(100, &[], &second.note), NOW));
    refusal(422)(witness.add_checkpoint(&body(100, &proof[1..], &second.note), NOW));
    let from_99 = publisher.tree().consistency(99, 250).unwrap();
    refusal(422)(witness.add_checkpoint(&body(100, &from_99, &second.note), NOW));

    // A fork: the same size with another root (409, C2SP tlog-witness), and
    // a larger tree that does not extend the cosigned one (422).
    let mut forked = events.clone();
    forked[4].1[0] ^= 1;
    let mut fork = log.publisher_in(&log.dir("fork"));
    fork.extend(&forked[..100]).unwrap();
    let fork_100 = fork.publish().unwrap().unwrap().note.clone();
    let refused = witness
        .add_checkpoint(&body(100, &[], &fork_100), NOW)
        .unwrap_err();
    assert_eq!((refused.status, refused.known_size), (409, Some(100)));
    fork.extend(&forked[100..]).unwrap();
    let fork_250 = fork.publish().unwrap().unwrap().note.clone();
    let fork_proof = fork.tree().consistency(100, 250).unwrap();
    refusal(422)(witness.add_checkpoint(&body(100, &fork_proof, &fork_250), NOW));
    // The same checkpoint, with a proof where none is due.
    refusal(422)(witness.add_checkpoint(&body(100, &proof, &first.note), NOW));

    // Malformed requests.
    let mut not_utf8 = body(100, &proof, &second.note);
    not_utf8.push(0xff);
    for bad in [
        not_utf8,
        b"old 100\n".to_vec(),
        body(100, &proof, b"not a note\n"),
        [b"old x\n\n".as_slice(), &second.note].concat(),
        [b"new 100\n\n".as_slice(), &second.note].concat(),
        [b"old 100\nnot base64!\n\n".as_slice(), &second.note].concat(),
        body(
            100,
            &proof,
            format!("{ORIGIN}\nnot a checkpoint\n\n— x AAAAAAA=\n").as_bytes(),
        ),
    ] {
        refusal(400)(witness.add_checkpoint(&bad, NOW));
    }

    // Nothing refused changed what the witness knows.
    assert_eq!(witness.latest(ORIGIN), Some((100, first.root)));
    assert_eq!(fs::read_to_string(&state).unwrap(), state_text);
    witness
        .add_checkpoint(&body(100, &proof, &second.note), NOW)
        .unwrap();
}

#[test]
fn a_witness_remembers_across_restarts() {
    let log = Log::new();
    let events = hashes("a", 200);
    let mut publisher = log.publisher();
    publisher.extend(&events[..100]).unwrap();
    let first = publisher.publish().unwrap().unwrap().clone();
    let key = witness_key();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("witness.state");
    let logs = std::slice::from_ref(&log.vkey);
    open_witness(&key, logs, &state)
        .add_checkpoint(&body(0, &[], &first.note), NOW)
        .unwrap();

    let mut witness = open_witness(&key, logs, &state);
    assert_eq!(witness.latest(ORIGIN), Some((100, first.root)));
    let refused = witness
        .add_checkpoint(&body(0, &[], &first.note), NOW)
        .unwrap_err();
    assert_eq!(refused.known_size, Some(100));
    publisher.extend(&events[100..]).unwrap();
    let second = publisher.publish().unwrap().unwrap().clone();
    let proof = publisher.tree().consistency(100, 200).unwrap();
    witness
        .add_checkpoint(&body(100, &proof, &second.note), NOW)
        .unwrap();
    drop(witness);
    assert_eq!(
        open_witness(&key, logs, &state).latest(ORIGIN),
        Some((200, second.root))
    );

    for bad in [
        "garbage\n",
        "log 1\n",
        "log x AAAA\n",
        "log 1 notahash!\n",
        "log 1 a b\n",
    ] {
        fs::write(&state, bad).unwrap();
        let cosigner = Cosigner::from_private_key(&key.skey).unwrap();
        assert!(Witness::open(cosigner, logs, &state).is_err(), "{bad:?}");
    }
    let cosigner = Cosigner::from_private_key(&key.skey).unwrap();
    assert!(Witness::open(cosigner, &["not a key".into()], &tmp.path().join("new")).is_err());
}

/// A one-thread HTTP/1.1 server on 127.0.0.1 answering each request with
/// `handler(method, path, body)`, one request per connection. Returns its URL.
fn serve(handler: impl Fn(&str, &str, &[u8]) -> (u16, Vec<u8>) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = answer(&mut stream, &handler);
        }
    });
    url
}

fn answer(
    stream: &mut std::net::TcpStream,
    handler: &impl Fn(&str, &str, &[u8]) -> (u16, Vec<u8>),
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut words = request.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, reply) = handler(method, path, &body);
    write!(
        stream,
        "HTTP/1.1 {status} Answer\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    )?;
    stream.write_all(&reply)?;
    stream.flush()
}

#[test]
fn the_publisher_gathers_cosignatures_from_a_witness_over_http() {
    let log = Log::new();
    let key = witness_key();
    let tmp = tempfile::tempdir().unwrap();
    let witness = Arc::new(Mutex::new(open_witness(
        &key,
        std::slice::from_ref(&log.vkey),
        &tmp.path().join("witness.state"),
    )));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let url = {
        let (witness, requests) = (witness.clone(), requests.clone());
        serve(move |method, path, body| {
            if (method, path) != ("POST", "/add-checkpoint") {
                return (404, b"no such page\n".to_vec());
            }
            let first = String::from_utf8_lossy(body)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            requests.lock().unwrap().push(first);
            match witness.lock().unwrap().add_checkpoint(body, NOW) {
                Ok(line) => (200, line),
                Err(refused) => (refused.status, refused.body.into_bytes()),
            }
        })
    };
    let cosigned =
        |note: &[u8]| open_checkpoint(note, &log.vkey, std::slice::from_ref(&key.verifier), 1);

    let events = hashes("a", 300);
    let mut publisher = log
        .publisher()
        .with_witnesses(vec![Remote::new(&format!("{url}/"))]);
    publisher.extend(&events[..100]).unwrap();
    let note = publisher.publish().unwrap().unwrap().note.clone();
    assert_eq!(
        cosigned(&note).unwrap().cosigned_by,
        vec![WITNESS.to_owned()]
    );
    assert_eq!(fs::read(log.public.join("checkpoint")).unwrap(), note);
    publisher.extend(&events[100..200]).unwrap();
    let note = publisher.publish().unwrap().unwrap().note.clone();
    cosigned(&note).unwrap();
    assert_eq!(*requests.lock().unwrap(), ["old 0", "old 100"]);

    // After a restart the publisher does not know the witness's size: the
    // witness says it (409) and the publisher proves from there.
    drop(publisher);
    let mut publisher = log.publisher().with_witnesses(vec![Remote::new(&url)]);
    publisher.extend(&events).unwrap();
    let note = publisher.publish().unwrap().unwrap().note.clone();
    cosigned(&note).unwrap();
    assert_eq!(
        *requests.lock().unwrap(),
        ["old 0", "old 100", "old 0", "old 200"]
    );
    assert_eq!(witness.lock().unwrap().latest(ORIGIN).unwrap().0, 300);

    // A witness that does not answer is skipped: the checkpoint is still
    // published, without its cosignature.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut publisher = log
        .publisher()
        .with_witnesses(vec![Remote::new(&format!("http://127.0.0.1:{port}"))]);
    publisher.extend(&hashes("a", 310)).unwrap();
    let note = publisher.publish().unwrap().unwrap().note.clone();
    assert_eq!(log.open(&note).size(), 310);
    assert!(matches!(
        cosigned(&note),
        Err(AuditError::Witnesses { needed: 1, got: 0 })
    ));
}

#[test]
fn a_verifier_reads_the_log_from_its_url() {
    let log = Log::new();
    let events = hashes("a", 700);
    let mut publisher = log.publisher();
    publisher.extend(&events[..300]).unwrap();
    let receipt = publisher.receipt(123).unwrap().unwrap();
    publisher.extend(&events[300..]).unwrap();
    publisher.publish().unwrap().unwrap();

    let public = log.public.clone();
    let url = serve(move |method, path, _| {
        let relative = path.trim_start_matches('/');
        if method != "GET" || relative.contains("..") {
            return (400, Vec::new());
        }
        if relative == "broken" {
            return (500, b"oops".to_vec());
        }
        match fs::read(public.join(relative)) {
            Ok(bytes) => (200, bytes),
            Err(_) => (404, Vec::new()),
        }
    });
    let source = Source::parse(&format!("{url}/"));
    assert!(matches!(&source, Source::Url(u) if *u == url), "{source:?}");
    assert!(matches!(Source::parse("/some/dir"), Source::Dir(_)));
    let latest = log.open(&source.checkpoint().unwrap());
    assert_eq!(latest.size(), 700);
    let at = log.open(&receipt.checkpoint);
    check_consistent(&source, &at, &latest).unwrap();
    check_receipt(&source, &receipt, &at, &latest).unwrap();

    assert_eq!(source.get("missing").unwrap(), None);
    let err = source.get("broken").unwrap_err();
    assert!(err.contains("HTTP 500"), "{err}");
    // The full tile stands in for a partial one the server no longer has.
    fs::remove_file(log.public.join("tile/0/001.p/44")).unwrap();
    check_receipt(&source, &receipt, &at, &latest).unwrap();
}
