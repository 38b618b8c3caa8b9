//! Turning an owed notification into deliveries: one per email address of
//! its recipient, each carrying the message as it will be sent. A recipient
//! without an address, or a text that cannot be rendered, still gets a
//! delivery: a failed one, with the reason, so nothing owed disappears
//! silently (NOTIFY-6).

use modpod_policy::State;
use modpod_policy::model::Notification;
use modpod_store::{Delivery, DeliveryStatus};

use crate::address::{Directory, describe, resolve};
use crate::context;
use crate::templates::{Rendered, Templates};

/// Everything needed to compose deliveries.
pub struct Composer {
    pub templates: Templates,
    pub directory: Directory,
    /// The domain of the `Message-ID`s, that of the `From` address.
    pub domain: String,
    /// modpod's public base URL (`https://modpod.ietf.org`), that links to
    /// its pages start with; without it, a text names the page instead.
    pub public_url: Option<String>,
}

impl Composer {
    /// The deliveries of one notification, given the state that owes it.
    pub fn deliveries(&self, state: &State, n: &Notification, now_micros: i64) -> Vec<Delivery> {
        let mut context = context::build(state, n);
        context.link = self
            .public_url
            .as_deref()
            .zip(context.page.as_deref())
            .map(|(url, page)| format!("{}{page}", url.trim_end_matches('/')));
        let rendered = match n.template_version {
            0 => self.templates.render(&n.template, &context),
            version => match state
                .templates
                .get(n.template.as_str())
                .and_then(|t| t.version(version))
            {
                Some(team) => self
                    .templates
                    .render_text(&n.template, &team.text, &context),
                None => Err(format!(
                    "version {version} of the mail template {} is not in the log",
                    n.template
                )),
            },
        };
        let addresses = resolve(state, &n.to, &self.directory);
        let delivery = |address: String, status, error: Option<String>| {
            let Rendered { subject, body } = rendered.clone().unwrap_or(Rendered {
                subject: String::new(),
                body: String::new(),
            });
            Delivery {
                notification: n.id.0,
                message_id: message_id(n.id.0, &address, &self.domain),
                address,
                recipient: describe(state, &n.to),
                subject,
                body,
                status,
                attempts: 0,
                last_error: error,
                created_micros: now_micros,
                updated_micros: now_micros,
                next_micros: now_micros,
            }
        };
        match (addresses, &rendered) {
            (Err(reason), _) => vec![delivery(
                String::new(),
                DeliveryStatus::Failed,
                Some(reason),
            )],
            (Ok(addresses), Err(reason)) => addresses
                .into_iter()
                .map(|a| delivery(a, DeliveryStatus::Failed, Some(reason.clone())))
                .collect(),
            (Ok(addresses), Ok(_)) => addresses
                .into_iter()
                .map(|a| delivery(a, DeliveryStatus::Pending, None))
                .collect(),
        }
    }
}

/// The `Message-ID` of a notification to an address: the same at every
/// attempt, so that a receiver can drop a copy sent twice.
pub fn message_id(notification: u64, address: &str, domain: &str) -> String {
    let hash = blake3::hash(address.as_bytes()).to_hex();
    format!(
        "<modpod.n{notification}.{}@{domain}>",
        hash.get(..16).unwrap_or_default()
    )
}
