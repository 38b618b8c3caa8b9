//! How a deployment names GitHub, for `modpod serve` and `modpod enforce`.

use crate::{Client, GitHub, InteractionGroup};
use modpod_adapter::{OnDrift, Setup};
use std::sync::Arc;

/// How to reach GitHub.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "github-settings")]
pub struct Settings {
    /// GitHub's REST API (https://api.github.com, or https://HOST/api/v3):
    /// a suspension from a forum of kind `github-organisation` named
    /// `github:ORG` blocks the person's GitHub accounts in ORG.
    #[arg(long, env = "MODPOD_GITHUB_URL")]
    pub github_url: Option<String>,
    /// A token allowed to block users in those organisations and to set
    /// the interaction limits of the repositories (better given in the
    /// environment).
    #[arg(long, env = "MODPOD_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// Who may still interact with a repository (a forum of kind
    /// `github-repository` named `github:OWNER/REPO`) while an action's
    /// cool-down lasts: existing_users, contributors_only or
    /// collaborators_only.
    #[arg(long, env = "MODPOD_GITHUB_COOL_DOWN", default_value = "contributors_only",
          value_parser = interaction_group)]
    pub github_cool_down: InteractionGroup,
}

fn interaction_group(text: &str) -> Result<InteractionGroup, String> {
    InteractionGroup::ALL
        .into_iter()
        .find(|g| g.as_str() == text)
        .ok_or_else(|| {
            format!("{text:?}: give existing_users, contributors_only or collaborators_only")
        })
}

impl modpod_adapter::Settings for Settings {
    fn setups(&self) -> Result<Vec<Setup>, String> {
        let Some(url) = &self.github_url else {
            return Ok(Vec::new());
        };
        let token = self
            .github_token
            .as_deref()
            .ok_or("--github-url needs --github-token (or MODPOD_GITHUB_TOKEN)")?;
        let client = Client::new(url, token);
        let checked = client.clone();
        Ok(vec![Setup {
            at: format!("GitHub at {}", client.base()),
            adapter: Arc::new(GitHub {
                client,
                cool_down: self.github_cool_down,
            }),
            on_drift: OnDrift::Reapply,
            check: Box::new(move || checked.check().map(|_| ()).map_err(|e| e.to_string())),
            drift_setting: "",
        }])
    }
}
