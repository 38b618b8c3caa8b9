//! A server on 127.0.0.1 that answers the requests of a forum software's
//! client with what the fuzz input says: how the adapter targets feed a
//! client its server's answers through the client's own HTTP code.
//!
//! The input, after the targets' own header bytes, is a list of answers
//! separated by [`SEPARATOR`], given to the requests in the order they come;
//! once the list is used up, the last answer is given again (an empty
//! input: `200` with an empty body). Each answer is one byte choosing the
//! status ([`STATUSES`]), then header lines (`name: value`) up to an empty
//! line (`\n\n`), then the body; with no empty line, all of it is the body.
//! Every answer has a `Content-Length` and closes its connection.
//!
//! The server counts the requests of a run: a client that asks more than
//! [`MAX_REQUESTS`] times (it never stops paging, or retries forever) fails
//! the target.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};

/// Between two answers of the input.
pub const SEPARATOR: &[u8] = b"\n--\n";

/// The statuses an answer's first byte chooses from.
pub const STATUSES: [u16; 12] = [200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503];

/// The most requests one run may make.
pub const MAX_REQUESTS: usize = 200;

struct Script {
    answers: VecDeque<Vec<u8>>,
    last: Vec<u8>,
    requests: usize,
}

static SCRIPT: Mutex<Script> = Mutex::new(Script {
    answers: VecDeque::new(),
    last: Vec::new(),
    requests: 0,
});

/// The server's base URL (`http://127.0.0.1:PORT`), started at the first call.
pub fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"))
            .port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream);
            }
        });
        format!("http://127.0.0.1:{port}")
    })
}

/// Makes `input` the answers of the next requests.
pub fn script(input: &[u8]) {
    let mut answers = VecDeque::new();
    let mut rest = input;
    while let Some(at) = find(rest, SEPARATOR) {
        answers.push_back(rest[..at].to_vec());
        rest = &rest[at + SEPARATOR.len()..];
    }
    answers.push_back(rest.to_vec());
    let mut script = SCRIPT.lock().unwrap_or_else(|e| e.into_inner());
    *script = Script {
        answers,
        last: Vec::new(),
        requests: 0,
    };
}

/// How many requests the run made; fails the target past [`MAX_REQUESTS`].
pub fn requests() -> usize {
    SCRIPT.lock().unwrap_or_else(|e| e.into_inner()).requests
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(&stream);
    // The request: its head, then a body of its Content-Length.
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let answer = {
        let mut script = SCRIPT.lock().unwrap_or_else(|e| e.into_inner());
        script.requests += 1;
        assert!(
            script.requests <= MAX_REQUESTS,
            "the client asked more than {MAX_REQUESTS} times in one run"
        );
        if let Some(next) = script.answers.pop_front() {
            script.last = next;
        }
        script.last.clone()
    };
    let _ = (&stream).write_all(&response(&answer));
}

/// An answer of the input as an HTTP/1.1 response.
fn response(answer: &[u8]) -> Vec<u8> {
    let (status, rest) = match answer.split_first() {
        Some((choice, rest)) => (STATUSES[usize::from(*choice) % STATUSES.len()], rest),
        None => (200, &[][..]),
    };
    let (headers, body) = match find(rest, b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let mut out = format!("HTTP/1.1 {status} Answer\r\n").into_bytes();
    for line in headers.split(|b| *b == b'\n') {
        // Lines a response could carry, and none that would change its
        // framing.
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let Some((name, _)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty()
            || line.contains('\r')
            || matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            )
        {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}
