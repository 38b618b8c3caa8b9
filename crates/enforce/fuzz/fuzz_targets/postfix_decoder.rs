//! The Postfix policy request decoder, fed arbitrary bytes in arbitrary
//! pieces under small limits.
//!
//! Input: two header bytes, then the byte stream a policy client would send.
//! - byte 0 cuts the stream: chunks of 1 to 2^(byte 0 & 7) bytes, their sizes
//!   drawn from a generator seeded with the rest of the byte;
//! - byte 1 chooses the [`Limits`] (see [`limits`]), from a few bytes per line
//!   and request up to Postfix-sized ones.
//!
//! Checked, besides "no panic":
//! - every request respects the limits: attribute count, line length and
//!   request size, counted in the bytes the decoded request is kept in;
//! - the decoder never holds more than `max_request` bytes;
//! - after a [`ProtocolError`] the decoder stays failed: every later feed
//!   returns the same error and yields nothing;
//! - the stream cut in chunks gives the same requests, and the same error at
//!   the same point, as the stream in one piece;
//! - a decoded request written back as `name=value` lines decodes, under the
//!   same limits, to the same request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_enforce::postfix::{Decoder, Limits, ProtocolError, Request};

fuzz_target!(|data: &[u8]| {
    let [cut, choice, stream @ ..] = data else {
        return;
    };
    let limits = limits(*choice);

    let (whole, whole_error) = decode(limits, [stream]);
    let (cut_up, cut_error) = decode(limits, chunks(stream, *cut));
    assert_eq!(
        whole, cut_up,
        "the requests depend on where the stream is cut"
    );
    assert_eq!(
        whole_error, cut_error,
        "the error depends on where the stream is cut"
    );

    for request in &whole {
        check_limits(request, limits);
        let (again, error) = decode(limits, [encode(request).as_slice()]);
        assert_eq!(error, None, "a decoded request, written back, is refused");
        assert_eq!(
            again,
            std::slice::from_ref(request),
            "a decoded request, written back, changes"
        );
    }
});

/// Byte 1 of the input: bits 0-2 the line limit, 3-4 the attribute limit,
/// 5-7 the request limit.
fn limits(choice: u8) -> Limits {
    let choice = usize::from(choice);
    Limits {
        max_line: 4 + (choice & 0b111) * 12,
        max_attributes: 1 + ((choice >> 3) & 0b11) * 10,
        max_request: 16 << (choice >> 5),
    }
}

/// Feeds `pieces` to a new decoder, checking after each feed that it holds
/// no more than the limit allows, and after an error that it stays failed.
fn decode<'a>(
    limits: Limits,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<Request>, Option<ProtocolError>) {
    let mut decoder = Decoder::new(limits);
    let mut out = Vec::new();
    let mut pieces = pieces.into_iter();
    for piece in pieces.by_ref() {
        let result = decoder.feed(piece, &mut out);
        assert!(
            decoder.buffered() <= limits.max_request,
            "the decoder holds {} bytes, over the limit of {}",
            decoder.buffered(),
            limits.max_request
        );
        if let Err(error) = result {
            let before = out.len();
            for later in pieces.chain([&b"request=smtpd_access_policy\n\n"[..], b"\n"]) {
                assert_eq!(
                    decoder.feed(later, &mut out),
                    Err(error),
                    "a failed decoder recovers"
                );
            }
            assert_eq!(out.len(), before, "a failed decoder yields requests");
            return (out, Some(error));
        }
    }
    (out, None)
}

/// `stream` in chunks of 1 to 2^(cut & 7) bytes, their sizes drawn from a
/// small generator seeded with the other bits of `cut`.
fn chunks(stream: &[u8], cut: u8) -> Vec<&[u8]> {
    let largest = 1_u32 << (cut & 0b111);
    let mut state = u32::from(cut >> 3) | 0x9e37_7900;
    let mut rest = stream;
    let mut pieces = Vec::new();
    while !rest.is_empty() {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = usize::try_from(1 + state % largest)
            .unwrap_or(1)
            .min(rest.len());
        let (piece, tail) = rest.split_at(size);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// The limits, counted in the bytes the request is kept in: a line is
/// `name=value`, and a request its lines each with `\n`, then an empty line.
fn check_limits(request: &Request, limits: Limits) {
    let count = request.attributes().count();
    assert!(count > 0, "an empty request is yielded");
    assert!(
        count <= limits.max_attributes,
        "{count} attributes, over the limit"
    );
    let mut size = 1;
    for (name, value) in request.attributes() {
        assert!(!name.is_empty(), "an attribute has no name");
        assert!(!name.contains('='), "an attribute name holds `=`");
        assert!(
            !name.contains('\n') && !value.contains('\n'),
            "an attribute holds a line break"
        );
        let line = name.len() + 1 + value.len();
        assert!(
            line <= limits.max_line,
            "a {line}-byte attribute line, over the limit"
        );
        size += line + 1;
    }
    assert!(
        size <= limits.max_request,
        "a {size}-byte request, over the limit"
    );
}

/// The request as a client would send it: `name=value` lines, `\r\n` after a
/// value that ends with `\r` (which `\n` alone would lose), and an empty line.
fn encode(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in request.attributes() {
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        out.extend_from_slice(value.as_bytes());
        if value.ends_with('\r') {
            out.push(b'\r');
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}
