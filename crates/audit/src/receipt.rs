//! A receipt: what an affected person is given so that they can check, now
//! or years later, that an event about them is on the public record. It
//! opens one leaf ([`Opening`]) and carries the signed checkpoint that
//! included it when the receipt was made.
//!
//! ```text
//! modpod-receipt/v1
//! event 42
//! salt <64 hex digits>
//! event-hash <64 hex digits>
//!
//! <the signed checkpoint note>
//! ```

use crate::commit::Opening;
use crate::keys::parse_hex32;

const HEADER: &str = "modpod-receipt/v1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub opening: Opening,
    /// The signed checkpoint (a note) whose tree includes the leaf.
    pub checkpoint: Vec<u8>,
}

impl Receipt {
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}\nevent {}\nsalt {}\nevent-hash {}\n\n{}",
            self.opening.seq,
            hex::encode(self.opening.salt),
            hex::encode(self.opening.event_hash),
            String::from_utf8_lossy(&self.checkpoint)
        )
    }

    /// Reads a receipt, saying what is wrong with one that is not.
    pub fn parse(text: &str) -> Result<Receipt, String> {
        let text = text.replace("\r\n", "\n");
        let text = text.trim_start();
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or("a receipt is a header, a blank line and a checkpoint")?;
        let mut lines = head.lines();
        if lines.next() != Some(HEADER) {
            return Err(format!("a receipt starts with the line {HEADER}"));
        }
        let mut field = |name: &str| -> Result<&str, String> {
            lines
                .next()
                .and_then(|line| line.strip_prefix(name))
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or_else(|| format!("the receipt's line {name:?} is missing or out of order"))
        };
        let seq = field("event")?
            .parse::<u64>()
            .ok()
            .filter(|&seq| seq > 0)
            .ok_or("the receipt's event is not a number from 1")?;
        let salt = parse_hex32(field("salt")?).ok_or("the receipt's salt is not 64 hex digits")?;
        let event_hash = parse_hex32(field("event-hash")?)
            .ok_or("the receipt's event-hash is not 64 hex digits")?;
        Ok(Receipt {
            opening: Opening {
                seq,
                salt,
                event_hash,
            },
            // A note ends with one newline; a mail client may add more.
            checkpoint: format!("{}\n", checkpoint.trim_end()).into_bytes(),
        })
    }
}
