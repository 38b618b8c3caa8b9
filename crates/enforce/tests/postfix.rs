//! The Postfix policy protocol, as Postfix speaks it: decoding requests fed
//! in any pieces, the limits that end a connection, and responses that no
//! text can break.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_enforce::postfix::{Action, Decoder, Limits, ProtocolError, Request};

/// The example request of Postfix's SMTPD_POLICY_README.
const README_EXAMPLE: &str = "request=smtpd_access_policy
protocol_state=RCPT
protocol_name=SMTP
helo_name=some.domain.tld
queue_id=8045F2AB23
sender=foo@bar.tld
recipient=bar@foo.tld
recipient_count=0
client_address=1.2.3.4
client_name=another.domain.tld
reverse_client_name=another.domain.tld
instance=123.456.7
sasl_method=plain
sasl_username=you
sasl_sender=
size=12345
ccert_subject=solaris9.porcupine.org
ccert_issuer=Wietse+20Venema
ccert_fingerprint=C2:9D:F4:87:71:73:73:D9:18:E7:C2:F3:C1:DA:6E:04
encryption_protocol=TLSv1/SSLv3
encryption_cipher=DHE-RSA-AES256-SHA
encryption_keysize=256
etrn_domain=
stress=
ccert_pubkey_fingerprint=68:B3:29:DA:98:93:E3:40:99:C7:D8:AD:5C:B9:C9:40
client_port=1234
policy_context=submission
server_address=10.3.2.1
server_port=54321

";

/// Decodes `input` in one piece with the default limits.
fn decode(input: &[u8]) -> Result<Vec<Request>, ProtocolError> {
    decode_with(Limits::default(), &[input])
}

/// Decodes `pieces` fed one after the other.
fn decode_with(limits: Limits, pieces: &[&[u8]]) -> Result<Vec<Request>, ProtocolError> {
    let mut decoder = Decoder::new(limits);
    let mut out = Vec::new();
    for piece in pieces {
        decoder.feed(piece, &mut out)?;
    }
    Ok(out)
}

fn small_limits() -> Limits {
    Limits {
        max_line: 16,
        max_attributes: 3,
        max_request: 40,
    }
}

#[test]
fn readme_example_is_one_request_with_every_attribute() {
    let requests = decode(README_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.request(), Some("smtpd_access_policy"));
    assert_eq!(r.protocol_state(), Some("RCPT"));
    assert_eq!(r.sender(), Some("foo@bar.tld"));
    assert_eq!(r.recipient(), Some("bar@foo.tld"));
    assert_eq!(r.client_address(), Some("1.2.3.4"));
    assert_eq!(r.sasl_username(), Some("you"));
    assert_eq!(r.instance(), Some("123.456.7"));
    assert_eq!(r.get("ccert_issuer"), Some("Wietse+20Venema"));
    assert_eq!(r.attributes().count(), 29);
}

#[test]
fn split_at_every_byte_boundary_gives_the_same_requests() {
    let input = format!("{README_EXAMPLE}request=smtpd_access_policy\r\nsender=\r\n\r\n");
    let whole = decode(input.as_bytes()).unwrap();
    assert_eq!(whole.len(), 2);
    let bytes = input.as_bytes();
    for at in 0..=bytes.len() {
        let (a, b) = bytes.split_at(at);
        assert_eq!(
            decode_with(Limits::default(), &[a, b]).unwrap(),
            whole,
            "split at {at}"
        );
    }
    let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(decode_with(Limits::default(), &one_by_one).unwrap(), whole);
}

#[test]
fn two_requests_in_one_read() {
    let requests = decode(b"sender=a@x.org\ninstance=1\n\nsender=b@x.org\ninstance=2\n\n").unwrap();
    let senders: Vec<_> = requests.iter().map(|r| r.sender()).collect();
    assert_eq!(senders, [Some("a@x.org"), Some("b@x.org")]);
    assert_eq!(requests[1].instance(), Some("2"));
}

#[test]
fn a_request_is_yielded_only_when_its_empty_line_arrives() {
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    decoder.feed(b"sender=a@x.org\n", &mut out).unwrap();
    assert!(out.is_empty());
    assert!(decoder.pending());
    decoder.feed(b"\n", &mut out).unwrap();
    assert_eq!(out.len(), 1);
    assert!(!decoder.pending());
}

#[test]
fn empty_values_are_present_and_empty() {
    let requests = decode(b"sender=\nsasl_username=\nrecipient=b@x.org\n\n").unwrap();
    assert_eq!(requests[0].sender(), Some(""));
    assert_eq!(requests[0].sasl_username(), Some(""));
    assert_eq!(requests[0].client_address(), None);
}

#[test]
fn unknown_attributes_are_kept_and_values_may_contain_equals() {
    let requests = decode(b"future_thing=a=b\nsender=a@x.org\n\n").unwrap();
    assert_eq!(requests[0].get("future_thing"), Some("a=b"));
    assert_eq!(requests[0].sender(), Some("a@x.org"));
}

#[test]
fn crlf_line_endings_are_tolerated() {
    let requests = decode(b"request=smtpd_access_policy\r\nsender=a@x.org\r\n\r\n").unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].sender(), Some("a@x.org"));
    assert_eq!(requests[0].request(), Some("smtpd_access_policy"));
}

#[test]
fn stray_empty_lines_between_requests_are_skipped() {
    let requests = decode(b"\n\r\nsender=a@x.org\n\n\n").unwrap();
    assert_eq!(requests.len(), 1);
}

#[test]
fn a_line_at_the_limit_is_accepted() {
    // 16 bytes, and 16 bytes plus `\r`.
    let ok = decode_with(small_limits(), &[b"sender=a@x.org12\n\n"]).unwrap();
    assert_eq!(ok[0].sender(), Some("a@x.org12"));
    let ok = decode_with(small_limits(), &[b"sender=a@x.org12\r\n\r\n"]).unwrap();
    assert_eq!(ok[0].sender(), Some("a@x.org12"));
}

#[test]
fn an_over_long_line_is_an_error_even_before_it_ends() {
    let expected = Err(ProtocolError::LineTooLong { max: 16 });
    assert_eq!(
        decode_with(small_limits(), &[b"sender=a@x.org123\n\n"]),
        expected
    );
    assert_eq!(decode_with(small_limits(), &[&[b'x'; 100]]), expected);
    assert_eq!(
        decode(&[b'a'; 5000]),
        Err(ProtocolError::LineTooLong { max: 2048 })
    );
}

#[test]
fn too_many_attributes_is_an_error() {
    assert_eq!(
        decode_with(small_limits(), &[b"a=1\nb=2\nc=3\nd=4\n\n"]),
        Err(ProtocolError::TooManyAttributes { max: 3 })
    );
    let many: String = (0..101).map(|i| format!("a{i}=\n")).collect();
    assert_eq!(
        decode(many.as_bytes()),
        Err(ProtocolError::TooManyAttributes { max: 100 })
    );
}

#[test]
fn an_oversized_request_is_an_error() {
    let limits = Limits {
        max_attributes: 100,
        ..small_limits()
    };
    assert_eq!(
        decode_with(
            limits,
            &[b"a=12345678901234\nb=12345678901234\nc=1234567\n"]
        ),
        Err(ProtocolError::RequestTooLarge { max: 40 })
    );
    let big: String = (0..99)
        .map(|i| format!("a{i:02}={}\n", "v".repeat(200)))
        .collect();
    assert_eq!(
        decode(big.as_bytes()),
        Err(ProtocolError::RequestTooLarge { max: 16 * 1024 })
    );
}

#[test]
fn the_size_limit_is_per_request() {
    let limits = Limits {
        max_attributes: 100,
        ..small_limits()
    };
    let input = b"a=12345678901234\n\nb=12345678901234\n\nc=12345678901234\n\n";
    assert_eq!(decode_with(limits, &[input]).unwrap().len(), 3);
}

#[test]
fn a_line_without_equals_or_name_is_an_error() {
    assert_eq!(
        decode(b"sender=a@x.org\nnonsense\n\n"),
        Err(ProtocolError::MalformedLine)
    );
    assert_eq!(decode(b"=value\n\n"), Err(ProtocolError::MalformedLine));
}

#[test]
fn the_decoder_stays_failed_after_an_error() {
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    assert!(decoder.feed(b"nonsense\n", &mut out).is_err());
    assert_eq!(
        decoder.feed(b"sender=a@x.org\n\n", &mut out),
        Err(ProtocolError::MalformedLine)
    );
    assert!(out.is_empty());
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let requests = decode(b"sender=b\xffb@x.org\n\n").unwrap();
    assert_eq!(requests[0].sender(), Some("b\u{fffd}b@x.org"));
}

#[test]
fn replaced_bytes_count_as_kept_against_the_limits() {
    // 15 bytes received, kept as 41: `\xff` becomes the three bytes of U+FFFD.
    let line = b"a=\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\n\n";
    assert_eq!(
        decode_with(small_limits(), &[line]),
        Err(ProtocolError::LineTooLong { max: 16 })
    );
    let limits = Limits {
        max_line: 100,
        max_attributes: 100,
        max_request: 16,
    };
    // 9 bytes received, kept as 19.
    assert_eq!(
        decode_with(limits, &[b"a=\xff\xff\xff\xff\xff\n\n"]),
        Err(ProtocolError::RequestTooLarge { max: 16 })
    );
    let requests = decode_with(limits, &[b"a=\xff\xff\n\n"]).unwrap();
    assert_eq!(requests[0].get("a"), Some("\u{fffd}\u{fffd}"));
}

#[test]
fn the_error_does_not_depend_on_where_the_stream_is_cut() {
    // The request limit is passed in the middle of the third line, before
    // that line is over its own limit; then a line over its limit, before
    // the request limit is passed; then both at the same byte.
    let inputs: [&[u8]; 3] = [
        b"a=12345678901234\nb=1234567890123\nxxxxxxxxxxxxxxxxxxxx\n\n",
        b"a=1\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n",
        b"a=1234567890123\nb=12345\nxxxxxxxxxxxxxxxxxxxxxx\n",
    ];
    for input in inputs {
        let one_by_one: Vec<&[u8]> = input.chunks(1).collect();
        let expected = decode_with(small_limits(), &one_by_one);
        assert!(expected.is_err());
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(
                decode_with(small_limits(), &[a, b]),
                expected,
                "{:?} split at {at}",
                String::from_utf8_lossy(input)
            );
        }
    }
    assert_eq!(
        decode_with(small_limits(), &[inputs[0]]),
        Err(ProtocolError::RequestTooLarge { max: 40 })
    );
    assert_eq!(
        decode_with(small_limits(), &[inputs[1]]),
        Err(ProtocolError::LineTooLong { max: 16 })
    );
    assert_eq!(
        decode_with(small_limits(), &[inputs[2]]),
        Err(ProtocolError::LineTooLong { max: 16 })
    );
}

#[test]
fn a_cr_past_the_line_limit_waits_for_what_follows() {
    let mut decoder = Decoder::new(small_limits());
    let mut out = Vec::new();
    decoder.feed(b"sender=a@x.org12\r", &mut out).unwrap();
    decoder.feed(b"\n\n", &mut out).unwrap();
    assert_eq!(out[0].sender(), Some("a@x.org12"));
    let mut decoder = Decoder::new(small_limits());
    decoder.feed(b"sender=a@x.org12\r", &mut out).unwrap();
    assert_eq!(
        decoder.feed(b"x", &mut out),
        Err(ProtocolError::LineTooLong { max: 16 })
    );
    // Any other byte past the limit is an error at once.
    assert_eq!(
        Decoder::new(small_limits()).feed(b"sender=a@x.org123", &mut out),
        Err(ProtocolError::LineTooLong { max: 16 })
    );
}

#[test]
fn buffered_counts_the_unfinished_request_within_its_limit() {
    let mut decoder = Decoder::new(small_limits());
    let mut out = Vec::new();
    assert_eq!(decoder.buffered(), 0);
    decoder.feed(b"sender=a@x.org\nrc", &mut out).unwrap();
    assert_eq!(
        decoder.buffered(),
        "sender".len() + "a@x.org".len() + "rc".len()
    );
    decoder.feed(b"pt=b@x.org\n", &mut out).unwrap();
    assert_eq!(decoder.buffered(), 6 + 7 + 4 + 7);
    assert!(decoder.buffered() <= small_limits().max_request);
    decoder.feed(b"\n", &mut out).unwrap();
    assert_eq!(decoder.buffered(), 0);
    assert_eq!(out.len(), 1);
}

#[test]
fn responses_are_one_action_line_and_an_empty_line() {
    assert_eq!(Action::Dunno.encode(), "action=DUNNO\n\n");
    assert_eq!(Action::Ok.encode(), "action=OK\n\n");
    assert_eq!(
        Action::Reject("5.7.1 suspended until 2024-03-01".into()).encode(),
        "action=REJECT 5.7.1 suspended until 2024-03-01\n\n"
    );
    assert_eq!(
        Action::DeferIfPermit("4.7.1 slow down".into()).encode(),
        "action=DEFER_IF_PERMIT 4.7.1 slow down\n\n"
    );
    assert_eq!(
        Action::Hold("held for review".into()).encode(),
        "action=HOLD held for review\n\n"
    );
    assert_eq!(Action::Reject(String::new()).encode(), "action=REJECT\n\n");
}

#[test]
fn a_text_cannot_inject_protocol_lines() {
    let evil = "no\n\naction=OK\r\n\u{2028}x\u{0}\u{7f}é";
    let encoded = Action::Reject(evil.into()).encode();
    assert_eq!(encoded, "action=REJECT no  action=OK   x  ?\n\n");
    assert_eq!(encoded.matches('\n').count(), 2);
    assert!(encoded.ends_with("\n\n"));
}

#[test]
fn texts_are_bounded() {
    let encoded = Action::Hold("h".repeat(10_000)).encode();
    assert_eq!(
        encoded.len(),
        "action=HOLD \n\n".len() + modpod_enforce::postfix::MAX_TEXT
    );
    let encoded = Action::Hold("é".repeat(10_000)).encode();
    assert!(encoded.is_ascii());
}
