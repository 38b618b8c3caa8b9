//! The incremental request decoder. It is fed bytes as they arrive, split
//! anywhere, several requests in one read or one request over many, and keeps
//! at most one partial line and one partial request in memory, both bounded by
//! [`Limits`]. Lines may end with `\n` or `\r\n`. Empty lines between requests
//! are skipped. Bytes that are not UTF-8 are replaced (U+FFFD), so such a value
//! never matches a known address.

use super::Request;
use std::mem;

/// How much one request may take. Exceeding any limit is a [`ProtocolError`].
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
            self.request_bytes = self
                .request_bytes
                .saturating_add(chunk.len())
                .saturating_add(usize::from(complete));
            if self.line_too_long(chunk, complete) {
                return Err(ProtocolError::LineTooLong {
                    max: self.limits.max_line,
                });
            }
            if self.request_bytes > self.limits.max_request {
                return Err(ProtocolError::RequestTooLarge {
                    max: self.limits.max_request,
                });
            }
            self.line.extend_from_slice(chunk);
            if complete {
                self.end_line(out)?;
            }
        }
        Ok(())
    }

    /// Whether the line being received, with `chunk` added, is over the limit.
    /// A final `\r` is part of the line ending, so an unfinished line may hold
    /// one byte more than the limit.
    fn line_too_long(&self, chunk: &[u8], complete: bool) -> bool {
        let len = self.line.len().saturating_add(chunk.len());
        let max = self.limits.max_line;
        if complete {
            let ends_with_cr = chunk.last().or(self.line.last()) == Some(&b'\r');
            len.saturating_sub(usize::from(ends_with_cr)) > max
        } else {
            len > max.saturating_add(1)
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
        let value = value.get(1..).unwrap_or_default();
        self.attributes.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
        Ok(())
    }
}
