//! Property tests of the Postfix policy decoder, run on the stable toolchain as
//! part of every test run: arbitrary bytes, in arbitrary pieces, never panic the
//! decoder nor grow it past its limits, and well-formed requests come back
//! exactly, however the stream is cut.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_enforce::postfix::{Decoder, Limits, ProtocolError, Request};
use proptest::prelude::*;

/// Feeds `bytes` cut at `cuts`, returning the requests and the first error.
fn feed(
    decoder: &mut Decoder,
    bytes: &[u8],
    cuts: &[usize],
) -> (Vec<Request>, Option<ProtocolError>) {
    let mut out = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    for pair in points.windows(2) {
        if let Err(e) = decoder.feed(&bytes[pair[0]..pair[1]], &mut out) {
            return (out, Some(e));
        }
    }
    (out, None)
}

fn attribute() -> impl Strategy<Value = (String, String)> {
    ("[a-z_]{1,20}", "[ -~&&[^=]]{0,60}").prop_map(|(n, v)| (n, v.trim().to_owned()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        bytes in proptest::collection::vec(any::<u8>(), 0..40_000),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let limits = Limits::default();
        let mut decoder = Decoder::new(limits);
        let (requests, _) = feed(&mut decoder, &bytes, &cuts);
        prop_assert!(decoder.buffered() <= limits.max_request);
        for r in &requests {
            prop_assert!(r.attributes().count() <= limits.max_attributes);
            let size: usize = r.attributes().map(|(n, v)| n.len() + v.len() + 2).sum();
            prop_assert!(size <= limits.max_request);
        }
    }

    #[test]
    fn well_formed_requests_come_back_exactly_however_the_stream_is_cut(
        requests in proptest::collection::vec(proptest::collection::vec(attribute(), 1..30), 1..5),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut stream = String::new();
        for r in &requests {
            for (n, v) in r {
                stream.push_str(&format!("{n}={v}{eol}"));
            }
            stream.push_str(eol);
        }
        let (decoded, error) = feed(&mut Decoder::default(), stream.as_bytes(), &cuts);
        prop_assert_eq!(error, None);
        prop_assert_eq!(decoded.len(), requests.len());
        for (d, r) in decoded.iter().zip(&requests) {
            let got: Vec<(String, String)> = d.attributes().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
            prop_assert_eq!(&got, r);
        }
    }
}
