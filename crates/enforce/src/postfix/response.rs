//! Policy responses: the `action=...` line and the empty line that ends it.
//! Texts are sanitised when encoded: only printable ASCII is kept, anything
//! else (line breaks and other control characters included) becomes a space
//! or `?`, and the text is cut to [`MAX_TEXT`] bytes, so no text can add a
//! protocol line or exceed what an SMTP reply may carry.

/// The longest text sent after an action, in bytes.
pub const MAX_TEXT: usize = 200;

/// What Postfix should do with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No opinion: Postfix goes on with its other restrictions.
    Dunno,
    /// Accept, skipping the remaining restrictions of this list.
    Ok,
    /// Refuse permanently (a 5xx reply), with a text for the sender.
    Reject(String),
    /// Refuse temporarily (a 4xx reply) unless a later restriction rejects.
    DeferIfPermit(String),
    /// Accept the message into the hold queue, for review.
    Hold(String),
}

impl Action {
    /// The response as Postfix reads it, e.g. `action=REJECT text\n\n`.
    pub fn encode(&self) -> String {
        let (verb, text) = match self {
            Action::Dunno => ("DUNNO", None),
            Action::Ok => ("OK", None),
            Action::Reject(text) => ("REJECT", Some(text)),
            Action::DeferIfPermit(text) => ("DEFER_IF_PERMIT", Some(text)),
            Action::Hold(text) => ("HOLD", Some(text)),
        };
        let mut out = String::with_capacity(MAX_TEXT + 32);
        out.push_str("action=");
        out.push_str(verb);
        if let Some(text) = text.map(|t| sanitise(t)).filter(|t| !t.is_empty()) {
            out.push(' ');
            out.push_str(&text);
        }
        out.push_str("\n\n");
        out
    }
}

/// Printable ASCII only, trimmed, at most [`MAX_TEXT`] bytes.
fn sanitise(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            ' '..='~' => c,
            c if c.is_control() || c.is_whitespace() => ' ',
            _ => '?',
        })
        .take(MAX_TEXT)
        .collect();
    clean.trim().to_owned()
}
