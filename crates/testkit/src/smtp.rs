//! Real SMTP servers for the notification tests: aiosmtpd, started on a free
//! loopback port for one test, writing every message it accepts to a Maildir
//! that the test reads back. Recipients at `bounce.example` are refused with
//! a permanent `550`, so tests can see a permanent failure too.
//!
//! `MODPOD_TEST_AIOSMTPD` names a Python with aiosmtpd installed
//! (`scripts/test` makes one); a test that needs it fails, saying how to get
//! one, when it is unset.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The variable that names the Python with aiosmtpd.
pub const AIOSMTPD_VAR: &str = "MODPOD_TEST_AIOSMTPD";

/// The handler: aiosmtpd's Maildir handler, refusing `@bounce.example`.
const HANDLER: &str = r#"
from aiosmtpd.handlers import Mailbox

class Sink(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@bounce.example"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// One accepted message, as read back from the Maildir.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope recipient (aiosmtpd's `X-RcptTo`).
    pub to: String,
    pub from: String,
    pub subject: String,
    pub message_id: String,
    pub body: String,
    /// The message as stored.
    pub raw: String,
}

/// An SMTP server on a port of its own, running or not.
pub struct SmtpSink {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl SmtpSink {
    /// A server that is already accepting connections.
    pub fn start() -> SmtpSink {
        let mut sink = SmtpSink::down();
        sink.up();
        sink
    }

    /// A free port with no server on it yet: connections are refused until
    /// [`SmtpSink::up`].
    pub fn down() -> SmtpSink {
        python();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free port");
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        std::fs::write(dir.path().join("modpod_sink.py"), HANDLER).unwrap();
        SmtpSink {
            port,
            dir,
            child: None,
        }
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&mut self) {
        assert!(self.child.is_none(), "the SMTP server is running already");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "modpod_sink.Sink"])
            .arg(self.maildir())
            .env("PYTHONPATH", self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start aiosmtpd");
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("aiosmtpd stopped ({status}) before accepting connections");
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not start in 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The address to give modpod: `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) {
                files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        }
        files.sort();
        files
            .iter()
            .map(|f| parse(&std::fs::read(f).unwrap()))
            .collect()
    }

    /// Waits until at least `count` messages were accepted; fails the test
    /// after `timeout`, listing what did arrive.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= count {
                return got;
            }
            if Instant::now() > deadline {
                let seen: Vec<_> = got.iter().map(|m| (&m.to, &m.subject)).collect();
                panic!(
                    "{} of {count} messages arrived in {timeout:?}: {seen:#?}",
                    got.len()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn parse(raw: &[u8]) -> Received {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a message that cannot be parsed");
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    Received {
        to: header("X-RcptTo"),
        from: header("From"),
        subject: message.subject().unwrap_or_default().to_owned(),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        body: message
            .body_text(0)
            .map(|b| b.into_owned())
            .unwrap_or_default(),
        raw: String::from_utf8_lossy(raw).into_owned(),
    }
}

/// The Python with aiosmtpd, or a failure that says how to get one.
fn python() -> String {
    std::env::var(AIOSMTPD_VAR).unwrap_or_else(|_| {
        panic!(
            "{AIOSMTPD_VAR} is not set, so the notification tests have no SMTP server.\n\
             Run the whole suite with scripts/test, which installs aiosmtpd once in a \
             virtual environment, or point the tests at a Python that has it, for example:\n  \
             source scripts/lib/services.sh && ensure_aiosmtpd && cargo test -p modpod-notify"
        )
    })
}
