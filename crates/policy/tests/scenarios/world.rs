//! The scenario helper: a realistic IETF installation built only through
//! `decide`, a clock the test moves, and short ways to say "this is allowed"
//! (`ok`) and "this is refused" (`refused`).
//!
//! Shared with `tests/replay.rs`, hence the allowances below: not every test
//! binary uses every helper.
#![allow(dead_code, unused_imports)]

pub use jiff::Timestamp;
pub use modpod_policy::event::records::*;
pub use modpod_policy::ids::*;
pub use modpod_policy::model::*;
pub use modpod_policy::settings::{Settings, SettingsChange, TeamNumbers, TeamNumbersChange};
pub use modpod_policy::{
    Actor, AppealTarget, Command, Decision, Event, Refusal, State, SubjectRef, Warning, decide,
};

/// When the fixture is built. Tests move the clock forward from here.
pub const FIXTURE_TIME: &str = "2024-01-01T00:00:00Z";

/// The five moderators of the fixture.
pub const MODERATORS: [&str; 5] = ["m1", "m2", "m3", "m4", "m5"];

/// Everybody the fixture registers (besides the operator), with their names.
pub const PEOPLE: [(&str, &str); 18] = [
    ("ad_sec", "Sam Security (AD, sec)"),
    ("ad_tsv", "Tess Transport (AD, tsv)"),
    ("ietf_chair", "Ivy Chair (IETF chair)"),
    ("m1", "Mo One"),
    ("m2", "Mo Two"),
    ("m3", "Mo Three"),
    ("m4", "Mo Four"),
    ("m5", "Mo Five"),
    ("alice", "Alice (tls chair)"),
    ("dave", "Dave (quic chair)"),
    ("bob", "Bob (participant)"),
    ("carol", "Carol (participant)"),
    ("erin", "Erin (participant)"),
    ("llc_staff", "Lee (IETF LLC staff)"),
    ("llc_board", "Bo (IETF LLC board)"),
    ("iab_member", "Ian (IAB)"),
    ("ombud", "Olga (ombudsteam)"),
    ("trustee", "Tru (IETF Trust)"),
];

pub fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {s:?}: {e}"))
}

pub fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

pub fn f(s: &str) -> ForumId {
    ForumId::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

pub fn wg(s: &str) -> WgId {
    WgId::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

pub fn fora(names: &[&str]) -> Vec<ForumId> {
    names.iter().map(|n| f(n)).collect()
}

pub fn who(person: &str) -> SubjectRef {
    SubjectRef::Person { person: p(person) }
}

pub fn email(address: &str) -> Identity {
    Identity::new(IdentityKind::Email, address).unwrap_or_else(|e| panic!("{e}"))
}

// ---- Commands, as the policy speaks of them ----

/// An action on `subject` in `fora`, starting now, with no end.
pub fn act(subject: &str, measure: Measure, on: &[&str]) -> Command {
    Command::TakeAction {
        level: None,
        texts: None,
        subject: who(subject),
        measure,
        fora: fora(on),
        reason: "repeated personal attacks after a private warning".into(),
        reports: vec![],
        evidence: vec![],
        starts_at: None,
        ends_at: None,
        spam: false,
    }
}

/// An indefinite suspension.
pub fn suspend(subject: &str, on: &[&str]) -> Command {
    act(subject, Measure::IndefiniteSuspension, on)
}

/// A temporary suspension ending at `end`.
pub fn suspend_until(subject: &str, on: &[&str], end: &str) -> Command {
    ending(act(subject, Measure::TemporarySuspension, on), end)
}

pub fn admonish(subject: &str, on: &[&str]) -> Command {
    act(subject, Measure::PrivateAdmonishment, on)
}

pub fn ending(mut c: Command, end: &str) -> Command {
    if let Command::TakeAction { ends_at, .. } = &mut c {
        *ends_at = Some(ts(end));
    }
    c
}

pub fn starting(mut c: Command, start: &str) -> Command {
    if let Command::TakeAction { starts_at, .. } = &mut c {
        *starts_at = Some(ts(start));
    }
    c
}

pub fn citing(mut c: Command, cited: &[ReportId]) -> Command {
    if let Command::TakeAction { reports, .. } = &mut c {
        *reports = cited.to_vec();
    }
    c
}

/// The action marked as spam, with the evidence of bulk messages ACT-5 asks for.
pub fn as_spam(mut c: Command) -> Command {
    if let Command::TakeAction { spam, evidence, .. } = &mut c {
        *spam = true;
        evidence.push(Evidence {
            url: "https://mailarchive.ietf.org/arch/msg/ietf/bulk-1".into(),
            sha256: None,
        });
    }
    c
}

/// The action marked as spam and nothing else: no evidence.
pub fn marked_spam(mut c: Command) -> Command {
    if let Command::TakeAction { spam, .. } = &mut c {
        *spam = true;
    }
    c
}

pub fn report(forum: &str, subject: &str, category: &str) -> Command {
    Command::FileReport {
        forum: f(forum),
        subject: who(subject),
        category: category.into(),
        description: "called another participant an idiot in the thread on key schedules".into(),
        links: vec!["https://mailarchive.ietf.org/arch/msg/tls/abc".into()],
        note_well_seen: None,
    }
}

pub fn disagree(action: ActionId) -> Command {
    Command::FileDisagreement {
        target: AppealTarget::Action(action),
        grounds: "the posts were on topic".into(),
        note_well_seen: None,
    }
}

pub fn decide_appeal(appeal: AppealId, upheld: bool, remedy: Option<Remedy>) -> Command {
    Command::DecideAppeal {
        appeal,
        upheld,
        remedy,
        rationale: "having read the thread".into(),
    }
}

pub fn amend_to(action: ActionId, measure: Measure, on: &[&str], end: Option<&str>) -> Command {
    Command::AmendAction {
        action,
        terms: TermsChange {
            measure,
            fora: fora(on),
            ends_at: end.map(ts),
        },
        reason: "the person apologised".into(),
    }
}

/// A team action at a level of the ladder, with its notes.
pub fn at_level(mut c: Command, n: u8, skip: Option<&str>, to_list: Option<&str>) -> Command {
    if let Command::TakeAction { level, texts, .. } = &mut c {
        *level = Some(LevelStep {
            level: n,
            skip_reason: skip.map(Into::into),
        });
        *texts = Some(Texts {
            to_person: Some(format!("A note at level {n}.")),
            to_list: to_list.map(Into::into),
        });
    }
    c
}

pub fn rescind(action: ActionId) -> Command {
    Command::RescindAction {
        action,
        reason: "taken in error".into(),
    }
}

// ---- Reading events ----

pub fn notifications(events: &[Event]) -> Vec<&Notification> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NotificationOwed { notification } => Some(notification),
            _ => None,
        })
        .collect()
}

/// The recipients owed a notification under `requirement`.
pub fn owed(events: &[Event], requirement: &str) -> Vec<Recipient> {
    notifications(events)
        .into_iter()
        .filter(|n| n.requirement.split(' ').any(|r| r == requirement))
        .map(|n| n.to.clone())
        .collect()
}

/// Every recipient owed a notification, whatever the rule.
pub fn recipients(events: &[Event]) -> Vec<Recipient> {
    notifications(events)
        .into_iter()
        .map(|n| n.to.clone())
        .collect()
}

pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

pub fn to_person(s: &str) -> Recipient {
    Recipient::Person { person: p(s) }
}

pub fn to_admins(s: &str) -> Recipient {
    Recipient::ForumAdministrators { forum: f(s) }
}

pub fn to_forum(s: &str) -> Recipient {
    Recipient::Forum { forum: f(s) }
}

/// The first event of one kind, picked out by `pick`; panics naming `what`.
fn first<'a, T>(events: &'a [Event], what: &str, pick: impl Fn(&'a Event) -> Option<T>) -> T {
    events
        .iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("no {what} in {:?}", kinds(events)))
}

pub fn taken_action(events: &[Event]) -> &NewAction {
    first(events, "action taken", |e| match e {
        Event::ActionTaken { action } => Some(action),
        _ => None,
    })
}

pub fn proposal_made(events: &[Event]) -> &NewProposal {
    first(events, "proposal made", |e| match e {
        Event::ProposalMade { proposal } => Some(proposal),
        _ => None,
    })
}

pub fn filed_report(events: &[Event]) -> ReportId {
    first(events, "report filed", |e| match e {
        Event::ReportFiled { report } => Some(report.id),
        _ => None,
    })
}

pub fn filed_appeal(events: &[Event]) -> &NewAppeal {
    first(events, "appeal filed", |e| match e {
        Event::AppealFiled { appeal } => Some(appeal),
        _ => None,
    })
}

pub fn requested_reinstatement(events: &[Event]) -> &NewReinstatementRequest {
    first(events, "reinstatement requested", |e| match e {
        Event::ReinstatementRequested { request } => Some(request),
        _ => None,
    })
}

pub fn taken_llc_action(events: &[Event]) -> &NewLlcAction {
    first(events, "LLC action taken", |e| match e {
        Event::LlcActionTaken { action } => Some(action),
        _ => None,
    })
}

/// A refusal's message is a sentence a person can act on: it names `needle`.
pub fn assert_says(r: &Refusal, needle: &str) {
    let msg = r.to_string();
    assert!(
        msg.contains(needle),
        "refusal {msg:?} should mention {needle:?}"
    );
    assert!(
        msg.split_whitespace().count() >= 4,
        "refusal {msg:?} should be a sentence"
    );
}

// ---- The world ----

/// A modpod installation and a clock.
#[derive(Debug, Clone)]
pub struct World {
    pub state: State,
    pub now: Timestamp,
    /// Every event recorded, in order: the log.
    pub log: Vec<Event>,
}

impl World {
    /// Nothing recorded yet.
    pub fn empty(now: &str) -> World {
        World {
            state: State::default(),
            now: ts(now),
            log: Vec::new(),
        }
    }

    /// A small but realistic IETF, set up command by command through `decide`:
    ///
    /// - operator `op`; IESG: `ad_sec` (AD, sec), `ad_tsv` (AD, tsv), `ietf_chair`;
    ///   `iab_member`, `llc_staff`, `llc_board`, `ombud`, `trustee` (IETF Trust);
    /// - moderators `m1`..`m5`, appointed by the IESG;
    /// - WG `tls` (sec area, AD `ad_sec`) chaired by `alice`, with the public
    ///   list `tls@` and chat room `tls-chat` (both inherit the WG's AD) and the
    ///   non-public `tls-chairs@` that `alice` administers by name;
    /// - WG `quic` chaired by `dave`, list `quic@` whose own AD is `ad_tsv`;
    /// - plenary fora `ietf@`, `last-call@`, `ietf-chat`;
    /// - `cfrg@`, an IRTF research group list;
    /// - `github:ietf/notes`, a public repository with no administrators;
    /// - participants `bob`, `carol` (email carol@example.org), `erin`.
    pub fn ietf() -> World {
        use Capacity::{Iesg, Operator};
        let mut w = World::empty(FIXTURE_TIME);
        w.ok(
            "op",
            Operator,
            Command::Bootstrap {
                operator: p("op"),
                name: "Olly Operator".into(),
            },
        );
        for (id, name) in PEOPLE {
            w.ok(
                "op",
                Operator,
                Command::RegisterPerson {
                    person: p(id),
                    name: name.into(),
                    time_zone: Some("Europe/Paris".into()),
                },
            );
        }
        w.ok(
            "op",
            Operator,
            Command::LinkIdentity {
                person: p("carol"),
                identity: email("carol@example.org"),
            },
        );
        let roles = [
            ("ad_sec", Role::AreaDirector { area: "sec".into() }),
            ("ad_tsv", Role::AreaDirector { area: "tsv".into() }),
            ("ietf_chair", Role::IetfChair),
            ("iab_member", Role::IabMember),
            ("llc_staff", Role::LlcStaff),
            ("llc_board", Role::LlcBoardMember),
            ("ombud", Role::Ombudsperson),
            ("trustee", Role::IetfTrustMember),
        ];
        for (id, role) in roles {
            w.ok(
                "op",
                Operator,
                Command::GrantRole {
                    person: p(id),
                    role,
                },
            );
        }
        w.ok(
            "op",
            Operator,
            Command::CreateWorkingGroup {
                wg: wg("tls"),
                name: "Transport Layer Security".into(),
                area: Some("sec".into()),
                responsible_ad: Some(p("ad_sec")),
            },
        );
        w.ok(
            "op",
            Operator,
            Command::CreateWorkingGroup {
                wg: wg("quic"),
                name: "QUIC".into(),
                area: Some("tsv".into()),
                responsible_ad: None,
            },
        );
        w.ok(
            "op",
            Operator,
            Command::GrantRole {
                person: p("alice"),
                role: Role::WgChair { wg: wg("tls") },
            },
        );
        w.ok(
            "op",
            Operator,
            Command::GrantRole {
                person: p("dave"),
                role: Role::WgChair { wg: wg("quic") },
            },
        );
        w.forum(
            "tls@",
            "mailing-list",
            Organisation::Ietf,
            true,
            false,
            Some("tls"),
            None,
        );
        w.forum(
            "tls-chat",
            "chat",
            Organisation::Ietf,
            true,
            false,
            Some("tls"),
            None,
        );
        w.forum(
            "tls-chairs@",
            "mailing-list",
            Organisation::Ietf,
            false,
            false,
            Some("tls"),
            None,
        );
        w.forum(
            "quic@",
            "mailing-list",
            Organisation::Ietf,
            true,
            false,
            Some("quic"),
            Some("ad_tsv"),
        );
        w.forum(
            "ietf@",
            "mailing-list",
            Organisation::Ietf,
            true,
            true,
            None,
            None,
        );
        w.forum(
            "last-call@",
            "mailing-list",
            Organisation::Ietf,
            true,
            true,
            None,
            None,
        );
        w.forum(
            "ietf-chat",
            "chat",
            Organisation::Ietf,
            true,
            true,
            None,
            None,
        );
        w.forum(
            "cfrg@",
            "mailing-list",
            Organisation::Irtf,
            true,
            false,
            None,
            None,
        );
        w.forum(
            "github:ietf/notes",
            "github-repository",
            Organisation::Ietf,
            true,
            false,
            None,
            None,
        );
        w.ok(
            "op",
            Operator,
            Command::GrantRole {
                person: p("alice"),
                role: Role::ForumAdministrator {
                    forum: f("tls-chairs@"),
                },
            },
        );
        for m in MODERATORS {
            w.ok("ad_sec", Iesg, Command::AppointModerator { person: p(m) });
        }
        w
    }

    #[allow(clippy::too_many_arguments)]
    fn forum(
        &mut self,
        id: &str,
        kind: &str,
        organisation: Organisation,
        public: bool,
        plenary: bool,
        wg_: Option<&str>,
        ad: Option<&str>,
    ) {
        self.ok(
            "op",
            Capacity::Operator,
            Command::CreateForum {
                forum: f(id),
                name: format!("The {id} forum"),
                kind: kind.into(),
                organisation,
                public,
                plenary,
                wg: wg_.map(wg),
                responsible_ad: ad.map(p),
            },
        );
    }

    /// Moves the clock to `t`.
    pub fn at(&mut self, t: &str) {
        self.now = ts(t);
    }

    /// Moves the clock forward by `hours`.
    pub fn later_hours(&mut self, hours: i64) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_hours(hours))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Asks the policy, without recording anything.
    pub fn decide(
        &self,
        person: &str,
        capacity: Capacity,
        command: &Command,
    ) -> Result<Decision, Refusal> {
        decide(
            &self.state,
            &Actor::new(p(person), capacity),
            command,
            self.now,
        )
    }

    /// Decides and records; panics with the refusal if the policy says no.
    ///
    /// A moderator's action, amendment or rescission is a proposal of the
    /// team until the quorum agrees (TEAM-5): as a team does, the other
    /// moderators agree, one after the other, until it is enacted or waits
    /// for an approval. The decision returned holds the proposal's events and
    /// the agreements'. Tests of the quorum itself use [`World::propose`].
    pub fn allowed(&mut self, person: &str, capacity: Capacity, command: Command) -> Decision {
        let mut d = self.propose(person, capacity, command);
        let Some(proposal) = d.events.iter().find_map(|e| match e {
            Event::ProposalMade { proposal } => Some(proposal.id),
            _ => None,
        }) else {
            return d;
        };
        for m in MODERATORS {
            let now = &self.state.proposals[&proposal];
            if now.status != ProposalStatus::Open || now.agreements_missing() == 0 {
                break;
            }
            if now.has_agreed(&p(m)) {
                continue;
            }
            let agree = Command::AgreeToProposal { proposal };
            if self.decide(m, Capacity::Moderator, &agree).is_ok() {
                let more = self.propose(m, Capacity::Moderator, agree);
                d.events.extend(more.events);
                d.warnings.extend(more.warnings);
            }
        }
        d
    }

    /// Decides and records as it is, without anyone else's agreement;
    /// panics with the refusal if the policy says no.
    pub fn propose(&mut self, person: &str, capacity: Capacity, command: Command) -> Decision {
        match self.decide(person, capacity, &command) {
            Ok(d) => {
                for e in &d.events {
                    self.state.apply(e);
                }
                self.log.extend(d.events.iter().cloned());
                d
            }
            Err(r) => panic!(
                "{person} as {capacity} was refused {}: [{}] {r}",
                command.name(),
                r.requirement()
            ),
        }
    }

    /// Decides and records; returns the events recorded.
    pub fn ok(&mut self, person: &str, capacity: Capacity, command: Command) -> Vec<Event> {
        self.allowed(person, capacity, command).events
    }

    /// Asserts the policy refuses, and that nothing was recorded.
    pub fn refused(&mut self, person: &str, capacity: Capacity, command: Command) -> Refusal {
        let before = self.state.clone();
        let log_len = self.log.len();
        match self.decide(person, capacity, &command) {
            Ok(d) => panic!(
                "{person} as {capacity} was allowed {}: {:?}",
                command.name(),
                kinds(&d.events)
            ),
            Err(r) => {
                assert_eq!(self.state, before, "a refusal changed the state");
                assert_eq!(self.log.len(), log_len, "a refusal recorded events");
                r
            }
        }
    }

    // ---- Scenario steps ----

    /// `reporter` reports `subject` on `forum`; returns the report.
    pub fn file_report(
        &mut self,
        reporter: &str,
        forum: &str,
        subject: &str,
        category: &str,
    ) -> ReportId {
        let ev = self.ok(
            reporter,
            Capacity::Participant,
            report(forum, subject, category),
        );
        filed_report(&ev)
    }

    /// Takes an action and returns its id.
    pub fn take(&mut self, person: &str, capacity: Capacity, command: Command) -> ActionId {
        let ev = self.ok(person, capacity, command);
        taken_action(&ev).id
    }

    /// Puts the team's numbers `change` names in force the only way they
    /// change (PROC-1): a version of the procedures drafted by a moderator,
    /// put to the community and approved by the IESG.
    pub fn approve_numbers(&mut self, change: TeamNumbersChange) -> u32 {
        let version = self
            .state
            .procedures
            .keys()
            .next_back()
            .map_or(1, |v| v + 1);
        self.ok(
            "m1",
            Capacity::Moderator,
            Command::DraftProcedures {
                ladder: None,
                version,
                title: format!("Moderator procedures v{version}"),
                text: "The team's numbers.".into(),
                numbers: change,
            },
        );
        self.ok(
            "m2",
            Capacity::Moderator,
            Command::OpenProceduresReview { version },
        );
        self.ok(
            "ad_sec",
            Capacity::Iesg,
            Command::ApproveProcedures { version },
        );
        version
    }

    /// Lets the System escalate a report once its deadline has passed.
    pub fn escalate_when_due(&mut self, r: ReportId) -> Vec<Event> {
        self.later_hours(i64::from(self.state.numbers().escalation_hours));
        self.ok(
            "system",
            Capacity::System,
            Command::EscalateReport { report: r },
        )
    }

    pub fn action(&self, id: ActionId) -> &Action {
        self.state
            .actions
            .get(&id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    pub fn appeal(&self, id: AppealId) -> &Appeal {
        self.state
            .appeals
            .get(&id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    pub fn report_record(&self, id: ReportId) -> &Report {
        self.state
            .reports
            .get(&id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    pub fn forum_record(&self, id: &str) -> &Forum {
        self.state
            .fora
            .get(&f(id))
            .unwrap_or_else(|| panic!("no forum {id}"))
    }
}
