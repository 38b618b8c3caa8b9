//! The Mailman adapter against a real GNU Mailman 3 (started by
//! `scripts/test`): actions are recorded through the engine, reconciled onto a
//! list of the test's own, and real posts go in over LMTP to show what Mailman
//! does with them: discarded (suspended), held (review and approval) or
//! accepted (delivered to the members, as the SMTP sink shows).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use modpod_adapter::{OnDrift, ReconcileError, Reconciler, Wanted, Worker};
use modpod_enforce::Index;
use modpod_mailman::{Client, Mailman as MailmanAdapter};
use modpod_policy::ids::{ActionId, ForumId, LlcActionId, PersonId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, LlcGrounds, Measure, Organisation, Role,
};
use modpod_policy::{Actor, Command, Event, SubjectRef};
use modpod_server::Engine;
use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, Outcome, TestList};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOB: &str = "bob@example.org";
const BOB_AT_WORK: &str = "bob@work.example";
const CAROL: &str = "carol@example.org";
const DAN: &str = "dan@example.org";
/// Held although not subscribed.
const ERIN: &str = "erin@example.org";

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

/// The ban pattern that covers an address's `+tag` variants.
fn tagged(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap();
    format!(
        "^{}\\+.*@{}$",
        local.replace('.', "\\."),
        domain.replace('.', "\\.")
    )
}

/// A log and a list: `alice` administers the list; `bob` (two addresses),
/// `carol` and `dan` are members, `erin` is not; `llc` is IETF LLC staff and
/// `board` sits on the LLC board.
struct World {
    db: TestDb,
    /// Shared with the worker, in the tests that run one.
    engine: Arc<Mutex<Engine>>,
    list: TestList,
    mailman: Mailman,
}

impl World {
    fn new() -> World {
        let mailman = Mailman::from_env();
        let list = mailman.new_list();
        for member in [BOB, CAROL, DAN] {
            list.subscribe(member);
        }
        let db = TestDb::sqlite();
        let mut engine = Engine::open(db.open(), &mut |_| {}).unwrap();
        let op = Actor::new(p("op"), Capacity::Operator);
        let forum = ForumId::parse(&list.address).unwrap();
        let mut commands = vec![Command::Bootstrap {
            operator: p("op"),
            name: "Operator".into(),
        }];
        for person in ["alice", "bob", "carol", "dan", "erin", "llc", "board"] {
            commands.push(Command::RegisterPerson {
                person: p(person),
                name: person.into(),
                time_zone: None,
            });
        }
        for (person, email) in [
            ("bob", BOB),
            ("bob", BOB_AT_WORK),
            ("carol", CAROL),
            ("dan", DAN),
            ("erin", ERIN),
        ] {
            commands.push(Command::LinkIdentity {
                person: p(person),
                identity: Identity::new(IdentityKind::Email, email).unwrap(),
            });
        }
        commands.push(Command::CreateForum {
            forum: forum.clone(),
            name: "A working group list".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
        });
        commands.push(Command::GrantRole {
            person: p("alice"),
            role: Role::ForumAdministrator { forum },
        });
        for (person, role) in [("llc", Role::LlcStaff), ("board", Role::LlcBoardMember)] {
            commands.push(Command::GrantRole {
                person: p(person),
                role,
            });
        }
        let batch: Vec<_> = commands.into_iter().map(|c| (op.clone(), c)).collect();
        engine.execute_all(&batch, Timestamp::now()).unwrap();
        World {
            db,
            engine: Arc::new(Mutex::new(engine)),
            list,
            mailman,
        }
    }

    fn engine(&self) -> std::sync::MutexGuard<'_, Engine> {
        self.engine.lock().unwrap()
    }

    /// `alice` takes an action on `subject` on the list; returns its id.
    fn act(&mut self, subject: &str, measure: Measure, ends_at: Option<Timestamp>) -> ActionId {
        let command = Command::TakeAction {
            level: None,
            texts: None,
            subject: SubjectRef::Person { person: p(subject) },
            measure,
            fora: vec![ForumId::parse(&self.list.address).unwrap()],
            reason: "repeated personal attacks after a private warning".into(),
            reports: vec![],
            evidence: vec![],
            starts_at: None,
            ends_at,
            spam: false,
        };
        let alice = Actor::new(p("alice"), Capacity::Administrator);
        let recorded = self
            .engine()
            .execute(&alice, &command, Timestamp::now())
            .unwrap();
        recorded
            .events
            .iter()
            .find_map(|e| match Event::from_payload(&e.payload).unwrap() {
                Event::ActionTaken { action } => Some(action.id),
                _ => None,
            })
            .unwrap()
    }

    /// The IETF LLC takes an emergency action on `subject` on the list;
    /// returns its id.
    fn llc_act(&mut self, subject: &str) -> LlcActionId {
        let command = Command::TakeLlcAction {
            subject: SubjectRef::Person { person: p(subject) },
            fora: vec![ForumId::parse(&self.list.address).unwrap()],
            grounds: LlcGrounds::CredibleThreatOfHarm,
            grounds_description: None,
            nature: "posting suspended".into(),
            reason: "a credible threat against a named participant".into(),
            expected_duration: "until the police have reviewed it".into(),
            withhold_on_legal_advice: None,
            withhold_from: vec![],
        };
        let llc = Actor::new(p("llc"), Capacity::Llc);
        let recorded = self
            .engine()
            .execute(&llc, &command, Timestamp::now())
            .unwrap();
        recorded
            .events
            .iter()
            .find_map(|e| match Event::from_payload(&e.payload).unwrap() {
                Event::LlcActionTaken { action } => Some(action.id),
                _ => None,
            })
            .unwrap()
    }

    /// Runs `command` as `person` in `capacity`, now.
    fn run(&mut self, person: &str, capacity: Capacity, command: Command) {
        let actor = Actor::new(p(person), capacity);
        self.engine()
            .execute(&actor, &command, Timestamp::now())
            .unwrap();
    }

    fn rescind(&mut self, action: ActionId) {
        let alice = Actor::new(p("alice"), Capacity::Administrator);
        let command = Command::RescindAction {
            action,
            reason: "taken in error".into(),
        };
        self.engine()
            .execute(&alice, &command, Timestamp::now())
            .unwrap();
    }

    fn reconciler(&self, on_drift: OnDrift) -> Reconciler {
        let client = Client::new(
            &self.mailman.url,
            &self.mailman.user,
            &self.mailman.password,
        );
        Reconciler::new(Arc::new(MailmanAdapter { client }), on_drift)
    }

    /// Reconciles now; returns the lines it reported.
    fn reconcile_with(&mut self, on_drift: OnDrift) -> Vec<String> {
        let reconciler = self.reconciler(on_drift);
        let mut engine = self.engine();
        let wanted = Wanted::at(
            reconciler.adapter.as_ref(),
            engine.state(),
            &Index::build(engine.state()),
            Timestamp::now(),
        );
        let mut lines = Vec::new();
        reconciler
            .reconcile(engine.store(), &wanted, None, false, &mut |r| {
                lines.push(r.line(reconciler.adapter.as_ref(), false));
            })
            .unwrap();
        lines
    }

    fn reconcile(&mut self) -> Vec<String> {
        self.reconcile_with(OnDrift::Reapply)
    }

    /// The drift recorded on the list.
    fn drift(&mut self) -> Vec<modpod_store::Drifted> {
        let list = self.list.id.clone();
        self.engine()
            .store()
            .drifts(modpod_mailman::TARGET, &list)
            .unwrap()
    }

    fn line(&self, text: &str) -> String {
        format!("{}: {text}", self.list.id)
    }
}

#[test]
fn a_suspended_members_posts_are_discarded_until_the_suspension_is_rescinded() {
    let mut w = World::new();
    // An administrator's own ban, which modpod must never lift.
    w.list.ban_by_hand(DAN);
    let action = w.act("bob", Measure::IndefiniteSuspension, None);
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!("banned {} ({action})", tagged(BOB))),
            w.line(&format!("banned {} ({action})", tagged(BOB_AT_WORK))),
            w.line(&format!("banned {BOB} ({action})")),
            w.line(&format!("banned {BOB_AT_WORK} ({action})")),
        ]
    );
    assert!(w.list.banned(BOB) && w.list.banned(BOB_AT_WORK));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Discarded);
    // Every +tag variant of an address is banned with it (a ^ pattern).
    assert_eq!(
        w.list.post_and_see("Bob+lists@example.org"),
        Outcome::Discarded
    );
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Accepted);

    // Idempotent: the second reconcile finds nothing to do.
    assert_eq!(w.reconcile(), Vec::<String>::new());

    w.rescind(action);
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!(
                "unbanned {}: no action bans them any more",
                tagged(BOB)
            )),
            w.line(&format!(
                "unbanned {}: no action bans them any more",
                tagged(BOB_AT_WORK)
            )),
            w.line(&format!("unbanned {BOB}: no action bans them any more")),
            w.line(&format!(
                "unbanned {BOB_AT_WORK}: no action bans them any more"
            )),
        ]
    );
    assert!(!w.list.banned(BOB));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Accepted);
    assert_eq!(
        w.list.post_and_see("bob+lists@example.org"),
        Outcome::Accepted
    );
    assert!(w.list.banned(DAN), "the administrator's ban was lifted");
    assert_eq!(w.reconcile(), Vec::<String>::new());
}

#[test]
fn an_llc_emergency_action_bans_on_the_list_until_lifted_by_the_llc_or_on_board_review() {
    let mut w = World::new();
    // An administrator's own ban, which modpod must never lift.
    w.list.ban_by_hand(DAN);
    let bob = w.llc_act("bob");
    let carol = w.llc_act("carol");
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!("banned {} ({bob})", tagged(BOB))),
            w.line(&format!("banned {} ({bob})", tagged(BOB_AT_WORK))),
            w.line(&format!("banned {} ({carol})", tagged(CAROL))),
            w.line(&format!("banned {BOB} ({bob})")),
            w.line(&format!("banned {BOB_AT_WORK} ({bob})")),
            w.line(&format!("banned {CAROL} ({carol})")),
        ]
    );
    assert!(w.list.banned(BOB) && w.list.banned(BOB_AT_WORK) && w.list.banned(CAROL));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Discarded);
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Discarded);
    assert_eq!(w.engine().store().enforced("mailman").unwrap().len(), 6);
    assert_eq!(w.reconcile(), Vec::<String>::new());

    // Lifted by the LLC.
    w.run(
        "llc",
        Capacity::Llc,
        Command::LiftLlcAction {
            action: bob,
            reason: "the threat was withdrawn".into(),
        },
    );
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!(
                "unbanned {}: no action bans them any more",
                tagged(BOB)
            )),
            w.line(&format!(
                "unbanned {}: no action bans them any more",
                tagged(BOB_AT_WORK)
            )),
            w.line(&format!("unbanned {BOB}: no action bans them any more")),
            w.line(&format!(
                "unbanned {BOB_AT_WORK}: no action bans them any more"
            )),
        ]
    );
    assert!(!w.list.banned(BOB) && !w.list.banned(BOB_AT_WORK));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Accepted);
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Discarded);

    // Lifted on a board review the subject asked for.
    w.run(
        "carol",
        Capacity::Participant,
        Command::RequestBoardReview { action: carol },
    );
    assert_eq!(w.reconcile(), Vec::<String>::new());
    w.run(
        "board",
        Capacity::LlcBoard,
        Command::DecideBoardReview {
            action: carol,
            lift: true,
            rationale: "the board found no credible threat".into(),
        },
    );
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!(
                "unbanned {}: no action bans them any more",
                tagged(CAROL)
            )),
            w.line(&format!("unbanned {CAROL}: no action bans them any more")),
        ]
    );
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Accepted);
    assert!(w.list.banned(DAN), "the administrator's ban was lifted");
    assert_eq!(w.engine().store().enforced("mailman").unwrap(), []);
    assert_eq!(w.reconcile(), Vec::<String>::new());
}

#[test]
fn held_posts_wait_for_approval_and_flow_again_when_the_hold_ends() {
    let mut w = World::new();
    // Carol's moderation was set by an administrator before; it comes back.
    w.list.moderate_by_hand(CAROL, "accept");
    let carol = w.act("carol", Measure::ReviewAndApproval, None);
    let erin = w.act("erin", Measure::ReviewAndApproval, None);
    assert_eq!(
        w.reconcile(),
        [
            w.line(&format!("holding posts of {CAROL} for approval ({carol})")),
            w.line(&format!("holding posts of {ERIN} for approval ({erin})")),
        ]
    );
    assert_eq!(w.list.moderation(CAROL), Some(Some("hold".into())));
    // Erin is not subscribed: the hold sits on a nonmember record.
    assert_eq!(w.list.moderation(ERIN), Some(Some("hold".into())));
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Held);
    assert_eq!(w.list.post_and_see(ERIN), Outcome::Held);
    assert_eq!(w.list.post_and_see(DAN), Outcome::Accepted);
    assert_eq!(w.reconcile(), Vec::<String>::new());

    w.rescind(carol);
    w.rescind(erin);
    assert_eq!(w.reconcile().len(), 2);
    assert_eq!(w.list.moderation(CAROL), Some(Some("accept".into())));
    assert_eq!(w.list.moderation(ERIN), Some(None));
    assert_eq!(w.list.post_and_see(CAROL), Outcome::Accepted);
    assert_eq!(w.list.post_and_see(ERIN), Outcome::Accepted);
}

#[test]
fn a_suspension_beats_a_hold_and_the_hold_follows_when_it_ends() {
    let mut w = World::new();
    let hold = w.act("bob", Measure::ReviewAndApproval, None);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, None);
    w.reconcile();
    assert!(w.list.banned(BOB));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Discarded);
    w.rescind(suspension);
    let lines = w.reconcile();
    assert!(
        lines.contains(&w.line(&format!("holding posts of {BOB} for approval ({hold})"))),
        "{lines:?}"
    );
    assert!(!w.list.banned(BOB));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Held);
}

#[test]
fn a_ban_removed_by_hand_is_drift_reapplied_or_only_recorded() {
    let mut w = World::new();
    let action = w.act("bob", Measure::IndefiniteSuspension, None);
    w.reconcile();
    w.list.unban_by_hand(BOB);
    assert_eq!(
        w.reconcile(),
        [
            format!(
                "drift: {}: the ban of {BOB} ({action}) was removed by hand; re-applied",
                w.list.id
            ),
            w.line(&format!("banned {BOB} ({action})")),
        ]
    );
    assert!(w.list.banned(BOB));
    let reapplied = w.drift();
    assert_eq!(
        reapplied.iter().map(|d| d.reapplied).collect::<Vec<_>>(),
        [true],
        "{reapplied:?}"
    );
    assert_eq!(
        (reapplied[0].account.as_str(), reapplied[0].kind.as_str()),
        (BOB, "ban")
    );
    let micros = |t: Timestamp| t.as_microsecond();
    assert!(reapplied[0].seen_micros <= micros(Timestamp::now()));
    assert!(reapplied[0].seen_micros > micros(Timestamp::now() - SignedDuration::from_secs(60)));

    w.list.unban_by_hand(BOB);
    let recorded = format!(
        "drift: {}: the ban of {BOB} ({action}) was removed by hand; left as it is (drift is only recorded)",
        w.list.id
    );
    // Reported at every reconcile, and left as it is.
    for _ in 0..2 {
        assert_eq!(
            w.reconcile_with(OnDrift::Record),
            std::slice::from_ref(&recorded)
        );
        assert!(!w.list.banned(BOB));
        // Kept once, as first seen, beside the re-application before it.
        let kept = w.drift();
        assert_eq!(
            kept.iter().map(|d| d.reapplied).collect::<Vec<_>>(),
            [true, false],
            "{kept:?}"
        );
        assert_eq!(kept[0], reapplied[0]);
        assert!(kept[1].seen_micros > kept[0].seen_micros);
    }
    assert_eq!(w.list.post_and_see(BOB), Outcome::Accepted);

    // Restored by hand: the drift is over and forgotten.
    w.list.ban_by_hand(BOB);
    assert_eq!(w.reconcile_with(OnDrift::Record), Vec::<String>::new());
    assert_eq!(w.drift(), []);

    // Re-applied again, then lifted by modpod: its drift goes with its ban.
    w.list.unban_by_hand(BOB);
    assert_eq!(w.reconcile().len(), 2);
    assert_eq!(w.drift().len(), 1);
    w.rescind(action);
    assert!(
        w.reconcile()
            .contains(&w.line(&format!("unbanned {BOB}: no action bans them any more")))
    );
    assert_eq!(w.drift(), []);
}

#[test]
fn a_list_missing_from_mailman_is_reported_not_an_error() {
    let mut w = World::new();
    let op = Actor::new(p("op"), Capacity::Operator);
    let forum = ForumId::parse("gone@nowhere.example").unwrap();
    let create = Command::CreateForum {
        forum: forum.clone(),
        name: "A list Mailman does not have".into(),
        kind: "mailing-list".into(),
        organisation: Organisation::Ietf,
        public: true,
        plenary: false,
        wg: None,
        responsible_ad: None,
    };
    let grant = Command::GrantRole {
        person: p("alice"),
        role: Role::ForumAdministrator { forum },
    };
    w.engine()
        .execute_all(&[(op.clone(), create), (op, grant)], Timestamp::now())
        .unwrap();
    let alice = Actor::new(p("alice"), Capacity::Administrator);
    let command = Command::TakeAction {
        level: None,
        texts: None,
        subject: SubjectRef::Person { person: p("bob") },
        measure: Measure::IndefiniteSuspension,
        fora: vec![
            ForumId::parse("gone@nowhere.example").unwrap(),
            ForumId::parse(&w.list.address).unwrap(),
        ],
        reason: "repeated personal attacks after a private warning".into(),
        reports: vec![],
        evidence: vec![],
        starts_at: None,
        ends_at: None,
        spam: false,
    };
    w.engine()
        .execute(&alice, &command, Timestamp::now())
        .unwrap();
    let lines = w.reconcile();
    assert!(
        lines.contains(
            &"gone.nowhere.example: no such list in Mailman; its actions are not enforced there"
                .to_owned()
        ),
        "{lines:?}"
    );
    assert!(w.list.banned(BOB), "the other list is still enforced");
}

#[test]
fn an_unreachable_mailman_is_a_clear_error() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, None);
    let client = Client::new(&format!("http://{}", closed_port()), "u", "p");
    let reconciler = Reconciler::new(Arc::new(MailmanAdapter { client }), OnDrift::Reapply);
    let mut engine = w.engine();
    let wanted = Wanted::at(
        reconciler.adapter.as_ref(),
        engine.state(),
        &Index::build(engine.state()),
        Timestamp::now(),
    );
    let error = reconciler
        .reconcile(engine.store(), &wanted, None, false, &mut |_| {})
        .unwrap_err();
    assert!(
        matches!(error, ReconcileError::Software(ref e) if e.transient),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("cannot reach Mailman at http://127.0.0.1:")
            && message.contains(&format!("to read the bans of {}", w.list.id)),
        "{message}"
    );
    // Nothing was recorded as applied.
    assert_eq!(engine.store().enforced("mailman").unwrap(), []);
}

/// A loopback port where nothing listens.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Runs the worker for `w` against the Mailman at `url`; returns what keeps
/// it going (drop it to stop) and where to send the lists events affect.
fn start_worker(
    runtime: &tokio::runtime::Runtime,
    w: &World,
    url: &str,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::sync::mpsc::UnboundedSender<BTreeSet<String>>,
) {
    let client = Client::new(url, &w.mailman.user, &w.mailman.password);
    let mailman = Arc::new(MailmanAdapter { client });
    let mut worker = Worker::new(Reconciler::new(mailman.clone(), OnDrift::Reapply));
    worker.retry_first = Duration::from_millis(200);
    worker.retry_max = Duration::from_secs(1);
    let engine = w.engine.clone();
    let wanted_at = Arc::new(move |now| {
        let engine = engine.lock().unwrap();
        Wanted::at(
            mailman.as_ref(),
            engine.state(),
            &Index::build(engine.state()),
            now,
        )
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (lists, changed) = tokio::sync::mpsc::unbounded_channel();
    runtime.spawn(worker.run(w.db.open(), wanted_at, changed, stopped));
    (stop, lists)
}

/// Waits until `check` holds, failing after `seconds`.
fn eventually(seconds: u64, what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {seconds} s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_worker_bans_on_an_event_and_lifts_the_ban_when_the_suspension_ends() {
    let mut w = World::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_stop, lists) = start_worker(&runtime, &w, &w.mailman.url);
    // A temporary suspension recorded while the worker runs, ending in a few
    // seconds: the event brings the ban, the clock alone lifts it.
    let ends_at = Timestamp::now() + SignedDuration::from_secs(6);
    w.act("bob", Measure::TemporarySuspension, Some(ends_at));
    lists.send(BTreeSet::from([w.list.id.clone()])).unwrap();
    eventually(5, "the ban", || w.list.banned(BOB));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Discarded);
    while Timestamp::now() < ends_at {
        std::thread::sleep(Duration::from_millis(100));
    }
    eventually(5, "the end of the ban", || !w.list.banned(BOB));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Accepted);
    assert_eq!(w.engine().store().enforced("mailman").unwrap(), []);
}

/// A stand-in address for Mailman that is first closed, then answers 503,
/// then forwards to the real Mailman.
struct Flaky {
    addr: String,
    unavailable: Arc<AtomicUsize>,
}

impl Flaky {
    fn closed() -> Flaky {
        Flaky {
            addr: closed_port(),
            unavailable: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Answers every request with 503 until `forward` is set, then passes
    /// connections through to `to`.
    fn open(&self, to: String, forward: Arc<AtomicBool>) {
        let listener = TcpListener::bind(&self.addr).unwrap();
        let unavailable = self.unavailable.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                if forward.load(Ordering::SeqCst) {
                    let server = TcpStream::connect(&to).unwrap();
                    pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                    pipe(server, client);
                } else {
                    let mut request = [0u8; 4096];
                    let _ = client.read(&mut request);
                    let _ = client.write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                    unavailable.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}

#[test]
fn the_worker_retries_while_mailman_is_down_or_failing_and_catches_up() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, None);
    let flaky = Flaky::closed();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_stop, _lists) = start_worker(&runtime, &w, &format!("http://{}", flaky.addr));
    // Down: nothing listens. Then up, but failing with 503s.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!w.list.banned(BOB));
    let forward = Arc::new(AtomicBool::new(false));
    let real = w.mailman.url.trim_start_matches("http://").to_owned();
    flaky.open(real, forward.clone());
    eventually(10, "a request answered 503", || {
        flaky.unavailable.load(Ordering::SeqCst) > 0
    });
    assert!(!w.list.banned(BOB));
    // Back: the worker's next attempt (at most a second later) succeeds.
    forward.store(true, Ordering::SeqCst);
    // Two addresses, and the pattern of each's +tag variants.
    eventually(10, "the bans once Mailman is back", || {
        w.engine().store().enforced("mailman").unwrap().len() == 4
    });
    assert!(w.list.banned(BOB) && w.list.banned(BOB_AT_WORK));
    assert_eq!(w.list.post_and_see(BOB), Outcome::Discarded);
}
