//! Ordinary use of a log: appending, scanning, conflicts and reopening.

use modpod_store::{EventStore, Head, NewEvent, StoreError, event_hash};

use super::{build, expect_intact, scan_all};
use crate::common::db::TestDb;
use crate::common::events::sample;

pub fn empty_log(store: &mut dyn EventStore, _db: &TestDb) {
    assert_eq!(store.head().unwrap(), Head::EMPTY);
    assert_eq!(store.event_count().unwrap(), 0);
    assert!(scan_all(store).is_empty());
    assert_eq!(expect_intact(store), Head::EMPTY);
    assert_eq!(store.latest_snapshot().unwrap(), None);
}

/// Events read by sequence number: in order, each once, and numbers with no
/// event left out.
pub fn events_read_by_sequence_number(store: &mut dyn EventStore, _db: &TestDb) {
    let stored = build(store, 6, 4);
    assert_eq!(
        store.events(&[5, 2, 99, 2, 0]).unwrap(),
        vec![stored[1].clone(), stored[4].clone()]
    );
    assert!(store.events(&[]).unwrap().is_empty());
    assert_eq!(store.events(&[1, 2, 3, 4, 5, 6]).unwrap(), stored);
}

pub fn append_and_scan_round_trip(store: &mut dyn EventStore, _db: &TestDb) {
    let events = sample(5, "round");
    let first = store.append(0, &events[..3]).unwrap();
    let second = store.append(3, &events[3..]).unwrap();
    let stored: Vec<_> = first.into_iter().chain(second).collect();

    let mut prev = modpod_store::GENESIS;
    for (i, (event, new)) in stored.iter().zip(&events).enumerate() {
        assert_eq!(event.seq, i as u64 + 1);
        assert_eq!(event.prev_hash, prev);
        assert_eq!(event.hash, event_hash(event.seq, new, &prev));
        assert_eq!(
            (
                event.at_micros,
                &event.actor,
                &event.role,
                &event.kind,
                &event.payload
            ),
            (
                new.at_micros,
                &new.actor,
                &new.role,
                &new.kind,
                &new.payload
            )
        );
        prev = event.hash;
    }
    assert_eq!(store.head().unwrap(), stored[4].as_head());
    assert_eq!(store.event_count().unwrap(), 5);
    assert_eq!(scan_all(store), stored);

    let mut tail = Vec::new();
    store
        .scan(3, &mut |event| {
            tail.push(event);
            Ok(())
        })
        .unwrap();
    assert_eq!(tail, stored[3..]);
    assert_eq!(expect_intact(store), stored[4].as_head());
}

pub fn stale_append_conflicts(store: &mut dyn EventStore, _db: &TestDb) {
    store.append(0, &sample(2, "a")).unwrap();
    let stale = store.append(0, &sample(1, "b"));
    assert!(
        matches!(
            stale,
            Err(StoreError::Conflict {
                expected: 0,
                actual: 2
            })
        ),
        "{stale:?}"
    );
    let ahead = store.append(5, &sample(1, "c"));
    assert!(
        matches!(
            ahead,
            Err(StoreError::Conflict {
                expected: 5,
                actual: 2
            })
        ),
        "{ahead:?}"
    );
    assert_eq!(store.event_count().unwrap(), 2);
    assert_eq!(expect_intact(store).seq, 2);
}

pub fn empty_batch_still_checks_head(store: &mut dyn EventStore, _db: &TestDb) {
    assert!(store.append(0, &[]).unwrap().is_empty());
    assert!(matches!(
        store.append(1, &[]),
        Err(StoreError::Conflict {
            expected: 1,
            actual: 0
        })
    ));
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn nul_characters_are_refused(store: &mut dyn EventStore, _db: &TestDb) {
    let mut events = sample(2, "nul");
    events[1].kind = "bad\0kind".into();
    let refused = store.append(0, &events);
    assert!(
        matches!(refused, Err(StoreError::InvalidEvent { index: 1, .. })),
        "{refused:?}"
    );
    assert_eq!(store.event_count().unwrap(), 0);
}

pub fn payload_text_is_kept_byte_for_byte(store: &mut dyn EventStore, _db: &TestDb) {
    let odd = [
        r#"{"b":1,"a":2}"#,
        "{ \"spaced\" :\t[1, 2.50, 1e3] }\n",
        r#"{"dup":1,"dup":2,"esc":"\u00e9\ud83d\ude00"}"#,
        "not json at all: ☃ \u{10FFFF}",
        "",
    ];
    let events: Vec<NewEvent> = odd
        .iter()
        .map(|payload| NewEvent {
            at_micros: -1,
            actor: "ünïcode".into(),
            role: String::new(),
            kind: "k".into(),
            payload: (*payload).into(),
        })
        .collect();
    store.append(0, &events).unwrap();
    let payloads: Vec<String> = scan_all(store).into_iter().map(|e| e.payload).collect();
    assert_eq!(payloads, odd);
    expect_intact(store);
}

pub fn scan_stops_when_told(store: &mut dyn EventStore, _db: &TestDb) {
    build(store, 10, 10);
    let mut seen = 0;
    let stopped = store.scan(0, &mut |_| {
        seen += 1;
        if seen == 2 {
            Err(StoreError::Unsupported("enough".into()))
        } else {
            Ok(())
        }
    });
    assert!(matches!(stopped, Err(StoreError::Unsupported(ref why)) if why == "enough"));
    assert_eq!(seen, 2);
    // The store is still usable after an interrupted scan.
    assert_eq!(store.append(10, &sample(1, "after")).unwrap()[0].seq, 11);
}

pub fn reopening_keeps_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let stored = build(store, 7, 3);
    let mut again = db.open();
    assert_eq!(again.head().unwrap(), stored[6].as_head());
    assert_eq!(scan_all(again.as_mut()), stored);
    assert_eq!(expect_intact(again.as_mut()), stored[6].as_head());
}

pub fn verify_reports_progress(store: &mut dyn EventStore, _db: &TestDb) {
    build(store, 10_000, 1_000);
    let mut reports = Vec::new();
    let verdict = modpod_store::verify(store, &mut |checked| reports.push(checked)).unwrap();
    assert!(matches!(verdict, modpod_store::Verdict::Intact { head } if head.seq == 10_000));
    assert_eq!(reports, [4096, 8192, 10_000]);
}

pub fn accounts_are_kept_beside_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let account = modpod_store::Account {
        name: "admin".into(),
        person: "admin".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    };
    assert_eq!(store.account("admin").unwrap(), None);
    assert!(store.create_account(&account).unwrap());
    let other = modpod_store::Account {
        person: "mallory".into(),
        ..account.clone()
    };
    assert!(
        !store.create_account(&other).unwrap(),
        "a second account of the same name"
    );
    assert_eq!(db.open().account("admin").unwrap(), Some(account));
    // Accounts are not events: the log is untouched.
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn api_tokens_are_kept_beside_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let token = modpod_store::ApiToken {
        id: "t1".into(),
        account: "listbot".into(),
        secret_hash: *blake3::hash(b"secret").as_bytes(),
        scope: "decide".into(),
        created_micros: 1_700_000_000_000_000,
        revoked_micros: None,
    };
    assert_eq!(store.token("t1").unwrap(), None);
    assert!(store.create_token(&token).unwrap());
    let other = modpod_store::ApiToken {
        account: "mallory".into(),
        ..token.clone()
    };
    assert!(
        !store.create_token(&other).unwrap(),
        "a second token with the same id"
    );
    assert_eq!(db.open().token("t1").unwrap(), Some(token.clone()));

    assert!(store.revoke_token("t1", 1_800_000_000_000_000).unwrap());
    assert!(
        !store.revoke_token("t1", 1_900_000_000_000_000).unwrap(),
        "revoked twice"
    );
    assert!(!store.revoke_token("nope", 1).unwrap());
    assert_eq!(
        db.open().token("t1").unwrap().unwrap().revoked_micros,
        Some(1_800_000_000_000_000),
        "the first revocation's time is kept"
    );
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn a_watch_wakes_when_another_connection_appends(store: &mut dyn EventStore, db: &TestDb) {
    use std::time::{Duration, Instant};
    let mut watch = store.watch().unwrap();
    assert!(
        !watch.wait(Duration::from_millis(60)).unwrap(),
        "nothing was appended"
    );

    let writer = std::thread::spawn({
        let mut other = db.open();
        move || {
            std::thread::sleep(Duration::from_millis(100));
            other.append(0, &sample(2, "watched")).unwrap();
        }
    });
    let started = Instant::now();
    assert!(
        watch.wait(Duration::from_secs(10)).unwrap(),
        "the append was seen"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(90),
        "woke before the append"
    );
    writer.join().unwrap();
    assert!(
        !watch.wait(Duration::from_millis(60)).unwrap(),
        "one append wakes it once"
    );

    store.append(2, &sample(1, "own")).unwrap();
    assert!(
        watch.wait(Duration::from_secs(10)).unwrap(),
        "appends on the store's own connection too"
    );
}

fn account(name: &str, person: &str) -> modpod_store::Account {
    modpod_store::Account {
        name: name.into(),
        person: person.into(),
        password_hash: format!("old-hash-of-{name}"),
    }
}

fn session(id: &[u8], account: &str) -> modpod_store::Session {
    modpod_store::Session {
        id_hash: *blake3::hash(id).as_bytes(),
        account: account.into(),
        csrf: "csrf-token".into(),
        created_micros: 10,
        expires_micros: 1_000,
    }
}

pub fn a_password_change_ends_the_other_sessions(store: &mut dyn EventStore, db: &TestDb) {
    for (name, person) in [("bob", "bob"), ("bob-work", "bob"), ("carol", "carol")] {
        assert!(store.create_account(&account(name, person)).unwrap());
    }
    let names = |accounts: Vec<modpod_store::Account>| -> Vec<String> {
        accounts.into_iter().map(|a| a.name).collect()
    };
    assert_eq!(
        names(store.accounts_of("bob").unwrap()),
        ["bob", "bob-work"]
    );
    assert!(store.accounts_of("nobody").unwrap().is_empty());

    let (here, there, elsewhere) = (
        session(b"here", "bob"),
        session(b"there", "bob"),
        session(b"c", "carol"),
    );
    for s in [&here, &there, &elsewhere] {
        store.create_session(s).unwrap();
    }
    assert_eq!(
        store.set_password("nobody", "new", None).unwrap(),
        None,
        "no such account"
    );
    let ended = store
        .set_password("bob", "new-hash", Some(&here.id_hash))
        .unwrap()
        .unwrap();
    assert_eq!(ended, [there.id_hash], "only the other session ends");
    let mut other = db.open();
    assert_eq!(
        other.account("bob").unwrap().unwrap().password_hash,
        "new-hash"
    );
    assert_eq!(
        other.account("bob-work").unwrap().unwrap().password_hash,
        "old-hash-of-bob-work"
    );
    assert!(other.session(&here.id_hash).unwrap().is_some(), "kept");
    assert!(other.session(&there.id_hash).unwrap().is_none(), "ended");
    assert!(
        other.session(&elsewhere.id_hash).unwrap().is_some(),
        "carol's"
    );

    assert_eq!(store.end_sessions("bob", None).unwrap(), [here.id_hash]);
    assert!(store.end_sessions("bob", None).unwrap().is_empty());
    assert!(other.session(&elsewhere.id_hash).unwrap().is_some());
    assert_eq!(store.head().unwrap(), Head::EMPTY, "nothing in the log");
}

pub fn a_password_reset_works_once_and_only_the_newest(store: &mut dyn EventStore, db: &TestDb) {
    assert!(store.create_account(&account("bob", "bob")).unwrap());
    let reset = |token: &[u8], created: i64, expires: i64| modpod_store::PasswordReset {
        token_hash: *blake3::hash(token).as_bytes(),
        account: "bob".into(),
        created_micros: created,
        expires_micros: expires,
        used_micros: None,
    };
    let first = reset(b"first", 100, 200);
    assert_eq!(store.create_password_reset(&first).unwrap(), 0);
    assert_eq!(
        db.open().password_reset(&first.token_hash).unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.password_reset(&[7; 32]).unwrap(), None);

    // A new link forgets the older unused one.
    let second = reset(b"second", 110, 200);
    assert_eq!(store.create_password_reset(&second).unwrap(), 1);
    assert_eq!(store.password_reset(&first.token_hash).unwrap(), None);
    assert_eq!(
        store
            .use_password_reset(&first.token_hash, 120, "h1")
            .unwrap(),
        None,
        "the older link no longer works"
    );

    // Expired: not used, nothing changed.
    assert_eq!(
        store
            .use_password_reset(&second.token_hash, 200, "h2")
            .unwrap(),
        None,
        "a link does not work at its expiry"
    );
    assert_eq!(
        store.account("bob").unwrap().unwrap().password_hash,
        "old-hash-of-bob"
    );

    let third = reset(b"third", 130, 300);
    store.create_password_reset(&third).unwrap();
    let (a, b) = (session(b"a", "bob"), session(b"b", "bob"));
    store.create_session(&a).unwrap();
    store.create_session(&b).unwrap();
    let (account, mut ended) = store
        .use_password_reset(&third.token_hash, 150, "new-hash")
        .unwrap()
        .unwrap();
    ended.sort_unstable();
    let mut both = vec![a.id_hash, b.id_hash];
    both.sort_unstable();
    assert_eq!(
        (account.as_str(), ended),
        ("bob", both),
        "every session ends"
    );
    let mut other = db.open();
    assert_eq!(
        other.account("bob").unwrap().unwrap().password_hash,
        "new-hash"
    );
    assert_eq!(
        other
            .password_reset(&third.token_hash)
            .unwrap()
            .unwrap()
            .used_micros,
        Some(150)
    );
    assert_eq!(
        store
            .use_password_reset(&third.token_hash, 160, "again")
            .unwrap(),
        None,
        "used once"
    );
    assert_eq!(
        other.account("bob").unwrap().unwrap().password_hash,
        "new-hash"
    );
    // A used link is kept (when it was used), and a new one forgets only unused ones.
    assert_eq!(
        store
            .create_password_reset(&reset(b"fourth", 170, 300))
            .unwrap(),
        0
    );
    assert!(other.password_reset(&third.token_hash).unwrap().is_some());

    // A reset of an account that does not exist sets nothing and stays unused.
    let orphan = modpod_store::PasswordReset {
        account: "ghost".into(),
        ..reset(b"orphan", 100, 300)
    };
    store.create_password_reset(&orphan).unwrap();
    assert_eq!(
        store
            .use_password_reset(&orphan.token_hash, 150, "x")
            .unwrap(),
        None
    );
    assert_eq!(
        other
            .password_reset(&orphan.token_hash)
            .unwrap()
            .unwrap()
            .used_micros,
        None
    );
    assert_eq!(store.head().unwrap(), Head::EMPTY, "nothing in the log");
}

pub fn sessions_are_kept_beside_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let session = |id: &[u8], created: i64, expires: i64| modpod_store::Session {
        id_hash: *blake3::hash(id).as_bytes(),
        account: "alice".into(),
        csrf: "csrf-token".into(),
        created_micros: created,
        expires_micros: expires,
    };
    let old = session(b"old", 10, 20);
    store.create_session(&old).unwrap();
    assert_eq!(db.open().session(&old.id_hash).unwrap(), Some(old.clone()));
    // Making a session later forgets the expired ones.
    let new = session(b"new", 30, 40);
    store.create_session(&new).unwrap();
    assert_eq!(
        store.session(&old.id_hash).unwrap(),
        None,
        "expired and swept"
    );
    assert!(store.delete_session(&new.id_hash).unwrap());
    assert!(
        !store.delete_session(&new.id_hash).unwrap(),
        "logged out twice"
    );
    assert_eq!(store.session(&new.id_hash).unwrap(), None);
}

pub fn enforcements_are_kept_beside_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let ban = |account: &str| modpod_store::Enforced {
        place: "wg.ietf.example".into(),
        account: account.into(),
        kind: "ban".into(),
        previous: None,
    };
    let hold = modpod_store::Enforced {
        kind: "hold".into(),
        previous: Some("accept".into()),
        ..ban("bob@example.org")
    };
    assert_eq!(store.enforced("mailman").unwrap(), []);
    store
        .set_enforced("mailman", &ban("bob@example.org"))
        .unwrap();
    store.set_enforced("mailman", &hold).unwrap();
    store
        .set_enforced("mailman", &ban("al@example.org"))
        .unwrap();
    // Recording the same thing again replaces it.
    store
        .set_enforced("mailman", &ban("al@example.org"))
        .unwrap();
    store.set_enforced("chat", &ban("bob@example.org")).unwrap();
    let all = vec![ban("al@example.org"), ban("bob@example.org"), hold.clone()];
    assert_eq!(store.enforced("mailman").unwrap(), all);
    // Another connection (another process, after a restart) sees the same.
    assert_eq!(db.open().enforced("mailman").unwrap(), all);

    let clear = |store: &mut dyn EventStore, account: &str| {
        store
            .clear_enforced("mailman", "wg.ietf.example", account, "ban")
            .unwrap()
    };
    assert!(clear(store, "al@example.org"));
    assert!(!clear(store, "al@example.org"), "already cleared");
    assert_eq!(
        store.enforced("mailman").unwrap(),
        [ban("bob@example.org"), hold]
    );
    assert_eq!(store.enforced("chat").unwrap(), [ban("bob@example.org")]);
    // They are not events: the log is untouched.
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn drift_is_kept_beside_the_log(store: &mut dyn EventStore, db: &TestDb) {
    let drift =
        |account: &str, kind: &str, seen_micros: i64, reapplied: bool| modpod_store::Drifted {
            place: "wg.ietf.example".into(),
            account: account.into(),
            kind: kind.into(),
            seen_micros,
            reapplied,
        };
    assert_eq!(store.drifts("mailman", "wg.ietf.example").unwrap(), []);
    let later = drift("bob@example.org", "ban", 2_000_000, false);
    let earlier = drift("bob@example.org", "ban", 1_000_000, true);
    let hold = drift("bob@example.org", "hold", 1_500_000, false);
    let al = drift("al@example.org", "ban", 3_000_000, true);
    for entry in [&later, &earlier, &hold, &al] {
        store.record_drift("mailman", entry).unwrap();
    }
    // Elsewhere, or for another target: kept apart.
    store
        .record_drift(
            "mailman",
            &modpod_store::Drifted {
                place: "other.ietf.example".into(),
                ..later.clone()
            },
        )
        .unwrap();
    store.record_drift("chat", &later).unwrap();
    let all = vec![al.clone(), earlier.clone(), later.clone(), hold.clone()];
    assert_eq!(store.drifts("mailman", "wg.ietf.example").unwrap(), all);
    assert_eq!(
        db.open().drifts("mailman", "wg.ietf.example").unwrap(),
        all,
        "another connection sees the same"
    );
    // The same moment recorded again replaces the record.
    let reapplied = drift("bob@example.org", "ban", 2_000_000, true);
    store.record_drift("mailman", &reapplied).unwrap();
    assert_eq!(
        store.drifts("mailman", "wg.ietf.example").unwrap(),
        [al.clone(), earlier, reapplied, hold.clone()]
    );

    let removed = store
        .clear_drift("mailman", "wg.ietf.example", "bob@example.org", "ban")
        .unwrap();
    assert_eq!(removed, 2, "both records of the ban");
    assert_eq!(
        store
            .clear_drift("mailman", "wg.ietf.example", "bob@example.org", "ban")
            .unwrap(),
        0,
        "already cleared"
    );
    assert_eq!(
        store.drifts("mailman", "wg.ietf.example").unwrap(),
        [al, hold]
    );
    assert_eq!(store.drifts("chat", "wg.ietf.example").unwrap(), [later]);
    assert_eq!(
        store.drifts("mailman", "other.ietf.example").unwrap().len(),
        1
    );
    // They are not events: the log is untouched.
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn another_connection_reads_what_this_one_wrote(store: &mut dyn EventStore, _db: &TestDb) {
    let mut other = store.another().unwrap();
    assert_eq!(other.backend(), store.backend());
    let stored = store.append(0, &sample(2, "seen elsewhere")).unwrap();
    assert_eq!(other.head().unwrap().seq, 2);
    assert_eq!(other.events(&[1, 2]).unwrap(), stored);
    // And the other way round: what the other connection writes beside the
    // log (a session, say) is this one's to read.
    let session = modpod_store::Session {
        id_hash: *blake3::hash(b"elsewhere").as_bytes(),
        account: "alice".into(),
        csrf: "csrf".into(),
        created_micros: 10,
        expires_micros: i64::MAX,
    };
    other.create_session(&session).unwrap();
    assert_eq!(store.session(&session.id_hash).unwrap(), Some(session));
}
