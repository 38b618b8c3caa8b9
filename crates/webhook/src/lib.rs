//! # modpod-webhook
//!
//! For forum software modpod cannot drive itself (a wiki, an issue tracker,
//! anything with a plugin), modpod says what changed: each restriction that
//! starts and ends on a forum of the configured kind is POSTed to the
//! software's endpoint as a signed webhook, following the Standard Webhooks
//! convention (`webhook-id`, `webhook-timestamp`, `webhook-signature:
//! v1,<HMAC-SHA256>` over `id.timestamp.body`, with a `whsec_` secret; crate
//! `standardwebhooks`). The body:
//!
//! ```json
//! {"type": "restriction.applied" | "restriction.lifted",
//!  "data": {"forum": "wiki", "account": "email:bob@example.org",
//!           "restriction": "suspend" | "hold" | "rate_limit" | "cool_down",
//!           "rate": "2/3600s" (rate limits), "by": "action #12"}}
//! ```
//!
//! A cool-down is the forum's, not one person's: its account is
//! `everyone until <RFC 3339 time>`, and `"until"` says when it ends (the
//! software lets only its established participants post until then).
//!
//! The same change sent again (a retry) has the same `webhook-id` and the
//! same bytes (when it was sent is in the `webhook-timestamp` header), so a
//! receiver drops copies; each lift has an id of its own, from the action
//! whose change it lifts. A 2xx answer is the software's confirmation and
//! only then is the change written to the ledger; 429, 5xx and no answer are
//! retried with backoff by the worker, and any other answer is reported as
//! refused. Alongside, the software may ask `POST /v1/decide` for each post.
//!
//! The software cannot be asked what it holds, so what the ledger says
//! modpod sent is what is in place: there is no drift to find.

pub mod settings;
pub use settings::Settings;

use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, Person};
use modpod_store::Enforced;
use std::collections::BTreeSet;
use std::time::Duration;

/// The restrictions it sends, by kind.
pub const SUSPEND: &str = "suspend";
pub const HOLD: &str = "hold";
pub const RATE_LIMIT: &str = "rate_limit";
pub const COOL_DOWN: &str = "cool_down";

/// One endpoint, receiving what changes on the fora of one kind.
pub struct Webhooks {
    /// The forum kind it serves (`wiki`).
    pub forum_kind: String,
    pub url: String,
    signer: standardwebhooks::Webhook,
    agent: ureq::Agent,
}

impl Webhooks {
    /// An endpoint for the fora of `forum_kind`, signing with `secret`
    /// (`whsec_` followed by base64).
    pub fn new(forum_kind: &str, url: &str, secret: &str) -> Result<Webhooks, String> {
        Webhooks::with_timeout(forum_kind, url, secret, Duration::from_secs(10))
    }

    /// The same, waiting at most `timeout` for each answer (a slower one is
    /// a transient failure, tried again later).
    pub fn with_timeout(
        forum_kind: &str,
        url: &str,
        secret: &str,
        timeout: Duration,
    ) -> Result<Webhooks, String> {
        let signer = standardwebhooks::Webhook::new(secret)
            .map_err(|e| format!("the webhook secret is not whsec_ followed by base64: {e}"))?;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Webhooks {
            forum_kind: forum_kind.to_owned(),
            url: url.to_owned(),
            signer,
            agent,
        })
    }

    fn send(&self, kind: &str, body: &serde_json::Value, id: &str) -> Result<(), AdapterError> {
        let body = body.to_string();
        let now = jiff::Timestamp::now().as_second();
        let signature = self
            .signer
            .sign(id, now, body.as_bytes())
            .map_err(|e| refused(format!("cannot sign a webhook: {e}")))?;
        let answer = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, id)
            .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, now.to_string())
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .send(body.as_bytes());
        let what = format!("sending the {kind} webhook to {}", self.url);
        match answer {
            Err(error) => Err(AdapterError {
                transient: true,
                message: format!("{what}: {error}"),
                retry_after: None,
            }),
            Ok(response) => {
                let status = response.status().as_u16();
                match status {
                    200..=299 => Ok(()),
                    429 | 500..=599 => Err(AdapterError {
                        transient: true,
                        message: format!("{what}: HTTP {status}"),
                        retry_after: response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs),
                    }),
                    _ => Err(refused(format!("{what}: refused with HTTP {status}"))),
                }
            }
        }
    }
}

/// What the ledger keeps of a change sent: its rate, and the action that
/// asked for it (JSON; older entries held the rate alone).
struct Sent {
    rate: Option<String>,
    by: Option<String>,
}

impl Sent {
    fn write(&self) -> String {
        serde_json::json!({"rate": self.rate, "by": self.by}).to_string()
    }

    fn read(kept: Option<&str>) -> Sent {
        match kept.map(serde_json::from_str::<serde_json::Value>) {
            Some(Ok(v)) if v.is_object() => Sent {
                rate: v["rate"].as_str().map(str::to_owned),
                by: v["by"].as_str().map(str::to_owned),
            },
            Some(_) => Sent {
                rate: kept.map(str::to_owned),
                by: None,
            },
            None => Sent {
                rate: None,
                by: None,
            },
        }
    }
}

fn refused(message: String) -> AdapterError {
    AdapterError {
        transient: false,
        message,
        retry_after: None,
    }
}

impl Adapter for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn target(&self) -> &'static str {
        "webhook"
    }

    fn place_noun(&self) -> &'static str {
        "forum"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[SUSPEND, HOLD, RATE_LIMIT, COOL_DOWN]
    }

    fn place(&self, forum: &Forum) -> Option<String> {
        (forum.kind == self.forum_kind).then(|| forum.id.to_string())
    }

    fn accounts(&self, person: &Person) -> Vec<String> {
        person.identities.iter().map(|i| i.key()).collect()
    }

    fn wants(&self, _place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        Some(match restrains {
            Restrains::Suspension => (SUSPEND, None),
            Restrains::Hold => (HOLD, None),
            Restrains::RateLimit { posts, per_seconds } => {
                (RATE_LIMIT, Some(format!("{posts}/{per_seconds}s")))
            }
            Restrains::CoolDown { .. } => (COOL_DOWN, None),
        })
    }

    fn implied_by(&self, kind: &str) -> Option<&'static str> {
        (kind != SUSPEND).then_some(SUSPEND)
    }

    /// What the ledger says was sent is what is in place. A change marked
    /// as about to be sent (a crash came before its confirmation) may have
    /// reached the software or not, and it cannot be asked: it counts as
    /// not in effect, so that it is sent again (with the same id, which the
    /// receiver drops if it has it) while it is wanted, and yet as modpod's,
    /// so that its end is sent once it is not (an end of what a receiver
    /// never had changes nothing there).
    fn read(
        &self,
        _place: &str,
        _about: &BTreeSet<(String, String)>,
        applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        let mut actual = Actual::default();
        let (marked, sent): (Vec<&Enforced>, Vec<&Enforced>) = applied
            .iter()
            .partition(|e| e.kind.starts_with(modpod_adapter::PENDING));
        for (entry, enforces) in marked
            .into_iter()
            .map(|e| (e, false))
            .chain(sent.into_iter().map(|e| (e, true)))
        {
            let kind = entry
                .kind
                .strip_prefix(modpod_adapter::PENDING)
                .unwrap_or(&entry.kind);
            let present = Present {
                enforces,
                as_applied: true,
                value: Sent::read(entry.previous.as_deref()).rate,
                handle: None,
            };
            actual
                .items
                .insert((kind.to_owned(), entry.account.clone()), present);
        }
        Ok(Some(actual))
    }

    /// The ledger keeps the rate sent, to tell when an amendment changes
    /// it, and the action that asked, so that each lift is a change of its
    /// own (a webhook-id of its own).
    fn remembered(&self, step: &Step) -> Option<String> {
        match step {
            Step::Apply { value, source, .. } => Some(
                Sent {
                    rate: value.clone(),
                    by: Some(source.to_string()),
                }
                .write(),
            ),
            _ => None,
        }
    }

    fn apply(&self, place: &str, step: &Step) -> Result<(), AdapterError> {
        let (kind, data, by) = match step {
            Step::Apply {
                kind,
                account,
                value,
                source,
                ..
            } => {
                let mut data = serde_json::json!({
                    "forum": place, "account": account, "restriction": kind, "by": source.to_string(),
                });
                if let Some(rate) = value {
                    data["rate"] = rate.clone().into();
                }
                if let Some(until) = modpod_adapter::cool_down_until(account) {
                    data["until"] = until.to_string().into();
                }
                ("restriction.applied", data, source.to_string())
            }
            Step::Remove {
                kind,
                account,
                restore,
                ..
            } => (
                "restriction.lifted",
                serde_json::json!({"forum": place, "account": account, "restriction": kind}),
                Sent::read(restore.as_deref()).by.unwrap_or_default(),
            ),
            Step::Forget { .. } | Step::Record { .. } => return Ok(()),
        };
        // Stable across retries of one change, new for each change.
        let id = format!(
            "msg_{}",
            &blake3::hash(format!("{kind}\n{data}\n{by}").as_bytes()).to_hex()[..32]
        );
        // The same bytes at every retry: when it was sent is in the
        // webhook-timestamp header.
        let body = serde_json::json!({"type": kind, "data": data});
        self.send(kind, &body, &id)
    }

    fn describe(&self, step: &Step, done: bool) -> String {
        match step {
            Step::Apply {
                kind,
                account,
                value,
                source,
                ..
            } => {
                let rate = value
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default();
                let verb = if done { "sent" } else { "send" };
                format!("{verb} {kind}{rate} of {account} ({source})")
            }
            Step::Remove { kind, account, .. } => {
                let verb = if done { "sent" } else { "send" };
                format!("{verb} the end of the {kind} of {account}: no action asks for it any more")
            }
            Step::Forget { kind, account } => {
                format!("the {kind} of {account} is no longer wanted")
            }
            Step::Record { kind, account, .. } => modpod_adapter::words::recorded(kind, account),
        }
    }

    fn what(&self, kind: &str, account: &str) -> String {
        format!("the {kind} of {account}")
    }

    fn as_dyn(&self) -> &dyn Adapter {
        self
    }
}
