//! Notifications that the policy says are owed (NOTIFY-*). The policy decides
//! *who must be told what, and why*; delivery belongs to the server.

use super::Thread;
use crate::ids::{
    ActionId, AlertId, AppealId, ForumId, LlcActionId, NotificationId, PersonId, ProposalId,
    ReinstatementId, ReportId,
};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub to: Recipient,
    pub about: Subject,
    /// The requirement that makes it owed, e.g. "NOTIFY-3" (several, space-separated, when rules share it).
    /// Held inline, as the template's name is: a notification is otherwise
    /// ids, and a long log holds hundreds of thousands of them.
    pub requirement: SmolStr,
    /// The template it is rendered from, e.g. "action-taken/person".
    pub template: SmolStr,
    /// The version of that template (TEMPLATE-1): 0 is modpod's own text,
    /// from 1 the team's.
    #[serde(default)]
    pub template_version: u32,
}

impl Notification {
    /// The action this notification announces to a forum it covers
    /// (NOTIFY-3), if it is such an announcement.
    pub fn announces(&self) -> Option<ActionId> {
        let notify3 = self
            .requirement
            .split(' ')
            .any(|r| r == crate::requirement::Requirement::Notify3);
        match (&self.to, &self.about) {
            (Recipient::Forum { .. }, Subject::Action(id)) if notify3 => Some(*id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    Person {
        person: PersonId,
    },
    ModeratorTeam,
    /// The administrators of a forum (chairs and delegates, or the moderators).
    ForumAdministrators {
        forum: ForumId,
    },
    /// The forum itself: a post to the list or room.
    Forum {
        forum: ForumId,
    },
    /// The channel the IESG chose for actions on several fora (NOTIFY-4).
    CommunityChannel,
    Iesg,
    Iab,
    IetfChair,
    LlcBoard,
    Ombudsteam,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Report(ReportId),
    Action(ActionId),
    Appeal(AppealId),
    Reinstatement(ReinstatementId),
    LlcAction(LlcActionId),
    /// A period that a digest or the community report covers.
    Period(Period),
    /// A moderator, e.g. one reminded to step down (TEAM-2).
    Moderator(PersonId),
    /// A proposal of the moderator team (TEAM-5).
    Proposal(ProposalId),
    /// A message in a case's thread (MSG-1), by its number in the thread.
    CaseMessage {
        report: ReportId,
        thread: Thread,
        number: u32,
    },
    /// An alert to the moderator team (CIRCUMVENT-1).
    Alert(AlertId),
}

/// `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
}

/// Every notification owed, in the order of their ids. The log gives ids in
/// increasing order, so a notification owed is one more at the end of a
/// persistent vector: denser than a map and made from a snapshot without a
/// tree to build. Any order reads correctly: one owed out of order (a log
/// joined from elsewhere) goes where its id says, and an id owed twice keeps
/// the last. Read and written as a map from id to notification, as before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications(imbl::Vector<Notification>);

impl Notifications {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where `id` is, or would go.
    fn position(&self, id: NotificationId) -> Result<usize, usize> {
        self.0.binary_search_by(|n| n.id.cmp(&id))
    }

    pub fn get(&self, id: &NotificationId) -> Option<&Notification> {
        self.position(*id).ok().map(|at| &self.0[at])
    }

    pub fn insert(&mut self, notification: Notification) {
        match self.0.back() {
            Some(last) if last.id >= notification.id => match self.position(notification.id) {
                Ok(at) => {
                    self.0.set(at, notification);
                }
                Err(at) => self.0.insert(at, notification),
            },
            _ => self.0.push_back(notification),
        }
    }

    /// In the order of their ids.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Notification> {
        self.0.iter()
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &NotificationId> {
        self.0.iter().map(|n| &n.id)
    }

    /// Those with an id after `id` (all of them for `None`), in order.
    pub fn after(&self, id: Option<NotificationId>) -> impl Iterator<Item = &Notification> {
        let from = id.map_or(0, |id| match self.position(id) {
            Ok(at) => at + 1,
            Err(at) => at,
        });
        self.0.focus().narrow(from..).into_iter()
    }
}

impl FromIterator<Notification> for Notifications {
    fn from_iter<I: IntoIterator<Item = Notification>>(iter: I) -> Self {
        let mut all = Gathered::default();
        for notification in iter {
            all.push(notification);
        }
        all.done()
    }
}

/// Notifications read one after the other: in the order of their ids, each
/// is one more at the end; any out of order are sorted in once, at the end,
/// not one by one into the middle (a map whose keys were sorted as text
/// comes as 1, 10, 100, ...).
#[derive(Default)]
struct Gathered {
    in_order: imbl::Vector<Notification>,
    others: Vec<Notification>,
}

impl Gathered {
    fn push(&mut self, notification: Notification) {
        let next = self
            .in_order
            .back()
            .is_none_or(|last| last.id < notification.id);
        if next && self.others.is_empty() {
            self.in_order.push_back(notification);
        } else {
            self.others.push(notification);
        }
    }

    fn done(self) -> Notifications {
        if self.others.is_empty() {
            return Notifications(self.in_order);
        }
        let mut all: Vec<Notification> = self.in_order.into_iter().chain(self.others).collect();
        // Stable: of one id given twice, the last stays.
        all.sort_by_key(|n| n.id);
        let mut kept: Vec<Notification> = Vec::with_capacity(all.len());
        for notification in all {
            match kept.last_mut() {
                Some(last) if last.id == notification.id => *last = notification,
                _ => kept.push(notification),
            }
        }
        Notifications(kept.into_iter().collect())
    }
}

impl Serialize for Notifications {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|n| (n.id, n)))
    }
}

impl<'de> Deserialize<'de> for Notifications {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ById;
        impl<'de> serde::de::Visitor<'de> for ById {
            type Value = Notifications;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from notification id to notification")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut all = Gathered::default();
                while let Some((id, notification)) =
                    map.next_entry::<NotificationId, Notification>()?
                {
                    if id != notification.id {
                        return Err(serde::de::Error::custom(format!(
                            "{id} is filed under the id of another: {}",
                            notification.id
                        )));
                    }
                    all.push(notification);
                }
                Ok(all.done())
            }
        }
        deserializer.deserialize_map(ById)
    }
}

impl Notifications {
    /// The notifications as a snapshot holds them: a sequence with each
    /// recipient and subject a plain enum, which reads without serde's
    /// buffering of a tagged one (the map [`Notifications`] is written as
    /// reads each one twice). Read back by [`Notifications::from_compact`].
    pub fn compact(&self) -> impl Serialize + '_ {
        struct Compact<'a>(&'a Notifications);
        impl Serialize for Compact<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.0.iter().map(Packed::from))
            }
        }
        Compact(self)
    }

    /// What [`Notifications::compact`] wrote.
    pub fn from_compact<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Notifications;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of notifications")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut all = Gathered::default();
                while let Some(packed) = seq.next_element::<Packed>()? {
                    all.push(packed.into());
                }
                Ok(all.done())
            }
        }
        deserializer.deserialize_seq(InOrder)
    }
}

/// A notification as [`Notifications::compact`] writes it.
#[derive(Serialize, Deserialize)]
struct Packed(NotificationId, To, About, SmolStr, SmolStr, u32);

#[derive(Serialize, Deserialize)]
enum To {
    Person(PersonId),
    ModeratorTeam,
    ForumAdministrators(ForumId),
    Forum(ForumId),
    CommunityChannel,
    Iesg,
    Iab,
    IetfChair,
    LlcBoard,
    Ombudsteam,
}

#[derive(Serialize, Deserialize)]
enum About {
    Report(ReportId),
    Action(ActionId),
    Appeal(AppealId),
    Reinstatement(ReinstatementId),
    LlcAction(LlcActionId),
    Period(Period),
    Moderator(PersonId),
    Proposal(ProposalId),
    CaseMessage(ReportId, Thread, u32),
    Alert(AlertId),
}

impl From<&Notification> for Packed {
    fn from(n: &Notification) -> Self {
        let to = match &n.to {
            Recipient::Person { person } => To::Person(person.clone()),
            Recipient::ModeratorTeam => To::ModeratorTeam,
            Recipient::ForumAdministrators { forum } => To::ForumAdministrators(forum.clone()),
            Recipient::Forum { forum } => To::Forum(forum.clone()),
            Recipient::CommunityChannel => To::CommunityChannel,
            Recipient::Iesg => To::Iesg,
            Recipient::Iab => To::Iab,
            Recipient::IetfChair => To::IetfChair,
            Recipient::LlcBoard => To::LlcBoard,
            Recipient::Ombudsteam => To::Ombudsteam,
        };
        let about = match &n.about {
            Subject::Report(id) => About::Report(*id),
            Subject::Action(id) => About::Action(*id),
            Subject::Appeal(id) => About::Appeal(*id),
            Subject::Reinstatement(id) => About::Reinstatement(*id),
            Subject::LlcAction(id) => About::LlcAction(*id),
            Subject::Period(period) => About::Period(*period),
            Subject::Moderator(person) => About::Moderator(person.clone()),
            Subject::Proposal(id) => About::Proposal(*id),
            Subject::CaseMessage {
                report,
                thread,
                number,
            } => About::CaseMessage(*report, *thread, *number),
            Subject::Alert(id) => About::Alert(*id),
        };
        Packed(
            n.id,
            to,
            about,
            n.requirement.clone(),
            n.template.clone(),
            n.template_version,
        )
    }
}

impl From<Packed> for Notification {
    fn from(Packed(id, to, about, requirement, template, template_version): Packed) -> Self {
        let to = match to {
            To::Person(person) => Recipient::Person { person },
            To::ModeratorTeam => Recipient::ModeratorTeam,
            To::ForumAdministrators(forum) => Recipient::ForumAdministrators { forum },
            To::Forum(forum) => Recipient::Forum { forum },
            To::CommunityChannel => Recipient::CommunityChannel,
            To::Iesg => Recipient::Iesg,
            To::Iab => Recipient::Iab,
            To::IetfChair => Recipient::IetfChair,
            To::LlcBoard => Recipient::LlcBoard,
            To::Ombudsteam => Recipient::Ombudsteam,
        };
        let about = match about {
            About::Report(id) => Subject::Report(id),
            About::Action(id) => Subject::Action(id),
            About::Appeal(id) => Subject::Appeal(id),
            About::Reinstatement(id) => Subject::Reinstatement(id),
            About::LlcAction(id) => Subject::LlcAction(id),
            About::Period(period) => Subject::Period(period),
            About::Moderator(person) => Subject::Moderator(person),
            About::Proposal(id) => Subject::Proposal(id),
            About::CaseMessage(report, thread, number) => Subject::CaseMessage {
                report,
                thread,
                number,
            },
            About::Alert(id) => Subject::Alert(id),
        };
        Notification {
            id,
            to,
            about,
            requirement,
            template,
            template_version,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn owed(id: u64, to: Recipient, about: Subject) -> Notification {
        Notification {
            id: NotificationId(id),
            to,
            about,
            requirement: "NOTIFY-1".into(),
            template: format!("t{id}").into(),
            template_version: u32::try_from(id).unwrap(),
        }
    }

    fn person(name: &str) -> PersonId {
        PersonId::parse(name).unwrap()
    }

    fn forum(name: &str) -> ForumId {
        ForumId::parse(name).unwrap()
    }

    fn ids<'a>(it: impl Iterator<Item = &'a Notification>) -> Vec<u64> {
        it.map(|n| n.id.0).collect()
    }

    #[test]
    fn notifications_are_kept_in_the_order_of_their_ids_whatever_the_order_they_come_in() {
        let mut all = Notifications::default();
        for id in [3, 1, 2, 5] {
            all.insert(owed(id, Recipient::Iesg, Subject::Report(ReportId(id))));
        }
        let again = owed(2, Recipient::Iab, Subject::Action(ActionId(9)));
        all.insert(again.clone());
        assert_eq!(all.len(), 4);
        assert_eq!(ids(all.values()), [1, 2, 3, 5]);
        assert_eq!(all.keys().map(|id| id.0).collect::<Vec<_>>(), [1, 2, 3, 5]);
        assert_eq!(all.get(&NotificationId(2)), Some(&again));
        assert_eq!(all.get(&NotificationId(4)), None);
        assert_eq!(all.get(&NotificationId(6)), None);
        assert_eq!(ids(all.after(None)), [1, 2, 3, 5]);
        assert_eq!(ids(all.after(Some(NotificationId(0)))), [1, 2, 3, 5]);
        assert_eq!(ids(all.after(Some(NotificationId(2)))), [3, 5]);
        assert_eq!(ids(all.after(Some(NotificationId(4)))), [5]);
        assert_eq!(ids(all.after(Some(NotificationId(5)))), Vec::<u64>::new());
        let collected: Notifications = all.values().rev().cloned().collect();
        assert_eq!(collected, all);
        assert!(!all.is_empty());
        assert!(Notifications::default().is_empty());
    }

    /// One notification to every kind of recipient and about every kind of
    /// subject.
    fn every_kind() -> Notifications {
        let to = [
            Recipient::Person {
                person: person("alice"),
            },
            Recipient::ModeratorTeam,
            Recipient::ForumAdministrators {
                forum: forum("wg1@ietf.org"),
            },
            Recipient::Forum {
                forum: forum("wg2@ietf.org"),
            },
            Recipient::CommunityChannel,
            Recipient::Iesg,
            Recipient::Iab,
            Recipient::IetfChair,
            Recipient::LlcBoard,
            Recipient::Ombudsteam,
        ];
        let period = Period {
            from: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            to: jiff::Timestamp::from_second(1_700_600_000).unwrap(),
        };
        let about = [
            Subject::Report(ReportId(1)),
            Subject::Action(ActionId(2)),
            Subject::Appeal(AppealId(3)),
            Subject::Reinstatement(ReinstatementId(4)),
            Subject::LlcAction(LlcActionId(5)),
            Subject::Period(period),
            Subject::Moderator(person("bob")),
            Subject::Proposal(ProposalId(6)),
            Subject::CaseMessage {
                report: ReportId(7),
                thread: Thread::Reporter,
                number: 8,
            },
            Subject::Alert(AlertId(9)),
        ];
        let mut id = 0;
        let mut all = Notifications::default();
        for to in &to {
            for about in &about {
                id += 1;
                all.insert(owed(id, to.clone(), about.clone()));
            }
        }
        all
    }

    #[test]
    fn the_compact_form_reads_back_every_recipient_and_subject_as_written() {
        let all = every_kind();
        let compact = serde_json::to_value(all.compact()).unwrap();
        assert_eq!(compact.as_array().map(Vec::len), Some(100));
        let read = Notifications::from_compact(compact).unwrap();
        assert_eq!(read, all);
        let err = Notifications::from_compact(serde_json::json!(7)).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a sequence of notifications"),
            "{err}"
        );
    }

    #[test]
    fn notifications_are_written_and_read_as_a_map_from_id_to_notification() {
        let all = every_kind();
        let json = serde_json::to_value(&all).unwrap();
        let map = json.as_object().unwrap();
        assert_eq!(map.len(), 100);
        assert_eq!(map["7"]["id"], 7);
        assert_eq!(map["7"]["to"]["to"], "person");
        // A `serde_json::Value` keeps its keys sorted as text: 1, 10, 100, 11, ...
        let read: Notifications = serde_json::from_value(json).unwrap();
        assert_eq!(read, all);
        let twice = format!(
            r#"{{"7": {}, "7": {}}}"#,
            serde_json::to_string(all.get(&NotificationId(8)).unwrap())
                .unwrap()
                .replace(r#""id":8"#, r#""id":7"#),
            serde_json::to_string(all.get(&NotificationId(7)).unwrap()).unwrap(),
        );
        let read: Notifications = serde_json::from_str(&twice).unwrap();
        assert_eq!(
            read.values().collect::<Vec<_>>(),
            [all.get(&NotificationId(7)).unwrap()]
        );

        let misfiled =
            serde_json::json!({ "8": serde_json::to_value(all.get(&NotificationId(7))).unwrap() });
        let err = serde_json::from_value::<Notifications>(serde_json::json!([])).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a map from notification id to notification"),
            "{err}"
        );
        let err = serde_json::from_value::<Notifications>(misfiled).unwrap_err();
        assert!(
            err.to_string()
                .contains("notification #8 is filed under the id of another: notification #7"),
            "{err}"
        );
    }
}
