//! How a deployment names its Zulip organisation, for `modpod serve` and
//! `modpod enforce`.

use crate::{Client, Zulip};
use modpod_adapter::{OnDrift, Setup};
use std::sync::Arc;

/// How to reach Zulip.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "zulip-settings")]
pub struct Settings {
    /// A Zulip organisation (6.0 or later), e.g. https://zulip.example.org:
    /// a suspension from a chat forum named `zulip:CHANNEL` stops the person
    /// posting there (from Zulip 10.0 through the channel's `modpod: may post
    /// in #CHANNEL` group, prepared once per channel; before it by removal
    /// from a private channel, and a public channel is refused).
    #[arg(long, env = "MODPOD_ZULIP_URL")]
    pub zulip_url: Option<String>,
    /// The email of the administrator account modpod acts as (from Zulip
    /// 10.0 not a bot: bots cannot read user groups).
    #[arg(long, env = "MODPOD_ZULIP_EMAIL")]
    pub zulip_email: Option<String>,
    /// That account's API key (better given in the environment).
    #[arg(long, env = "MODPOD_ZULIP_API_KEY", hide_env_values = true)]
    pub zulip_api_key: Option<String>,
}

impl modpod_adapter::Settings for Settings {
    fn setups(&self) -> Result<Vec<Setup>, String> {
        let Some(url) = &self.zulip_url else {
            return Ok(Vec::new());
        };
        let (Some(email), Some(key)) = (&self.zulip_email, &self.zulip_api_key) else {
            return Err(
                "--zulip-url needs --zulip-email and --zulip-api-key (or MODPOD_ZULIP_EMAIL and MODPOD_ZULIP_API_KEY)".into(),
            );
        };
        let zulip = || Zulip {
            client: Client::new(url, email, key),
        };
        let checked = zulip();
        Ok(vec![Setup {
            at: format!("Zulip at {url}"),
            adapter: Arc::new(zulip()),
            on_drift: OnDrift::Reapply,
            check: Box::new(move || checked.check().map(|_| ()).map_err(|e| e.to_string())),
            drift_setting: "",
        }])
    }
}
