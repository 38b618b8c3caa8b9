//! The texts of notifications as the moderator team words them
//! (TEMPLATE-1). modpod has a text for every notification it owes (version
//! 0, built in or the deployment's own file); the team writes new versions
//! from its pages. A version is a draft until another moderator approves it
//! (TEAM-5: text the team sends is vetted), and from then on every
//! notification of that name is rendered from it and names it.
//!
//! Which placeholders a text may use is the mail renderer's knowledge, not
//! the policy's: the server checks a draft against it before the policy
//! decides (`modpod_notify::Templates::check`).

use crate::ids::PersonId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The audiences a level of the ladder has texts for (TEMPLATE-1): the
/// person, the list, and the reporter of a report the action resolved.
pub const LEVEL_AUDIENCES: [&str; 3] = ["person", "list", "reporter"];

/// The name of the text a level's action sends to an audience, e.g.
/// `level-1/list`.
pub fn level_template(level: u8, audience: &str) -> String {
    format!("level-{level}/{audience}")
}

/// The level and audience a template name is for, if it is a level's.
pub fn level_of_template(name: &str) -> Option<(u8, &str)> {
    let (level, audience) = name.strip_prefix("level-")?.split_once('/')?;
    let level = level.parse().ok()?;
    LEVEL_AUDIENCES
        .contains(&audience)
        .then_some((level, audience))
}

/// One version of a template, as drafted and, once vetted, approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVersion {
    /// From 1; version 0 is modpod's own text.
    pub version: u32,
    pub text: String,
    pub drafted_by: PersonId,
    pub drafted_at: Timestamp,
    /// The moderator who vetted it, and when.
    #[serde(default)]
    pub approved: Option<(PersonId, Timestamp)>,
}

/// Every version of one template, and which is in use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateHistory {
    /// Oldest first: `versions[n - 1]` is version `n`.
    pub versions: Vec<TemplateVersion>,
    /// The version notifications are rendered from: the last approved one,
    /// or 0.
    pub current: u32,
}

impl TemplateHistory {
    pub fn version(&self, version: u32) -> Option<&TemplateVersion> {
        let index = usize::try_from(version.checked_sub(1)?).ok()?;
        self.versions.get(index)
    }

    /// The drafts newer than the version in use, which may still be
    /// approved.
    pub fn pending(&self) -> impl Iterator<Item = &TemplateVersion> {
        self.versions
            .iter()
            .filter(|v| v.approved.is_none() && v.version > self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_template_names_round_trip() {
        assert_eq!(level_template(2, "list"), "level-2/list");
        assert_eq!(level_of_template("level-2/list"), Some((2, "list")));
        assert_eq!(level_of_template("level-0/person"), Some((0, "person")));
        assert_eq!(level_of_template("level-1/reporter"), Some((1, "reporter")));
        assert_eq!(level_of_template("level-1/moderators"), None);
        assert_eq!(level_of_template("level-x/person"), None);
        assert_eq!(level_of_template("action-taken/person"), None);
    }
}
