//! The incremental request decoder. It is fed bytes as they arrive, split
//! anywhere, several requests in one read or one request over many, and keeps
//! at most one partial line and one partial request in memory, both bounded by
//! [`Limits`]. Lines may end with `\n` or `\r\n`. Empty lines between requests
//! are skipped. Bytes that are not UTF-8 are replaced (U+FFFD), so such a value
//! never matches a known address.

use super::Request;
use std::mem;

/// How much one request may take. Exceeding any limit is a [`ProtocolError`].
/// Bytes are counted as kept: a byte sequence that is not UTF-8 counts as the
/// three bytes of the U+FFFD that replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one line, without its line ending.
    pub max_line: usize,
    /// Attributes in one request.
    pub max_attributes: usize,
    /// Bytes in one request, line endings and the final empty line included.
    pub max_request: usize,
}

impl Default for Limits {
    /// Generous for Postfix, which sends about 30 short attributes.
    fn default() -> Self {
        Limits {
            max_line: 2048,
            max_attributes: 100,
            max_request: 16 * 1024,
        }
    }
}

/// Why the byte stream is not a valid policy conversation. The decoder stays
/// failed after one: the caller closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("a policy request line is longer than {max} bytes")]
    LineTooLong { max: usize },
    #[error("a policy request has more than {max} attributes")]
    TooManyAttributes { max: usize },
    #[error("a policy request is larger than {max} bytes")]
    RequestTooLarge { max: usize },
    #[error("a policy request line is not of the form name=value")]
    MalformedLine,
}

/// Turns bytes into requests. One decoder per connection.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: Limits,
    line: Vec<u8>,
    attributes: Vec<(String, String)>,
    request_bytes: usize,
    failed: Option<ProtocolError>,
}

impl Decoder {
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            ..Decoder::default()
        }
    }

    /// Decodes `bytes`, appending each request completed by them to `out`.
    /// Requests completed before an error are still appended.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Request>) -> Result<(), ProtocolError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let result = self.decode(bytes, out);
        if let Err(error) = result {
            self.failed = Some(error);
        }
        result
    }

    /// Whether part of a request has been received but not its end: a
    /// connection closed now was closed in the middle of a request.
    pub fn pending(&self) -> bool {
        !self.line.is_empty() || !self.attributes.is_empty()
    }

    /// How many bytes of an unfinished request the decoder holds: the partial
    /// line and the attributes received so far. Never more than
    /// [`Limits::max_request`].
    pub fn buffered(&self) -> usize {
        let attributes: usize = self.attributes.iter().map(|(n, v)| n.len() + v.len()).sum();
        self.line.len() + attributes
    }

    fn decode(&mut self, mut bytes: &[u8], out: &mut Vec<Request>) -> Result<(), ProtocolError> {
        while !bytes.is_empty() {
            let (chunk, rest, complete) = match bytes.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    let (chunk, rest) = bytes.split_at(at);
                    (chunk, rest.get(1..).unwrap_or_default(), true)
                }
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            // The limits are checked as if the bytes came one at a time, so
            // the error does not depend on how the stream is cut: the limit
            // passed at the earlier byte is reported, the line's on a tie.
            let taken = chunk.len().saturating_add(usize::from(complete));
            let room = self.limits.max_request.saturating_sub(self.request_bytes);
            let request_over_at = (taken > room).then_some(room);
            match (self.line_over_at(chunk), request_over_at) {
                (Some(line), request) if request.is_none_or(|r| line <= r) => {
                    return Err(ProtocolError::LineTooLong {
                        max: self.limits.max_line,
                    });
                }
                (_, Some(_)) => {
                    return Err(ProtocolError::RequestTooLarge {
                        max: self.limits.max_request,
                    });
                }
                _ => {}
            }
            self.request_bytes = self.request_bytes.saturating_add(taken);
            self.line.extend_from_slice(chunk);
            if complete {
                self.end_line(out)?;
            }
        }
        Ok(())
    }

    /// The index of the byte of `chunk` (the next bytes of the line being
    /// received) at which the line is known to be over the limit. A `\r` just
    /// past the limit may be the start of the line ending, so the line is over
    /// only at a byte other than `\n` after it.
    fn line_over_at(&self, chunk: &[u8]) -> Option<usize> {
        // The byte that makes the line one longer than the limit; none when the
        // line already is (and so ends with `\r`).
        let Some(at) = self.limits.max_line.checked_sub(self.line.len()) else {
            return (!chunk.is_empty()).then_some(0);
        };
        match chunk.get(at)? {
            b'\r' => Some(at.saturating_add(1)).filter(|&next| next < chunk.len()),
            _ => Some(at),
        }
    }

    fn end_line(&mut self, out: &mut Vec<Request>) -> Result<(), ProtocolError> {
        let mut line = mem::take(&mut self.line);
        let result = self.take_line(line.strip_suffix(b"\r").unwrap_or(&line), out);
        line.clear();
        self.line = line;
        result
    }

    fn take_line(&mut self, line: &[u8], out: &mut Vec<Request>) -> Result<(), ProtocolError> {
        if line.is_empty() {
            if !self.attributes.is_empty() {
                out.push(Request::from_attributes(mem::take(&mut self.attributes)));
            }
            self.request_bytes = 0;
            return Ok(());
        }
        if self.attributes.len() >= self.limits.max_attributes {
            return Err(ProtocolError::TooManyAttributes {
                max: self.limits.max_attributes,
            });
        }
        let at = line
            .iter()
            .position(|&b| b == b'=')
            .filter(|&at| at > 0)
            .ok_or(ProtocolError::MalformedLine)?;
        let (name, value) = line.split_at(at);
        let name = String::from_utf8_lossy(name).into_owned();
        let value = String::from_utf8_lossy(value.get(1..).unwrap_or_default()).into_owned();
        // Bytes that are not UTF-8 are kept as U+FFFD, three bytes: the limits
        // count what is kept, so they also bound the memory a request takes.
        let kept = name.len() + 1 + value.len();
        if kept > self.limits.max_line {
            return Err(ProtocolError::LineTooLong {
                max: self.limits.max_line,
            });
        }
        self.request_bytes = self
            .request_bytes
            .saturating_add(kept.saturating_sub(line.len()));
        if self.request_bytes > self.limits.max_request {
            return Err(ProtocolError::RequestTooLarge {
                max: self.limits.max_request,
            });
        }
        self.attributes.push((name, value));
        Ok(())
    }
}
