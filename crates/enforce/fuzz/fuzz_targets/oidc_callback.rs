//! The callback of an OpenID Connect login (`GET /login/oidc/callback`)
//! up to the point where the provider is asked anything: its query read as
//! the page reads it (axum's `Query` is `serde_urlencoded`), the provider's
//! error code as the page repeats it (`oidc::error_code`), the flow cookie
//! found in the `Cookie` header (`http::auth::cookie`) and checked with the
//! state and code (`Oidc::check_callback`).
//!
//! Input: byte 0 chooses the cookie: bit 0 set, a flow cookie this modpod
//! sealed, for the query's `state` (bit 1 set: for another state; bit 2
//! set: expired); else the `Cookie` header the input gives. Then the query,
//! a line break, and the `Cookie` header's value.
//!
//! Checked, besides "no panic": an error code repeated is at most 64
//! letters, digits and `_`; a cookie this modpod did not seal never passes;
//! a cookie it sealed passes exactly when it is the query's state, not
//! expired, and a code came.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_server::http::auth;
use modpod_server::oidc::{FLOW_COOKIE, Oidc, OidcConfig, error_code};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn oidc() -> &'static Oidc {
    static OIDC: OnceLock<Oidc> = OnceLock::new();
    OIDC.get_or_init(|| {
        Oidc::new(OidcConfig {
            issuer: "http://127.0.0.1:9/".into(),
            client_id: "modpod".into(),
            client_secret: "secret".into(),
            base_url: "https://modpod.example/".into(),
            provider_name: "Provider".into(),
        })
        .unwrap_or_else(|e| panic!("{e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let [choice, rest @ ..] = data else {
        return;
    };
    let (query, header) = match rest.iter().position(|b| *b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(query) = serde_urlencoded::from_bytes::<BTreeMap<String, String>>(query) else {
        return;
    };
    if let Some(error) = query.get("error") {
        if let Some(code) = error_code(error) {
            assert!(
                !code.is_empty()
                    && code.len() <= 64
                    && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "{code:?}"
            );
        }
        return;
    }
    let get = |name: &str| query.get(name).map_or("", String::as_str);
    let (state, code) = (get("state"), get("code"));
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let oidc = oidc();
    if choice & 1 != 0 {
        let other = choice & 0b10 != 0;
        let expired = choice & 0b100 != 0;
        let sealed_for = if other { "another state" } else { state };
        let until = jiff::Timestamp::from_second(if expired {
            1_780_000_000 - 1
        } else {
            1_780_000_600
        })
        .unwrap_or(now);
        let Ok(cookie) = oidc.flow_cookie(sealed_for, "/me", until) else {
            return;
        };
        let passed = oidc.check_callback(Some(&cookie), state, code, now).is_ok();
        // A cookie longer than a browser keeps (4 kB) is not read.
        let should = !expired
            && !state.is_empty()
            && sealed_for == state
            && !code.is_empty()
            && cookie.len() <= 4096;
        assert_eq!(passed, should, "state {state:?}, code {code:?}");
    } else {
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_bytes(header) {
            headers.insert(http::header::COOKIE, value);
        }
        let cookie = auth::cookie(&headers, FLOW_COOKIE);
        assert!(
            oidc.check_callback(cookie, state, code, now).is_err(),
            "a cookie this modpod did not seal passes"
        );
    }
});
