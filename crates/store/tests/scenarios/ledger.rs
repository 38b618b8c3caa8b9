//! The delivery ledger (NOTIFY-6) and leases, beside the log.

use modpod_store::{
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryCounts, DeliveryStatus, EventStore, Head,
};

use crate::common::db::TestDb;

const T0: i64 = 1_800_000_000_000_000;
const SECOND: i64 = 1_000_000;

fn pending(notification: u64, address: &str) -> Delivery {
    Delivery {
        notification,
        address: address.into(),
        recipient: "the moderator team".into(),
        message_id: format!("<n{notification}.{address}@modpod.example>"),
        subject: "Moderation action: temporary suspension".into(),
        body: "Dear moderators,\n\nna\u{ef}ve text survives.\n".into(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_error: None,
        created_micros: T0,
        updated_micros: T0,
        next_micros: T0,
    }
}

fn attempt(notification: u64, address: &str, at: i64, outcome: AttemptOutcome) -> DeliveryAttempt {
    DeliveryAttempt {
        notification,
        address: address.into(),
        at_micros: at,
        outcome,
        detail: match outcome {
            AttemptOutcome::Sent => "250 OK".into(),
            AttemptOutcome::Temporary => "Connection refused (os error 111)".into(),
            AttemptOutcome::Permanent => "550 5.1.1 no such user".into(),
        },
        node: "node-a".into(),
    }
}

pub fn deliveries_are_added_once_and_kept(store: &mut dyn EventStore, db: &TestDb) {
    assert_eq!(store.last_notification_delivered().unwrap(), None);
    let rows = [pending(0, "a@example.org"), pending(0, "b@example.org")];
    assert_eq!(store.add_deliveries(&rows).unwrap(), 2);
    let again = Delivery {
        subject: "another text".into(),
        ..pending(0, "a@example.org")
    };
    let more = [again, pending(7, "a@example.org")];
    assert_eq!(
        store.add_deliveries(&more).unwrap(),
        1,
        "an existing delivery is left as it is"
    );
    assert_eq!(store.last_notification_delivered().unwrap(), Some(7));
    assert_eq!(db.open().deliveries(0).unwrap(), rows);
    assert_eq!(store.deliveries(3).unwrap(), []);
    // The ledger is beside the log, not in it.
    assert_eq!(store.head().unwrap(), Head::EMPTY);
}

pub fn attempts_move_a_delivery_on(store: &mut dyn EventStore, db: &TestDb) {
    let (a, b, c) = ("a@example.org", "b@example.org", "c@example.org");
    store
        .add_deliveries(&[pending(1, a), pending(1, b), pending(1, c)])
        .unwrap();

    // A temporary failure keeps it pending, due again later, with the error.
    let refused = attempt(1, a, T0, AttemptOutcome::Temporary);
    assert!(store.record_attempt(&refused, T0 + SECOND).unwrap());
    // A permanent failure ends it; a success ends it.
    assert!(
        store
            .record_attempt(&attempt(1, b, T0, AttemptOutcome::Permanent), 0)
            .unwrap()
    );
    assert!(
        store
            .record_attempt(&attempt(1, a, T0 + SECOND, AttemptOutcome::Sent), 0)
            .unwrap()
    );
    let rows = db.open().deliveries(1).unwrap();
    let (ra, rb, rc) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!((ra.status, ra.attempts), (DeliveryStatus::Sent, 2));
    assert_eq!(
        ra.last_error.as_deref(),
        Some("Connection refused (os error 111)"),
        "the last failure stays visible"
    );
    assert_eq!(ra.updated_micros, T0 + SECOND);
    assert_eq!((rb.status, rb.attempts), (DeliveryStatus::Failed, 1));
    assert_eq!(rb.last_error.as_deref(), Some("550 5.1.1 no such user"));
    assert_eq!((rc.status, rc.attempts), (DeliveryStatus::Pending, 0));

    // Only pending deliveries are due; a sent one only counts a late attempt.
    assert_eq!(
        store.pending_deliveries(10).unwrap(),
        std::slice::from_ref(rc)
    );
    assert!(
        store
            .record_attempt(
                &attempt(1, a, T0 + 2 * SECOND, AttemptOutcome::Permanent),
                0
            )
            .unwrap()
    );
    let ra = &store.deliveries(1).unwrap()[0];
    assert_eq!((ra.status, ra.attempts), (DeliveryStatus::Sent, 3));

    // The queue, counted: c pending, a sent, b failed; three failed attempts.
    assert_eq!(
        store.delivery_counts().unwrap(),
        DeliveryCounts {
            pending: 1,
            sent: 1,
            failed: 1,
            failed_attempts: 3,
        }
    );

    // Every attempt is kept, in order: what, to whom, when, how it ended.
    let outcomes: Vec<_> = store
        .delivery_attempts(1)
        .unwrap()
        .into_iter()
        .map(|t| (t.address, t.at_micros, t.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            (a.to_owned(), T0, AttemptOutcome::Temporary),
            (b.to_owned(), T0, AttemptOutcome::Permanent),
            (a.to_owned(), T0 + SECOND, AttemptOutcome::Sent),
            (a.to_owned(), T0 + 2 * SECOND, AttemptOutcome::Permanent),
        ]
    );
    assert_eq!(store.delivery_attempts(1).unwrap()[0], refused);

    // An attempt at an unknown delivery records nothing.
    assert!(
        !store
            .record_attempt(&attempt(9, a, T0, AttemptOutcome::Sent), 0)
            .unwrap()
    );
    assert_eq!(store.delivery_attempts(9).unwrap(), []);
}

pub fn pending_deliveries_come_soonest_first(store: &mut dyn EventStore, _db: &TestDb) {
    let later = Delivery {
        next_micros: T0 + 5 * SECOND,
        ..pending(1, "a@example.org")
    };
    let sooner = Delivery {
        next_micros: T0 + SECOND,
        ..pending(2, "a@example.org")
    };
    let failed = Delivery {
        status: DeliveryStatus::Failed,
        address: String::new(),
        last_error: Some("no email address is known for the community channel".into()),
        ..pending(3, "")
    };
    store
        .add_deliveries(&[later.clone(), sooner.clone(), failed])
        .unwrap();
    assert_eq!(
        store.pending_deliveries(10).unwrap(),
        [sooner.clone(), later]
    );
    assert_eq!(store.pending_deliveries(1).unwrap(), [sooner]);
    assert_eq!(store.deliveries(3).unwrap()[0].address, "");
}

pub fn a_lease_has_one_holder_until_it_runs_out(store: &mut dyn EventStore, db: &TestDb) {
    let mut other = db.open();
    let until = T0 + 30 * SECOND;
    assert!(store.take_lease("mail", "a", T0, until).unwrap());
    assert!(
        !other
            .take_lease("mail", "b", T0 + SECOND, T0 + 31 * SECOND)
            .unwrap(),
        "held by a"
    );
    assert!(
        store
            .take_lease("mail", "a", T0 + 10 * SECOND, T0 + 40 * SECOND)
            .unwrap(),
        "a renews"
    );
    assert!(
        !other
            .take_lease("mail", "b", until, T0 + 60 * SECOND)
            .unwrap(),
        "the renewal moved the end"
    );
    // Leases are per name.
    assert!(other.take_lease("digest", "b", T0, until).unwrap());
    // Once run out, another takes it, and the old holder cannot renew it.
    assert!(
        other
            .take_lease("mail", "b", T0 + 40 * SECOND, T0 + 70 * SECOND)
            .unwrap()
    );
    assert!(
        !store
            .take_lease("mail", "a", T0 + 41 * SECOND, T0 + 71 * SECOND)
            .unwrap()
    );
    // Giving it up frees it at once; only the holder can.
    assert!(!store.release_lease("mail", "a").unwrap());
    assert!(other.release_lease("mail", "b").unwrap());
    assert!(
        store
            .take_lease("mail", "a", T0 + 42 * SECOND, T0 + 72 * SECOND)
            .unwrap()
    );
}

pub fn racing_nodes_never_share_a_lease(_store: &mut dyn EventStore, db: &TestDb) {
    use std::sync::Barrier;
    // Six nodes ask for the same free lease at the same moment, twenty
    // rounds in a row; each round exactly one gets it.
    let mut nodes: Vec<_> = (0..6).map(|_| db.open()).collect();
    let barrier = Barrier::new(nodes.len());
    for round in 0..20i64 {
        let now = T0 + round * 100 * SECOND;
        let won = std::thread::scope(|s| {
            let takers: Vec<_> = nodes
                .iter_mut()
                .enumerate()
                .map(|(n, store)| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        store
                            .take_lease("mail", &format!("node-{n}"), now, now + 50 * SECOND)
                            .unwrap()
                    })
                })
                .collect();
            takers
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|&won| won)
                .count()
        });
        assert_eq!(won, 1, "round {round}");
    }
}
