//! A real OpenID Connect provider for the login tests: `oidc-provider-mock`
//! (Authlib on Flask, from PyPI), started on a free loopback port for one
//! test. It publishes discovery metadata and a JWKS, signs ID tokens (RS256,
//! with a key it makes when it starts), and shows an authorization form where
//! the test picks the subject that logs in; the claims of each subject
//! (`email`, `email_verified`) are set through its `PUT /users/{sub}`.
//!
//! `MODPOD_TEST_OIDC_PROVIDER` names a Python with `oidc_provider_mock`
//! installed (`scripts/test` makes one, see `ensure_oidc_provider` in
//! `scripts/lib/services.sh`); a test that needs it fails, saying how to get
//! one, when it is unset.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that names the Python with `oidc_provider_mock`.
pub const OIDC_PROVIDER_VAR: &str = "MODPOD_TEST_OIDC_PROVIDER";

/// A provider on a port of its own, stopped when dropped.
pub struct OidcProvider {
    pub port: u16,
    child: Child,
    /// What the provider logs, shown only when it fails to start.
    log: tempfile::NamedTempFile,
}

impl OidcProvider {
    /// A provider that already answers discovery requests. It requires a
    /// `nonce` in every authorization request.
    pub fn start() -> OidcProvider {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free port");
        let log = tempfile::NamedTempFile::new().expect("cannot create the provider's log");
        let child = spawn(port, &log);
        let mut provider = OidcProvider { port, child, log };
        provider.wait_until_ready();
        provider
    }

    /// Stops the provider and starts a new one on the same port: a new
    /// signing key (as after a key rotation), and no users, codes or tokens.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port, &self.log);
        self.wait_until_ready();
    }

    fn wait_until_ready(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                && ureq::get(&self.discovery_url()).call().is_ok()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "oidc_provider_mock stopped ({status}) before answering; its log:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "oidc_provider_mock did not answer in 30 s; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the provider logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// The issuer URL: `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    /// Sets the claims the provider gives the subject `sub` (in ID tokens
    /// and userinfo), e.g. `{"email": "a@b.org", "email_verified": true}`.
    pub fn set_user(&self, sub: &str, claims: &serde_json::Value) {
        ureq::put(&format!("{}/users/{sub}", self.issuer()))
            .header("Content-Type", "application/json")
            .send(claims.to_string())
            .unwrap_or_else(|e| panic!("cannot set the claims of {sub}: {e}"));
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(port: u16, log: &tempfile::NamedTempFile) -> Child {
    Command::new(python())
        .args(["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--require-nonce")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen().expect("cannot open the provider's log"))
        .spawn()
        .expect("cannot start oidc_provider_mock")
}

/// The Python with `oidc_provider_mock`, or a failure that says how to get one.
fn python() -> String {
    std::env::var(OIDC_PROVIDER_VAR).unwrap_or_else(|_| {
        panic!(
            "{OIDC_PROVIDER_VAR} is not set, so the OpenID Connect login tests have no provider.\n\
             Run the whole suite with scripts/test, which installs oidc-provider-mock once in a \
             virtual environment, or point the tests at a Python that has it, for example:\n  \
             source scripts/lib/services.sh && ensure_oidc_provider && \
             cargo test -p modpod-server --test oidc"
        )
    })
}
