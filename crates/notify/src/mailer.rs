//! Sending one message over SMTP, with lettre's tokio transport, and saying
//! how it went: accepted, failed for now (tried again later), or refused for
//! good.

use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::NotifyError;

/// How long one SMTP transaction may take, connecting included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted, with the server's reply.
    Sent(String),
    Failed {
        /// A 5xx reply, or a message that cannot be made: never retried.
        /// Otherwise (unreachable, timed out, a 4xx reply) it is tried again.
        permanent: bool,
        /// Everything known, for the ledger: a reply may name the address.
        detail: String,
        /// What may be logged: the reply's code, or the connection's error.
        summary: String,
    },
}

/// An SMTP server to send through, and who the mail is from.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp_url` is `smtp://host:port` (plain, for a relay on this machine),
    /// `smtp://host:port?tls=required` (STARTTLS) or `smtps://host:port`,
    /// with `user:password@` before the host to log in. `from` is an address,
    /// with or without a name (`IETF moderators <moderators@ietf.org>`).
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, NotifyError> {
        let from = Mailbox::from_str(from).map_err(|e| NotifyError::BadAddress {
            entry: from.to_owned(),
            reason: format!("the From address cannot be used ({e})"),
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| NotifyError::BadSmtpUrl(e.to_string()))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Mailer { transport, from })
    }

    /// The domain of the From address, which names the `Message-ID`s.
    pub fn domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    /// Sends one plain-text message to one address.
    pub async fn send(&self, to: &str, message_id: &str, subject: &str, body: &str) -> Outcome {
        let message = match self.message(to, message_id, subject, body) {
            Ok(message) => message,
            Err(detail) => {
                return Outcome::Failed {
                    permanent: true,
                    detail,
                    summary: "the message cannot be made".into(),
                };
            }
        };
        match self.transport.send(message).await {
            Ok(reply) => Outcome::Sent(
                format!(
                    "{} {}",
                    reply.code(),
                    reply.message().collect::<Vec<_>>().join(" ")
                )
                .trim()
                .to_owned(),
            ),
            Err(e) => Outcome::Failed {
                permanent: e.is_permanent(),
                detail: e.to_string(),
                summary: match e.status() {
                    Some(code) => format!("the server answered {code}"),
                    None => e.to_string(),
                },
            },
        }
    }

    fn message(
        &self,
        to: &str,
        message_id: &str,
        subject: &str,
        body: &str,
    ) -> Result<Message, String> {
        let address = Address::from_str(to)
            .map_err(|e| format!("{to:?} is not an address mail can be sent to ({e})"))?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, address))
            .subject(subject)
            .message_id(Some(message_id.to_owned()))
            // RFC 3834: no out-of-office replies to an automatic message.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("the message cannot be made ({e})"))
    }
}
