//! The Postfix SMTP access policy delegation protocol (`check_policy_service`).
//!
//! Postfix sends a request as `name=value` lines ended by an empty line, and
//! waits for one `action=...` line ended by an empty line; the connection is
//! reused for the next request. This module owns the wire format only: the
//! [`Decoder`] turns bytes, as they arrive from a socket, into [`Request`]s
//! within fixed [`Limits`], and [`Action::encode`] writes a response that no
//! text can break out of. What to answer is not decided here.
//!
//! On a [`ProtocolError`] the caller closes the connection without replying,
//! as Postfix's own policy servers do.

mod decoder;
mod request;
mod response;

pub use decoder::{Decoder, Limits, ProtocolError};
pub use request::Request;
pub use response::{Action, MAX_TEXT};
