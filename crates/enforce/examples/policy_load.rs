//! A load generator for the Postfix policy protocol, and a trivial responder
//! that shows the generator's own ceiling.
//!
//! ```sh
//! cargo run --release -p modpod-enforce --example policy_load -- \
//!     --addr 127.0.0.1:10040 --connections 100 --requests 200000 [--rate 10000] [--duration 60]
//! cargo run --release -p modpod-enforce --example policy_load -- --responder --addr 127.0.0.1:10041
//! ```
//!
//! With `--blocking` each connection is a thread of its own on a blocking
//! socket, with no runtime between the socket and the loop: on one connection
//! a reply then wakes the very thread that waits for it, which is what makes
//! the generator fast enough to measure a server answering 30,000 requests
//! per second over one connection. `--responder --blocking` is the matching
//! trivial responder (a thread per connection). Pacing (`--rate`) needs the
//! runtime's timers and is not offered with `--blocking`.
//!
//! Each connection sends `smtpd_access_policy` requests one at a time, the way
//! Postfix does (send a request, read the reply up to its empty line, send the
//! next), from a mixed set of senders: one suspended sender (1 in 100
//! requests), one rate-limited sender (1 in 100), and many clean senders (the
//! rest), all to one list address. It counts the replies by action and prints
//! the throughput and the latency percentiles. With `--rate R` the requests are
//! sent on a fixed schedule of R per second overall. Latency is measured two
//! ways: from the moment a request is written to its reply (`p50`, `p99`: the
//! server's answer time), and from the time it was scheduled (`sched_p99`), so
//! that a slow reply also counts against the requests queued behind it. The
//! second includes the generator's timer, which wakes up to a millisecond
//! late: the trivial responder shows how much.
//!
//! Traffic goes where `--addr` says; the benchmark script uses 127.0.0.1 only.
//! Every loop is bounded: by `--requests` and `--duration` in the generator, by
//! `--duration` and an idle timeout in the responder.
#![allow(
    clippy::disallowed_methods,
    reason = "a load generator measures wall-clock time; the crate's clock ban is for the index"
)]

use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "usage: policy_load --addr HOST:PORT [--connections N] [--requests M] \
[--rate R] [--duration S] [--state RCPT|DATA] [--senders K] [--suspended ADDR] \
[--limited ADDR] [--recipient ADDR] [--threads N] [--blocking]\n       policy_load --responder --addr HOST:PORT [--duration S] [--blocking]";

/// How long one reply may take before the run is declared failed.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
struct Options {
    addr: SocketAddr,
    connections: usize,
    requests: u64,
    rate: Option<f64>,
    duration: Duration,
    state: String,
    senders: u64,
    suspended: String,
    limited: String,
    recipient: String,
    responder: bool,
    /// Threads of the generator's runtime (default: one per core). One
    /// leaves the other core to the server when both share a 2-core machine.
    threads: Option<usize>,
    /// A thread and a blocking socket per connection instead of the runtime.
    blocking: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, Error> {
    let mut options = Options {
        addr: "127.0.0.1:10040".parse()?,
        connections: 1,
        requests: 100_000,
        rate: None,
        duration: Duration::from_secs(60),
        state: "RCPT".to_owned(),
        senders: 10_000,
        suspended: "bob@example.org".to_owned(),
        threads: None,
        limited: "carol@example.org".to_owned(),
        recipient: "tls@ietf.org".to_owned(),
        responder: false,
        blocking: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--responder" {
            options.responder = true;
            continue;
        }
        if flag == "--blocking" {
            options.blocking = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--addr" => options.addr = value.parse()?,
            "--connections" => options.connections = value.parse()?,
            "--requests" => options.requests = value.parse()?,
            "--rate" => options.rate = Some(value.parse()?),
            "--threads" => options.threads = Some(value.parse::<usize>()?.max(1)),
            "--duration" => options.duration = Duration::from_secs_f64(value.parse()?),
            "--state" => options.state = value,
            "--senders" => options.senders = value.parse()?,
            "--suspended" => options.suspended = value,
            "--limited" => options.limited = value,
            "--recipient" => options.recipient = value,
            _ => return Err(format!("unknown option {flag}\n{USAGE}").into()),
        }
    }
    if options.connections == 0 || options.senders == 0 {
        return Err("--connections and --senders must be at least 1".into());
    }
    if options
        .rate
        .is_some_and(|rate| rate <= 0.0 || !rate.is_finite())
    {
        return Err("--rate must be a positive number".into());
    }
    if options.blocking && options.rate.is_some() {
        return Err("--rate needs the runtime's timers: leave out --blocking".into());
    }
    Ok(options)
}

fn main() {
    let result = parse(std::env::args().skip(1)).and_then(|options| {
        if options.blocking {
            return if options.responder {
                blocking::respond(&options)
            } else {
                blocking::generate(options)
            };
        }
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        if let Some(threads) = options.threads {
            runtime.worker_threads(threads);
        }
        let runtime = runtime.enable_all().build()?;
        runtime.block_on(async {
            if options.responder {
                respond(&options).await
            } else {
                generate(options).await
            }
        })
    });
    if let Err(error) = result {
        eprintln!("policy_load: {error}");
        std::process::exit(1);
    }
}

/// Replies by action.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    dunno: u64,
    reject: u64,
    defer_if_permit: u64,
    other: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.dunno += other.dunno;
        self.reject += other.reject;
        self.defer_if_permit += other.defer_if_permit;
        self.other += other.other;
    }

    fn total(&self) -> u64 {
        self.dunno + self.reject + self.defer_if_permit + self.other
    }

    /// Counts one reply's action (the text after `action=`). `postfwd`'s
    /// `rate()` answers with a 4NN code and `policyd-rate-limit` in lower
    /// case; both are counted with the action they stand for.
    fn count(&mut self, action: &str) {
        let word = action
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match word.as_str() {
            "DUNNO" | "OK" => self.dunno += 1,
            "REJECT" => self.reject += 1,
            "DEFER_IF_PERMIT" | "DEFER" => self.defer_if_permit += 1,
            code if code.len() == 3 && code.starts_with('5') => self.reject += 1,
            code if code.len() == 3 && code.starts_with('4') => self.defer_if_permit += 1,
            _ => self.other += 1,
        }
    }
}

/// The `n`-th request of a run: 1 in 100 from the suspended sender, 1 in 100
/// from the rate-limited one, the rest from `senders` clean senders in turn.
fn request(options: &Options, n: u64) -> String {
    let sender = match n % 100 {
        0 => options.suspended.clone(),
        50 => options.limited.clone(),
        _ => format!("user{}@example.net", n % options.senders),
    };
    format!(
        "request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\n\
         client_address=192.0.2.{octet}\nclient_name=mail{octet}.example.net\n\
         helo_name=mail{octet}.example.net\nqueue_id=\nsender={sender}\n\
         recipient={recipient}\nrecipient_count=0\nsize=0\ninstance={n:x}.1\n\n",
        state = options.state,
        octet = n % 250 + 1,
        recipient = options.recipient,
    )
}

struct Outcome {
    counts: Counts,
    /// From writing the request to reading the whole reply.
    latencies: Histogram<u64>,
    /// From the time the request was scheduled to reading the whole reply.
    from_schedule: Histogram<u64>,
}

fn histogram() -> Result<Histogram<u64>, Error> {
    // Microseconds, from 1 µs to 60 s, three significant digits.
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

/// One connection: sends its share of requests one at a time.
async fn run_connection(
    options: Options,
    index: u64,
    share: u64,
    deadline: Instant,
) -> Result<Outcome, Error> {
    let stream = TcpStream::connect(options.addr).await?;
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut outcome = Outcome {
        counts: Counts::default(),
        latencies: histogram()?,
        from_schedule: histogram()?,
    };
    // Each connection sends every `interval` when paced; the connections
    // start spread over one interval so that the requests do not come in bursts.
    let interval = options
        .rate
        .map(|rate| Duration::from_secs_f64(options.connections as f64 / rate));
    let start = Instant::now()
        + interval.map_or(Duration::ZERO, |every| {
            every.mul_f64(index as f64 / options.connections as f64)
        });
    let mut line = String::new();
    for k in 0..share {
        let scheduled = match interval {
            Some(every) => {
                let at = start + every.mul_f64(k as f64);
                tokio::time::sleep_until(at.into()).await;
                at
            }
            None => Instant::now(),
        };
        if scheduled >= deadline {
            break;
        }
        let n = k * options.connections as u64 + index;
        let message = request(&options, n);
        let sent = Instant::now();
        writer.write_all(message.as_bytes()).await?;
        let mut action = None;
        loop {
            line.clear();
            let read = tokio::time::timeout(REPLY_TIMEOUT, reader.read_line(&mut line))
                .await
                .map_err(|_| "no reply within 10 s")??;
            if read == 0 {
                return Err("the server closed the connection".into());
            }
            let text = line.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                break;
            }
            if action.is_none() {
                action = text.strip_prefix("action=").map(str::to_owned);
            }
        }
        let micros =
            |since: Instant| u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        outcome.latencies.saturating_record(micros(sent).max(1));
        outcome
            .from_schedule
            .saturating_record(micros(scheduled).max(1));
        outcome.counts.count(action.as_deref().unwrap_or_default());
    }
    Ok(outcome)
}

/// Each connection's index and its share of the requests.
fn shares(options: &Options) -> impl Iterator<Item = (u64, u64)> + use<> {
    let connections = options.connections as u64;
    let (per, extra) = (
        options.requests / connections,
        options.requests % connections,
    );
    (0..connections).map(move |index| (index, per + u64::from(index < extra)))
}

async fn generate(options: Options) -> Result<(), Error> {
    let started = Instant::now();
    let deadline = started + options.duration;
    let mut tasks = Vec::with_capacity(options.connections);
    for (index, share) in shares(&options) {
        tasks.push(tokio::spawn(run_connection(
            options.clone(),
            index,
            share,
            deadline,
        )));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    summarise(&options, started, outcomes)
}

/// Adds up the connections' outcomes and prints the one-line result.
fn summarise(
    options: &Options,
    started: Instant,
    outcomes: Vec<Result<Outcome, Error>>,
) -> Result<(), Error> {
    let mut counts = Counts::default();
    let mut latencies = histogram()?;
    let mut from_schedule = histogram()?;
    let mut failures = 0;
    for outcome in outcomes {
        match outcome {
            Ok(outcome) => {
                counts.add(outcome.counts);
                latencies.add(&outcome.latencies)?;
                from_schedule.add(&outcome.from_schedule)?;
            }
            Err(error) => {
                failures += 1;
                if failures == 1 {
                    eprintln!("policy_load: a connection failed: {error}");
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let total = counts.total();
    let ms = |micros: u64| micros as f64 / 1000.0;
    println!(
        "addr={} connections={} rate={} requests={} seconds={:.2} throughput={:.0}/s \
         p50={:.3}ms p99={:.3}ms p999={:.3}ms max={:.3}ms sched_p99={:.3}ms dunno={} reject={} \
         defer_if_permit={} other={} failed_connections={}",
        options.addr,
        options.connections,
        options
            .rate
            .map_or("max".to_owned(), |rate| format!("{rate}")),
        total,
        elapsed,
        total as f64 / elapsed,
        ms(latencies.value_at_quantile(0.5)),
        ms(latencies.value_at_quantile(0.99)),
        ms(latencies.value_at_quantile(0.999)),
        ms(latencies.max()),
        ms(from_schedule.value_at_quantile(0.99)),
        counts.dunno,
        counts.reject,
        counts.defer_if_permit,
        counts.other,
        failures,
    );
    if failures > 0 || total == 0 {
        return Err(format!("{failures} connection(s) failed").into());
    }
    Ok(())
}

/// The trivial responder: answers `action=DUNNO` to every request until
/// `--duration` has passed (default 60 s; the script stops it sooner).
async fn respond(options: &Options) -> Result<(), Error> {
    let listener = TcpListener::bind(options.addr).await?;
    println!("responder listening on {}", listener.local_addr()?);
    let until = tokio::time::sleep(options.duration);
    tokio::pin!(until);
    loop {
        let (stream, _) = tokio::select! {
            () = &mut until => return Ok(()),
            accepted = listener.accept() => accepted?,
        };
        tokio::spawn(async move {
            if let Err(error) = answer_dunno(stream).await {
                eprintln!("responder: connection closed: {error}");
            }
        });
    }
}

async fn answer_dunno(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    loop {
        line.clear();
        let read = tokio::time::timeout(Duration::from_secs(60), reader.read_line(&mut line))
            .await
            .map_err(|_| "idle for 60 s")??;
        if read == 0 {
            return Ok(());
        }
        if line == "\n" || line == "\r\n" {
            writer.write_all(b"action=DUNNO\n\n").await?;
        }
    }
}

/// The generator and the responder on blocking sockets, a thread per
/// connection (`--blocking`).
mod blocking {
    use super::{Counts, Error, Options, Outcome, REPLY_TIMEOUT, histogram, request, shares};
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    pub fn generate(options: Options) -> Result<(), Error> {
        let started = Instant::now();
        let deadline = started + options.duration;
        let threads: Vec<_> = shares(&options)
            .map(|(index, share)| {
                let options = options.clone();
                std::thread::spawn(move || connection(&options, index, share, deadline))
            })
            .collect();
        let outcomes = threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err("a connection's thread panicked".into()))
            })
            .collect();
        super::summarise(&options, started, outcomes)
    }

    /// One connection: a request, then its reply, as fast as they go.
    fn connection(
        options: &Options,
        index: u64,
        share: u64,
        deadline: Instant,
    ) -> Result<Outcome, Error> {
        let stream = TcpStream::connect(options.addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        let mut outcome = Outcome {
            counts: Counts::default(),
            latencies: histogram()?,
            from_schedule: histogram()?,
        };
        let mut line = String::new();
        for k in 0..share {
            let message = request(options, k * options.connections as u64 + index);
            let sent = Instant::now();
            if sent >= deadline {
                break;
            }
            writer.write_all(message.as_bytes())?;
            let mut action = None;
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Err("the server closed the connection".into());
                }
                let text = line.trim_end_matches(['\r', '\n']);
                if text.is_empty() {
                    break;
                }
                if action.is_none() {
                    action = text.strip_prefix("action=").map(str::to_owned);
                }
            }
            let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            // Unpaced: a request is scheduled when it is sent.
            outcome.latencies.saturating_record(micros.max(1));
            outcome.from_schedule.saturating_record(micros.max(1));
            outcome.counts.count(action.as_deref().unwrap_or_default());
        }
        Ok(outcome)
    }

    /// The trivial responder on blocking sockets, until `--duration` has
    /// passed (checked as connections arrive; the script stops it sooner).
    pub fn respond(options: &Options) -> Result<(), Error> {
        let listener = TcpListener::bind(options.addr)?;
        println!("responder listening on {}", listener.local_addr()?);
        let until = Instant::now() + options.duration;
        for stream in listener.incoming() {
            if Instant::now() >= until {
                break;
            }
            let stream = stream?;
            std::thread::spawn(move || {
                if let Err(error) = answer_dunno(stream) {
                    eprintln!("responder: connection closed: {error}");
                }
            });
        }
        Ok(())
    }

    fn answer_dunno(stream: TcpStream) -> Result<(), Error> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\n" || line == "\r\n" {
                writer.write_all(b"action=DUNNO\n\n")?;
            }
        }
    }
}
