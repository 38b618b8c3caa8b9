//! The policy's requirements, each by its id and in its words: the one list
//! that refusals, warnings, notifications, metrics, the pages and the check of
//! `docs/requirements.md` (`scripts/check-requirements` reads this file) name
//! them from. The ids are those of the policy's requirements document; their
//! words are a summary of each.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! requirements {
    ($($variant:ident => $id:literal, $words:literal;)*) => {
        /// A requirement of the policy, or [`Requirement::Input`] for what is
        /// malformed or unknown in a command rather than refused by a rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Requirement {
            $(#[doc = $words] $variant,)*
            /// Not a rule: a field is missing or malformed, or a record named
            /// does not exist.
            Input,
        }

        impl Requirement {
            /// Every requirement, in the order of the policy's document.
            pub const ALL: &'static [Requirement] = &[$(Requirement::$variant,)*];

            /// Its id, e.g. `ACT-4`; `INPUT` for [`Requirement::Input`].
            pub const fn id(self) -> &'static str {
                match self {
                    $(Requirement::$variant => $id,)*
                    Requirement::Input => "INPUT",
                }
            }

            /// What it requires, in a line.
            pub const fn words(self) -> &'static str {
                match self {
                    $(Requirement::$variant => $words,)*
                    Requirement::Input => "what is given must be well formed and name records that exist",
                }
            }
        }
    };
}

requirements! {
    Role1 => "ROLE-1", "Roles; one person, several roles; permissions follow the role held for that forum/case";
    Role2 => "ROLE-2", "WG chairs administer their WG's public fora; delegation recorded, chairs stay responsible";
    Role3 => "ROLE-3", "Moderators administer plenary fora and fora without administrators";
    Team1 => "TEAM-1", "The IESG appoints and recalls moderators, as recorded events";
    Team2 => "TEAM-2", "IESG, IAB, Trust, LLC board, LLC staff/contractors ineligible; a sitting moderator taking such a role is flagged, and past a grace period (a procedures number) can no longer act";
    Team3 => "TEAM-3", "Fewer than five moderators is a warning, not silently accepted; five is the policy's number (a deployment may warn at more, never fewer)";
    Team4 => "TEAM-4", "Moderators' time zones and availability; hours without cover shown; public roster";
    Forum1 => "FORUM-1", "Any public online channel; new kinds without code changes";
    Forum2 => "FORUM-2", "Policy applies to IETF fora only, unless another body opted in; actions elsewhere refused";
    Forum3 => "FORUM-3", "Non-public fora are not moderated by the team; their administrators may use the tool";
    Forum4 => "FORUM-4", "Each forum knows its responsible AD (or none)";
    Report1 => "REPORT-1", "Anyone may report; a report goes to the forum's administrators and the moderators";
    Report2 => "REPORT-2", "Categories include the policy's examples, bulk, harassment, other; categories are data";
    Report3 => "REPORT-3", "Reports tracked received → acknowledged → in review → resolved; acknowledgement visible to the reporter";
    Report4 => "REPORT-4", "Unhandled reports escalate to the moderators after a time in the procedures; an acknowledged report left unresolved escalates too; never on non-public fora";
    Report5 => "REPORT-5", "The reporter is never shown to the subject nor in public output, on every channel: pages, API and every email, those to a group the subject is in included; the subject never reads the reporter's words or links";
    Report6 => "REPORT-6", "Disagreement is not disruption; automated triggers only on volume/rate and spam";
    Act1 => "ACT-1", "Action types (rate limit, review, private/public admonishment, temporary/indefinite suspension, other); one or several fora";
    Act2 => "ACT-2", "Who may act where: administrators on their fora; moderators on plenary/unadministered fora, escalated reports, several fora within the procedures' window (none found not disruptive); nobody on their own case; else refused with the reason";
    Act3 => "ACT-3", "Administrators amend/rescind, including the team's actions, only after consulting the team: a request answered by a moderator, both on the record; an action the team amended counts as the team's";
    Act4 => "ACT-4", "Account removal, meeting restrictions, content removal, private/non-IETF communications: always refused";
    Act5 => "ACT-5", "Spam handled with the same actions, without notifications; the mark needs evidence of bulk messages, never an admonishment, and stays in the digest and (counted apart) the transparency report";
    Act6 => "ACT-6", "An action records who, role, fora, reason, reports, evidence, start, end, procedures version";
    Act7 => "ACT-7", "A person's history across fora is visible to those who may act";
    Act8 => "ACT-8", "Actions are enforced on the forum software itself";
    Notify1 => "NOTIFY-1", "Restrictive actions reported at once to the person, the team and the fora's administrators";
    Notify2 => "NOTIFY-2", "Periodic digest of actions to the IESG (period is a setting)";
    Notify3 => "NOTIFY-3", "Suspensions over 14 days (or any, on the person's request) announced to each forum; exactly 14 days is not; 14 is the policy's number; back-to-back suspensions on one forum count as one";
    Notify4 => "NOTIFY-4", "A suspension announced under NOTIFY-3 that applies to several fora also goes to the community channel the IESG chose";
    Notify5 => "NOTIFY-5", "Periodic aggregate report to the community, no personal data";
    Notify6 => "NOTIFY-6", "Every notification kept with delivery status; failures retried";
    Notify7 => "NOTIFY-7", "Moderators tell the fora's administrators of every action they take, admonishments included";
    Appeal1 => "APPEAL-1", "Disagreements go to the responsible AD (one no longer an AD counts as none), or the IETF chair when none can be determined";
    Appeal2 => "APPEAL-2", "Then the IESG, then the IAB, never skipping; each step a decision and rationale; nobody decides two steps of one chain, nor about their own action";
    Appeal3 => "APPEAL-3", "An upheld appeal produces a recorded amendment or rescission";
    Reinst1 => "REINST-1", "Reinstatement requests one year after the decision, then once a year; early ones refused with the date";
    Reinst2 => "REINST-2", "The request goes to the deciding entity or its successor";
    Reinst3 => "REINST-3", "Reinstatement unconditional or with recorded conditions";
    Reinst4 => "REINST-4", "A decision not to reinstate cannot be appealed";
    Reinst5 => "REINST-5", "Pre-policy (e.g. RFC 3683) actions are legacy, reconsidered only under their own process; only a suspension dated before the policy's effective date (a deployment setting) can be recorded so, naming its process";
    Ombuds1 => "OMBUDS-1", "Suspected harassment always referred to the ombudsteam (recorded); administrators and moderators may still act";
    Llc1 => "LLC-1", "LLC emergency actions record subject, nature, reason, duration (grounds are examples, not a closed list); the IESG, the team and the community are told, each unless legal advice says otherwise; on a forum, enforced like any suspension (ACT-8)";
    Llc2 => "LLC-2", "Not amended or lifted by moderators or IESG; outside the appeal chain; board review on request";
    Irtf1 => "IRTF-1", "The policy does not apply to IRTF fora (see FORUM-2)";
    Proc1 => "PROC-1", "Versioned procedures (draft, community review, IESG-approved); prior version stays in force; actions name their version; the team's numbers change only with an approved version";
    Audit1 => "AUDIT-1", "Append-only, attributed, time-stamped events; tampering detectable";
    Priv1 => "PRIV-1", "Public outputs carry no reporter identities, evidence or needless personal data";
    Notewell1 => "NOTEWELL-1", "The Note Well shown where people report or appeal; version last seen recorded; never blocks a report";
    Team5 => "TEAM-5", "Team actions need a quorum (default two); outgoing text vetted by another moderator";
    Ladder1 => "LADDER-1", "Configurable escalation ladder; next level suggested from history";
    Template1 => "TEMPLATE-1", "Versioned message templates per level and audience, named in notification records";
    Stats1 => "STATS-1", "The team's yearly statistics come from the log";
    Feedback1 => "FEEDBACK-1", "The reporter is told of acknowledgement and outcome";
    Msg1 => "MSG-1", "Messages between moderators, the person and the reporter inside the case";
    Evidence1 => "EVIDENCE-1", "Evidence as links plus a content hash";
    Circumvent1 => "CIRCUMVENT-1", "Alerts when a restricted person's linked identity posts elsewhere";
    Log1 => "LOG-1", "The log outlives the code: versioned event records, old logs kept as fixtures and replayed";
    Audit2 => "AUDIT-2", "Signed public checkpoints (Merkle tree heads) that anyone can check extend each other and include a given record";
    Forum5 => "FORUM-5", "Fora, groups, chairs, delegates and ADs from the Datatracker, kept in step; conflicts shown";
    Migrate1 => "MIGRATE-1", "Mailman bans and holds, RFC 3683 PR-actions and the team's past actions imported as attributed, dated records, with a report of what could not be";
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Requirement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl FromStr for Requirement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Requirement::ALL
            .iter()
            .copied()
            .chain([Requirement::Input])
            .find(|r| r.id() == s)
            .ok_or_else(|| format!("{s:?} is not a requirement of the policy"))
    }
}

impl From<Requirement> for String {
    fn from(r: Requirement) -> String {
        r.id().to_owned()
    }
}

impl PartialEq<&str> for Requirement {
    fn eq(&self, other: &&str) -> bool {
        self.id() == *other
    }
}

impl PartialEq<Requirement> for &str {
    fn eq(&self, other: &Requirement) -> bool {
        *self == other.id()
    }
}

#[cfg(test)]
mod tests {
    use super::Requirement;

    #[test]
    fn each_id_is_read_back_as_its_requirement() {
        for r in Requirement::ALL.iter().chain([&Requirement::Input]) {
            assert_eq!(r.id().parse::<Requirement>(), Ok(*r));
            assert!(!r.words().is_empty());
        }
        assert!("ACT-99".parse::<Requirement>().is_err());
    }
}
