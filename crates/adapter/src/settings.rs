//! How a deployment names the forum software modpod drives: each adapter
//! crate has its settings (command-line flags, each with its environment
//! variable, `clap::Args`) and turns them into the software they configure,
//! so that `modpod serve` and `modpod enforce` take a kind of software in
//! with one line (`modpod::enforce`'s `forum_software!`).

use crate::{Adapter, OnDrift};
use std::sync::Arc;

/// One kind of forum software, as a deployment configured it.
pub struct Setup {
    pub adapter: Arc<dyn Adapter>,
    /// What to do with drift found there.
    pub on_drift: OnDrift,
    /// Where it is, for people (`Mailman at http://...`).
    pub at: String,
    /// Checks that it can be used (it answers, the credentials work), before
    /// anything is changed.
    pub check: Box<dyn Fn() -> Result<(), String> + Send + Sync>,
    /// The setting that leaves its drift as it is, as pages name it
    /// (`--mailman-drift record`); empty when there is none.
    pub drift_setting: &'static str,
}

/// A kind of forum software's settings.
pub trait Settings {
    /// The software these settings configure: none when they name none
    /// (no URL given), several where one kind can be given more than once
    /// (webhooks). A setting missing or malformed is an error naming the
    /// flag and its environment variable.
    fn setups(&self) -> Result<Vec<Setup>, String>;
}
