//! How a deployment names its Mailman, for `modpod serve` and `modpod
//! enforce`.

use crate::{Client, Mailman};
use modpod_adapter::{OnDrift, Setup};
use std::sync::Arc;

/// How to reach Mailman.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "mailman-settings")]
pub struct Settings {
    /// Mailman 3's REST API, e.g. http://127.0.0.1:8001: suspensions become
    /// list bans there and review and approval holds posts.
    #[arg(long, env = "MODPOD_MAILMAN_URL")]
    pub mailman_url: Option<String>,
    /// The REST API's user (`admin_user` in mailman.cfg).
    #[arg(long, env = "MODPOD_MAILMAN_USER", default_value = "restadmin")]
    pub mailman_user: String,
    /// The REST API's password (`admin_pass`); better given in the environment.
    #[arg(long, env = "MODPOD_MAILMAN_PASSWORD", hide_env_values = true)]
    pub mailman_password: Option<String>,
    /// When a ban or hold modpod applied was removed by hand while its action
    /// still applies: `reapply` it, or only `record` (report) it.
    #[arg(long, env = "MODPOD_MAILMAN_DRIFT", default_value = "reapply")]
    pub mailman_drift: OnDrift,
}

impl modpod_adapter::Settings for Settings {
    fn setups(&self) -> Result<Vec<Setup>, String> {
        let Some(url) = &self.mailman_url else {
            return Ok(Vec::new());
        };
        let password = self.mailman_password.as_deref().ok_or(
            "--mailman-url needs --mailman-password (or MODPOD_MAILMAN_PASSWORD): Mailman's REST API password",
        )?;
        let client = Client::new(url, &self.mailman_user, password);
        let checked = client.clone();
        Ok(vec![Setup {
            at: format!("Mailman at {}", client.base()),
            adapter: Arc::new(Mailman { client }),
            on_drift: self.mailman_drift,
            check: Box::new(move || checked.check().map_err(|e| e.to_string())),
            drift_setting: "--mailman-drift record",
        }])
    }
}
