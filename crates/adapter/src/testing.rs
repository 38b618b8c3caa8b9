//! A log for adapter tests (feature `testing`): fora of the test's choosing
//! that `alice` administers, people with the identities the test gives them,
//! actions taken and rescinded through the policy's own `decide` (the real
//! engine on a throwaway SQLite log), and reconciling with an adapter, as
//! `modpod serve` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{Adapter, OnDrift, ReconcileError, Reconciler, Report, Wanted};
use jiff::Timestamp;
use modpod_enforce::Index;
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::{Capacity, Identity, IdentityKind, Measure, Organisation, Role};
use modpod_policy::{Actor, Command, Event, SubjectRef};
use modpod_server::Engine;
use modpod_testkit::TestDb;
use std::sync::Arc;

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

pub struct World {
    _db: TestDb,
    pub engine: Engine,
}

impl World {
    /// A log with these fora (id, kind), administered by `alice`, and these
    /// people with their identities.
    pub fn new(fora: &[(&str, &str)], people: &[(&str, &[(IdentityKind, &str)])]) -> World {
        let db = TestDb::sqlite();
        let mut engine = Engine::open(db.open(), &mut |_| {}).unwrap();
        let op = Actor::new(p("op"), Capacity::Operator);
        let mut commands = vec![
            Command::Bootstrap {
                operator: p("op"),
                name: "Operator".into(),
            },
            Command::RegisterPerson {
                person: p("alice"),
                name: "alice".into(),
                time_zone: None,
            },
        ];
        for (person, identities) in people {
            commands.push(Command::RegisterPerson {
                person: p(person),
                name: (*person).into(),
                time_zone: None,
            });
            for (kind, value) in *identities {
                commands.push(Command::LinkIdentity {
                    person: p(person),
                    identity: Identity::new(*kind, value).unwrap(),
                });
            }
        }
        for (forum, kind) in fora {
            let forum = ForumId::parse(forum).unwrap();
            commands.push(Command::CreateForum {
                forum: forum.clone(),
                name: "a forum".into(),
                kind: (*kind).into(),
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
        }
        let batch: Vec<_> = commands.into_iter().map(|c| (op.clone(), c)).collect();
        engine.execute_all(&batch, Timestamp::now()).unwrap();
        World { _db: db, engine }
    }

    /// `alice` takes an action on `subject`; returns its id.
    pub fn act(&mut self, subject: &str, measure: Measure, fora: &[&str]) -> ActionId {
        let command = Command::TakeAction {
            level: None,
            texts: None,
            subject: SubjectRef::Person { person: p(subject) },
            measure,
            fora: fora.iter().map(|f| ForumId::parse(f).unwrap()).collect(),
            reason: "disruption after a warning".into(),
            reports: vec![],
            evidence: vec![],
            starts_at: None,
            ends_at: None,
            spam: false,
        };
        let alice = Actor::new(p("alice"), Capacity::Administrator);
        let recorded = self
            .engine
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

    /// `alice` rescinds an action.
    pub fn rescind(&mut self, action: ActionId) {
        let alice = Actor::new(p("alice"), Capacity::Administrator);
        let command = Command::RescindAction {
            action,
            reason: "taken in error".into(),
        };
        self.engine
            .execute(&alice, &command, Timestamp::now())
            .unwrap();
    }

    /// `alice` has an action's fora cool down until `until`, or stop.
    pub fn cool_down(&mut self, action: ActionId, until: Option<Timestamp>) {
        let alice = Actor::new(p("alice"), Capacity::Administrator);
        let command = Command::SetCoolDown {
            action,
            until,
            reason: "the thread is heated".into(),
        };
        self.engine
            .execute(&alice, &command, Timestamp::now())
            .unwrap();
    }

    /// One reconcile with `adapter` now; the lines it reported.
    pub fn reconcile(&mut self, adapter: &Arc<dyn Adapter>) -> Result<Vec<String>, ReconcileError> {
        self.reconcile_with(adapter, OnDrift::Reapply)
    }

    pub fn reconcile_with(
        &mut self,
        adapter: &Arc<dyn Adapter>,
        on_drift: OnDrift,
    ) -> Result<Vec<String>, ReconcileError> {
        let reconciler = Reconciler::new(adapter.clone(), on_drift);
        let state = self.engine.state();
        let wanted = Wanted::at(
            adapter.as_ref(),
            state,
            &Index::build(state),
            Timestamp::now(),
        );
        let mut lines = Vec::new();
        reconciler.reconcile(
            self.engine.store(),
            &wanted,
            None,
            false,
            &mut |r: &Report| lines.push(r.line(adapter.as_ref(), false)),
        )?;
        Ok(lines)
    }
}
