//! What the black-box tests of the `modpod` command share: running it as an
//! operator would, making login accounts, and `modpod serve` in a process of
//! its own that is stopped when the test lets go of it.
#![allow(dead_code)]

pub mod datatracker;
pub mod faults;
pub mod forum;
pub mod mailman;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// The example installation (fora, people, roles) that the tests set up.
pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/ietf.toml");

/// The first command of every log: the operator `admin`.
pub const BOOTSTRAP: &str = r#"{"command":"bootstrap","operator":"admin","name":"Operator"}"#;

/// Runs `modpod ARGS` on the log at `db`, whatever its outcome.
pub fn run(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modpod"))
        .args(args)
        .env("MODPOD_DB", db)
        .env("MODPOD_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("cannot run modpod")
}

/// Runs `modpod ARGS` on the log at `db`; fails the test unless it succeeds,
/// and returns what it printed.
pub fn ok(db: &str, args: &[&str]) -> String {
    let out = run(db, args);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        out.status.success(),
        "modpod {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A log with the operator and the example installation.
pub fn installed(db: &str) {
    ok(
        db,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    ok(db, &["setup", EXAMPLE]);
}

/// Makes a login account for a person of the example; returns its password.
pub fn account(db: &str, person: &str) -> String {
    let printed = ok(db, &["account", "create", "--person", person, person]);
    printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password in {printed:?}"))
        .to_owned()
}

/// A loopback port that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A running `modpod serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// Where its HTTP service answers: `http://127.0.0.1:PORT`.
    pub url: String,
    /// What it printed up to "modpod listening on ...".
    pub printed: String,
}

impl Server {
    /// Kills it at once (SIGKILL), as a crash would, and waits for it.
    pub fn kill(&mut self) {
        self.child.kill().expect("cannot kill modpod serve");
        self.child.wait().expect("cannot wait for modpod serve");
    }

    /// Asks it to stop (SIGTERM), as an operator or a service manager
    /// does: it finishes what it is doing, writes a snapshot and exits.
    /// Does not wait.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("cannot run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Whether it has exited, and how.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("cannot wait for modpod serve")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `modpod serve` on the log at a given place, to be started.
pub struct Serve(Command);

impl Serve {
    /// `modpod serve ARGS` on the log at `db`; give `--listen` in `args`.
    pub fn new(db: &str, args: &[&str]) -> Serve {
        Serve::after(&[], args).env("MODPOD_DB", db)
    }

    /// `modpod GLOBAL serve ARGS` (e.g. `--config FILE` before `serve`), with
    /// no `MODPOD_DB` unless one is given with [`Serve::env`].
    pub fn after(global: &[&str], args: &[&str]) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_modpod"));
        command
            .args(global)
            .arg("serve")
            .args(args)
            .env_remove("MODPOD_DB")
            .env("MODPOD_LOG", "warn")
            // The tests' evidence links are made up: none is fetched.
            .env("MODPOD_NO_EVIDENCE_FETCH", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        Serve(command)
    }

    pub fn env(mut self, key: &str, value: &str) -> Serve {
        self.0.env(key, value);
        self
    }

    /// Runs it with its clock `offset` ahead (a libfaketime offset such as
    /// `+49h`): libfaketime is preloaded into modpod itself, since the
    /// `faketime` wrapper would start it as a child that outlives a kill of
    /// the wrapper.
    pub fn clock_ahead(mut self, offset: &str) -> Serve {
        self.0
            .env("LD_PRELOAD", libfaketime())
            .env("FAKETIME", offset)
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        self
    }

    /// Runs it with a clock that the test moves while it runs: libfaketime
    /// reads the offset (`+0`, `+31d`, `-1h`) from `clock`'s file whenever
    /// the time is asked (a cache of even a second misses jumps back). Monotonic time is left alone, so timers and
    /// timeouts run as usual; only the wall clock jumps.
    pub fn clock(mut self, clock: &Clock) -> Serve {
        self.0
            .env("LD_PRELOAD", libfaketime())
            .env("FAKETIME_TIMESTAMP_FILE", &clock.file)
            .env("FAKETIME_NO_CACHE", "1")
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        self
    }

    /// Runs it with no file allowed to grow beyond `bytes` (RLIMIT_FSIZE),
    /// as on a disk that is full: a write beyond fails with EFBIG, as one on
    /// a full disk fails with ENOSPC. SIGXFSZ, which would kill the process
    /// instead, is ignored, as it is by any server that handles its write
    /// errors. Set through bash (`trap '' XFSZ; ulimit -f`), which then
    /// execs modpod: the process started is modpod itself.
    pub fn file_size_limit(self, bytes: u64) -> Serve {
        let inner = self.0;
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
                bytes.div_ceil(1024)
            ))
            .arg(inner.get_program())
            .args(inner.get_args())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in inner.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        Serve(command)
    }

    /// Starts it and returns once it listens.
    pub fn start(mut self) -> Server {
        let mut child = self.0.spawn().expect("cannot start modpod serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server {
            child,
            url: String::new(),
            printed: String::new(),
        };
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("cannot read what modpod serve prints");
            server.printed.push_str(&line);
            server.printed.push('\n');
            if let Some(rest) = line.strip_prefix("modpod listening on ") {
                let url = rest.split_whitespace().next().unwrap_or_default();
                server.url = url.to_owned();
                return server;
            }
        }
        panic!("modpod serve stopped before listening:\n{}", server.printed);
    }
}

/// Where Debian's libfaketime is.
fn libfaketime() -> String {
    [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ]
    .iter()
    .map(|dir| format!("{dir}/faketime/libfaketime.so.1"))
    .find(|path| std::path::Path::new(path).exists())
    .expect("libfaketime is not installed (Debian's faketime); run scripts/test")
}

/// A wall clock the test moves under the `modpod serve` processes started
/// with [`Serve::clock`]: an offset from the real time, in a file that
/// libfaketime reads whenever they ask the time.
pub struct Clock {
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Clock {
    /// A clock showing the real time.
    pub fn new() -> Clock {
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        let clock = Clock {
            file: dir.path().join("faketime"),
            _dir: dir,
        };
        clock.set("+0");
        clock
    }

    /// Moves it to `offset` from the real time (`+31d`, `-1h`, `+0`); the
    /// processes see it within [`Clock::SEEN_WITHIN`].
    pub fn set(&self, offset: &str) {
        // Written whole, then renamed: a process never reads half of it.
        let next = self.file.with_extension("next");
        std::fs::write(&next, format!("{offset}\n")).expect("cannot write the clock's file");
        std::fs::rename(&next, &self.file).expect("cannot move the clock's file");
    }

    /// How long after [`Clock::set`] every process sees the new time.
    pub const SEEN_WITHIN: std::time::Duration = std::time::Duration::from_millis(200);
}

/// Starts `modpod serve --policy-listen 127.0.0.1:0`; returns it, its HTTP
/// address and the policy server's address.
pub fn serve_policy(db: &str) -> (Server, String, String) {
    let server = Serve::new(
        db,
        &["--listen", "127.0.0.1:0", "--policy-listen", "127.0.0.1:0"],
    )
    .start();
    let policy = policy_address(&server);
    let http = server.url.trim_start_matches("http://").to_owned();
    (server, http, policy)
}

/// Where the policy server of a `modpod serve --policy-listen` answers, as
/// it printed.
pub fn policy_address(server: &Server) -> String {
    server
        .printed
        .lines()
        .find_map(|line| line.strip_prefix("policy server listening on "))
        .unwrap_or_else(|| panic!("no policy server in {}", server.printed))
        .trim()
        .to_owned()
}

/// Sends one policy request and reads its reply.
pub fn policy_request(addr: &str, sender: &str, recipient: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "request=smtpd_access_policy\nprotocol_state=RCPT\nsender={sender}\nrecipient={recipient}\n\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    let mut buffer = [0u8; 1024];
    while !reply.ends_with(b"\n\n") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "the policy server closed the connection");
        reply.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&reply).into_owned()
}
