//! How a deployment names its Matrix homeserver, for `modpod serve` and
//! `modpod enforce`.

use crate::{Client, Matrix};
use modpod_adapter::{OnDrift, Setup};
use std::sync::Arc;

/// How to reach a Matrix homeserver.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "matrix-settings")]
pub struct Settings {
    /// A Matrix homeserver's client API, e.g. https://matrix.example.org:
    /// in the rooms of chat fora named `matrix:!room:server`, suspensions
    /// become room bans and review and approval a mute (power level).
    #[arg(long, env = "MODPOD_MATRIX_URL")]
    pub matrix_url: Option<String>,
    /// The access token of the account modpod acts as, a moderator of those
    /// rooms (better given in the environment).
    #[arg(long, env = "MODPOD_MATRIX_TOKEN", hide_env_values = true)]
    pub matrix_token: Option<String>,
    /// When a ban or mute modpod applied was removed by hand while its action
    /// still applies: `reapply` it, or only `record` it.
    #[arg(long, env = "MODPOD_MATRIX_DRIFT", default_value = "reapply")]
    pub matrix_drift: OnDrift,
}

impl modpod_adapter::Settings for Settings {
    fn setups(&self) -> Result<Vec<Setup>, String> {
        let Some(url) = &self.matrix_url else {
            return Ok(Vec::new());
        };
        let token = self.matrix_token.as_deref().ok_or(
            "--matrix-url needs --matrix-token (or MODPOD_MATRIX_TOKEN): the access token modpod acts with",
        )?;
        let client = Client::new(url, token);
        let checked = client.clone();
        Ok(vec![Setup {
            at: format!("Matrix at {}", client.base()),
            adapter: Arc::new(Matrix { client }),
            on_drift: self.matrix_drift,
            check: Box::new(move || checked.whoami().map(|_| ()).map_err(|e| e.to_string())),
            drift_setting: "--matrix-drift record",
        }])
    }
}
