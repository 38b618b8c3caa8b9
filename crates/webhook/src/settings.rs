//! How a deployment names the software it tells by webhooks, for `modpod
//! serve` and `modpod enforce`.

use crate::Webhooks;
use modpod_adapter::{OnDrift, Setup};
use std::sync::Arc;

/// Software told by signed webhooks.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "webhook-settings")]
pub struct Settings {
    /// Send what starts and ends on the fora of a kind as signed webhooks
    /// (Standard Webhooks) to a URL, as KIND=URL (e.g.
    /// wiki=https://wiki.example/modpod); repeat the flag, or separate them
    /// by commas in the variable.
    #[arg(
        long = "webhook",
        env = "MODPOD_WEBHOOKS",
        value_delimiter = ',',
        value_name = "KIND=URL"
    )]
    pub webhooks: Vec<String>,
    /// The signing secret the receivers share, `whsec_` then base64.
    #[arg(long, env = "MODPOD_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

impl modpod_adapter::Settings for Settings {
    fn setups(&self) -> Result<Vec<Setup>, String> {
        let mut setups = Vec::new();
        for webhook in &self.webhooks {
            let (kind, url) = webhook
                .split_once('=')
                .filter(|(kind, url)| !kind.is_empty() && url.starts_with("http"))
                .ok_or_else(|| {
                    format!("--webhook {webhook:?}: give KIND=URL, e.g. wiki=https://wiki.example/modpod")
                })?;
            let secret = self.webhook_secret.as_deref().ok_or(
                "--webhook needs --webhook-secret (or MODPOD_WEBHOOK_SECRET): whsec_ followed by base64",
            )?;
            let hooks =
                Webhooks::new(kind, url, secret).map_err(|e| format!("--webhook-secret: {e}"))?;
            setups.push(Setup {
                at: format!("webhooks at {url} for the fora of kind {kind}"),
                adapter: Arc::new(hooks),
                on_drift: OnDrift::Reapply,
                check: Box::new(|| Ok(())),
                drift_setting: "",
            });
        }
        Ok(setups)
    }
}
