//! Numbers the policy leaves to the moderator team (how fast is "timely", how
//! often is "periodically"), with sensible defaults. Changing them is an event.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// A report not acknowledged within this many hours escalates to the
    /// moderators (REPORT-4).
    pub escalation_hours: u32,
    /// How often the IESG gets its digest, in days (NOTIFY-2).
    pub iesg_digest_days: u32,
    /// How often the aggregate community report is published, in days (NOTIFY-5).
    pub community_report_days: u32,
    /// The smallest team that is not flagged (TEAM-3).
    pub minimum_team_size: u32,
    /// A suspension longer than this many days is announced to its fora (NOTIFY-3).
    pub announce_suspensions_over_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            escalation_hours: 48,
            iesg_digest_days: 30,
            community_report_days: 90,
            minimum_team_size: 5,
            announce_suspensions_over_days: 14,
        }
    }
}
