//! The numbers of the policy, in three kinds that nobody may confuse:
//!
//! - the policy's own numbers ([`ANNOUNCE_SUSPENSIONS_OVER_DAYS`],
//!   [`MINIMUM_TEAM_SIZE`]): the text fixes them, so they are constants, not
//!   settings;
//! - the moderator team's numbers ([`TeamNumbers`]: how fast is "timely", how
//!   often "periodically", how long is "at the same time"): they belong to the
//!   team's procedures and change only with a version the IESG approves
//!   (PROC-1), never by one moderator;
//! - a deployment's settings ([`Settings`]): when the policy took effect here
//!   (REINST-5) and a stricter warning threshold for the team's size (TEAM-3),
//!   set by an operator, one value at a time.

use crate::refusal::Refusal;
use crate::requirement::Requirement;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// NOTIFY-3: a suspension longer than this many days is announced to its fora;
/// exactly this many is not longer.
pub const ANNOUNCE_SUSPENSIONS_OVER_DAYS: u32 = 14;

/// TEAM-3: the moderator team has at least this many members.
pub const MINIMUM_TEAM_SIZE: u32 = 5;

/// RFC 9945 (BCP 245) was published in February 2026: the default moment the
/// policy took effect, 2026-02-01T00:00:00Z, before which suspensions were
/// imposed under earlier processes (REINST-5).
pub const RFC_9945_PUBLISHED: Timestamp = Timestamp::constant(1_769_904_000, 0);

/// A deployment's settings, changed by an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// When this policy took effect for the fora modpod serves: only a
    /// suspension imposed before it can be recorded as legacy (REINST-5).
    pub policy_effective_at: Timestamp,
    /// A team smaller than this is shown as a warning (TEAM-3): at least
    /// [`MINIMUM_TEAM_SIZE`], never fewer.
    pub warn_team_below: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy_effective_at: RFC_9945_PUBLISHED,
            warn_team_below: MINIMUM_TEAM_SIZE,
        }
    }
}

/// A change of settings: each value named changes, every other stays as it
/// is. Names of numbers that are not a deployment's to set are read, so that
/// the refusal can say whose they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettingsChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_effective_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_team_below: Option<u32>,
    /// The policy's number (NOTIFY-3): refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announce_suspensions_over_days: Option<u32>,
    /// Named `minimum_team_size` before: refused below five (TEAM-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_team_size: Option<u32>,
    /// The team's numbers (PROC-1): refused here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iesg_digest_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_report_days: Option<u32>,
}

impl Settings {
    /// These settings with `change` applied, or why the change is refused.
    pub fn changed(&self, change: &SettingsChange) -> Result<Settings, Refusal> {
        if change.announce_suspensions_over_days.is_some() {
            return Err(Refusal::not_permitted(
                Requirement::Notify3,
                format!(
                    "announce_suspensions_over_days: {ANNOUNCE_SUSPENSIONS_OVER_DAYS} days is the policy's own number, not a setting"
                ),
            ));
        }
        let team = [
            ("escalation_hours", change.escalation_hours),
            ("iesg_digest_days", change.iesg_digest_days),
            ("community_report_days", change.community_report_days),
        ];
        if let Some((field, _)) = team.iter().find(|(_, v)| v.is_some()) {
            return Err(Refusal::not_permitted(
                Requirement::Proc1,
                format!(
                    "{field} is one of the moderator team's numbers: it changes only with a version of the team's procedures that the IESG approves"
                ),
            ));
        }
        let mut out = self.clone();
        if let Some(at) = change.policy_effective_at {
            out.policy_effective_at = at;
        }
        if let Some(n) = change.warn_team_below.or(change.minimum_team_size) {
            if n < MINIMUM_TEAM_SIZE {
                return Err(Refusal::not_permitted(
                    Requirement::Team3,
                    format!(
                        "warn_team_below: the policy asks for at least {MINIMUM_TEAM_SIZE} moderators; a deployment may warn at more, never at fewer"
                    ),
                ));
            }
            out.warn_team_below = n;
        }
        if change.policy_effective_at.is_none()
            && change.warn_team_below.is_none()
            && change.minimum_team_size.is_none()
        {
            return Err(Refusal::invalid(
                "settings",
                "name at least one setting to change: policy_effective_at, warn_team_below",
            ));
        }
        Ok(out)
    }
}

/// The settings one moderator could change before PROC-1 was read as the
/// text says, as `settings_changed` events recorded them. They are kept so
/// that those logs replay; they no longer decide anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacySettings {
    pub escalation_hours: u32,
    pub iesg_digest_days: u32,
    pub community_report_days: u32,
    pub minimum_team_size: u32,
    pub announce_suspensions_over_days: u32,
}

/// The moderator team's numbers (PROC-1): part of a version of its
/// procedures, in force once the IESG approves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamNumbers {
    /// A report not acknowledged within this many hours escalates to the
    /// moderators (REPORT-4).
    pub escalation_hours: u32,
    /// A report acknowledged but not resolved within this many days of its
    /// acknowledgement escalates too (REPORT-4).
    pub resolution_days: u32,
    /// Reports on two or more fora within this many days show a person
    /// disrupting several fora "at the same time" (ACT-2).
    pub several_fora_window_days: u32,
    /// How often the IESG gets its digest, in days (NOTIFY-2).
    pub iesg_digest_days: u32,
    /// How often the aggregate community report is published, in days (NOTIFY-5).
    pub community_report_days: u32,
    /// How long a moderator who took a role that excludes moderation may go
    /// on acting before they step down (TEAM-2: "soon after").
    pub step_down_grace_days: u32,
    /// How many moderators must agree before an action, amendment or
    /// rescission of the team takes effect, the proposer counting (TEAM-5).
    /// Absent from versions of the procedures before it was a number.
    #[serde(default = "default_quorum")]
    pub quorum: u32,
    /// How many days a proposal of the team stays open for agreement (TEAM-5).
    #[serde(default = "default_proposal_days")]
    pub proposal_days: u32,
    /// The moderators are alerted at most once in this many hours that a
    /// restricted person posted on one forum where they are not restricted
    /// (CIRCUMVENT-1).
    #[serde(default = "default_circumvention_alert_hours")]
    pub circumvention_alert_hours: u32,
    /// The volume rule (REPORT-6): more than this many posts by one person
    /// in [`TeamNumbers::volume_minutes`] on one forum, and the policy server
    /// rate-limits them there for [`TeamNumbers::volume_limit_hours`]. 0, the
    /// default: no rule, nothing automatic.
    #[serde(default)]
    pub volume_posts: u32,
    #[serde(default = "default_volume_minutes")]
    pub volume_minutes: u32,
    #[serde(default = "default_volume_limit_hours")]
    pub volume_limit_hours: u32,
}

fn default_quorum() -> u32 {
    2
}

fn default_proposal_days() -> u32 {
    7
}

fn default_circumvention_alert_hours() -> u32 {
    24
}

fn default_volume_minutes() -> u32 {
    60
}

fn default_volume_limit_hours() -> u32 {
    24
}

/// The most posts the volume rule may count (REPORT-6): the policy server
/// keeps the time of each counted post, per person and forum, in memory.
pub const MAX_VOLUME_POSTS: u32 = 1_000;
/// The longest window the volume rule may count posts in: a day.
pub const MAX_VOLUME_MINUTES: u32 = 24 * 60;
/// The longest an automatic rate limit may last: a week. Anything longer is
/// for a person to decide.
pub const MAX_VOLUME_LIMIT_HOURS: u32 = 7 * 24;

/// The volume rule in force (REPORT-6): more than `posts` posts by one person
/// within `minutes` minutes on one forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeRule {
    pub posts: u32,
    pub minutes: u32,
}

impl TeamNumbers {
    /// The volume rule, if these numbers set one.
    pub fn volume_rule(&self) -> Option<VolumeRule> {
        (self.volume_posts > 0).then_some(VolumeRule {
            posts: self.volume_posts,
            minutes: self.volume_minutes,
        })
    }
}

impl Default for TeamNumbers {
    fn default() -> Self {
        TeamNumbers {
            escalation_hours: 48,
            resolution_days: 14,
            several_fora_window_days: 30,
            iesg_digest_days: 30,
            community_report_days: 90,
            step_down_grace_days: 30,
            quorum: default_quorum(),
            proposal_days: default_proposal_days(),
            circumvention_alert_hours: default_circumvention_alert_hours(),
            volume_posts: 0,
            volume_minutes: default_volume_minutes(),
            volume_limit_hours: default_volume_limit_hours(),
        }
    }
}

/// The numbers a draft of the procedures changes; the others stay as they
/// are in the version in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamNumbersChange {
    pub escalation_hours: Option<u32>,
    pub resolution_days: Option<u32>,
    pub several_fora_window_days: Option<u32>,
    pub iesg_digest_days: Option<u32>,
    pub community_report_days: Option<u32>,
    pub step_down_grace_days: Option<u32>,
    pub quorum: Option<u32>,
    pub proposal_days: Option<u32>,
    pub circumvention_alert_hours: Option<u32>,
    /// 0 turns the volume rule off.
    pub volume_posts: Option<u32>,
    pub volume_minutes: Option<u32>,
    pub volume_limit_hours: Option<u32>,
}

impl TeamNumbers {
    /// These numbers with `change` applied, each at least 1 (but the volume
    /// rule's posts, 0 for none) and the volume rule's within its bounds.
    pub fn changed(self, change: &TeamNumbersChange) -> Result<TeamNumbers, Refusal> {
        let mut out = self;
        let bounded = [
            (
                "numbers.volume_posts",
                change.volume_posts,
                MAX_VOLUME_POSTS,
            ),
            (
                "numbers.volume_minutes",
                change.volume_minutes,
                MAX_VOLUME_MINUTES,
            ),
            (
                "numbers.volume_limit_hours",
                change.volume_limit_hours,
                MAX_VOLUME_LIMIT_HOURS,
            ),
        ];
        for (field, new, max) in bounded {
            if new.is_some_and(|n| n > max) {
                return Err(Refusal::invalid(field, format!("must be at most {max}")));
            }
        }
        if let Some(posts) = change.volume_posts {
            out.volume_posts = posts;
        }
        let fields = [
            (
                "numbers.escalation_hours",
                change.escalation_hours,
                &mut out.escalation_hours,
            ),
            (
                "numbers.resolution_days",
                change.resolution_days,
                &mut out.resolution_days,
            ),
            (
                "numbers.several_fora_window_days",
                change.several_fora_window_days,
                &mut out.several_fora_window_days,
            ),
            (
                "numbers.iesg_digest_days",
                change.iesg_digest_days,
                &mut out.iesg_digest_days,
            ),
            (
                "numbers.community_report_days",
                change.community_report_days,
                &mut out.community_report_days,
            ),
            (
                "numbers.step_down_grace_days",
                change.step_down_grace_days,
                &mut out.step_down_grace_days,
            ),
            ("numbers.quorum", change.quorum, &mut out.quorum),
            (
                "numbers.proposal_days",
                change.proposal_days,
                &mut out.proposal_days,
            ),
            (
                "numbers.circumvention_alert_hours",
                change.circumvention_alert_hours,
                &mut out.circumvention_alert_hours,
            ),
            (
                "numbers.volume_minutes",
                change.volume_minutes,
                &mut out.volume_minutes,
            ),
            (
                "numbers.volume_limit_hours",
                change.volume_limit_hours,
                &mut out.volume_limit_hours,
            ),
        ];
        for (field, new, slot) in fields {
            match new {
                Some(0) => return Err(Refusal::invalid(field, "must be at least 1")),
                Some(n) => *slot = n,
                None => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc_9945_took_effect_in_february_2026() {
        assert_eq!(
            super::RFC_9945_PUBLISHED.to_string(),
            "2026-02-01T00:00:00Z"
        );
    }
}
