//! Where `modpod serve`'s start-up goes, phase by phase, on an existing log:
//! reading the events, parsing them, applying them; reading the snapshot,
//! decoding it; `Engine::open` as a whole; building the decision index.
//! Read-only except the last phase, which writes a snapshot when the log has
//! none (as `modpod serve` would); the engine's own log lines say how long
//! its replay (pipelined) and the snapshot took.
//!
//!     cargo run --release -p modpod --example startup_phases -- sqlite:big.db

use modpod_policy::{Event, State};
use modpod_server::cases::CaseIndex;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let Some(db) = std::env::args().nth(1) else {
        anyhow::bail!("usage: startup_phases DB");
    };
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .without_time()
        .init();
    let mut store = modpod_store::open(&db)?;

    let t = Instant::now();
    let mut n = 0u64;
    store.scan(0, &mut |_| {
        n += 1;
        Ok(())
    })?;
    println!("read {n} events:                 {:>7.0} ms", ms(t));

    let t = Instant::now();
    store.scan(0, &mut |e| {
        let _ = Event::from_payload(&e.payload);
        Ok(())
    })?;
    println!("read + parse:                     {:>7.0} ms", ms(t));

    let t = Instant::now();
    store.scan(0, &mut |e| {
        let _ = modpod_policy::event::format::read_as_derived(&e.payload);
        Ok(())
    })?;
    println!("read + parse (derived reading):   {:>7.0} ms", ms(t));

    let t = Instant::now();
    let (mut state, mut cases) = (State::default(), CaseIndex::default());
    store.scan(0, &mut |e| {
        if let Ok(event) = Event::from_payload(&e.payload) {
            state.apply(&event);
            cases.add(&state, e.seq, &event);
        }
        Ok(())
    })?;
    println!("read + parse + apply:             {:>7.0} ms", ms(t));

    // The snapshot's encodings, of the state just rebuilt: JSON as
    // snapshots were until v9, and this version's.
    let t = Instant::now();
    let json = serde_json::to_vec(&serde_json::json!({"state": &state, "cases": &cases}))?;
    println!("encode as JSON ({} bytes):  {:>7.0} ms", json.len(), ms(t));
    let t = Instant::now();
    let _: (State, CaseIndex) = {
        #[derive(serde::Deserialize)]
        struct Body {
            state: State,
            cases: CaseIndex,
        }
        let body: Body = serde_json::from_slice(&json)?;
        (body.state, body.cases)
    };
    println!("decode the JSON:                  {:>7.0} ms", ms(t));
    drop(json);
    let t = Instant::now();
    let encoded =
        modpod_server::engine::encode_snapshot(&state, &cases).map_err(anyhow::Error::msg)?;
    println!(
        "encode as v10 ({} bytes):   {:>7.0} ms",
        encoded.len(),
        ms(t)
    );
    let t = Instant::now();
    let Some(decoded) = modpod_server::engine::read_snapshot(&encoded) else {
        anyhow::bail!("the v10 encoding does not decode");
    };
    println!("decode the v10:                   {:>7.0} ms", ms(t));
    anyhow::ensure!(
        decoded.state == state && decoded.cases == cases,
        "the v10 encoding decodes to another state"
    );
    drop((encoded, decoded));

    let t = Instant::now();
    let index = modpod_enforce::Index::build(&state);
    println!("decision index:                   {:>7.0} ms", ms(t));
    drop(index);

    let t = Instant::now();
    match store.latest_snapshot()? {
        Some(snap) => {
            println!(
                "read the snapshot ({} bytes):  {:>7.0} ms",
                snap.state.len(),
                ms(t)
            );
            let t = Instant::now();
            let decoded = modpod_server::engine::decode_snapshot(&snap);
            println!(
                "decode the snapshot ({}):        {:>7.0} ms",
                if decoded { "ok" } else { "not this version" },
                ms(t)
            );
            for (section, bytes, took) in
                modpod_server::engine::time_snapshot_sections(&snap.state).unwrap_or_default()
            {
                println!(
                    "  {section} ({bytes} bytes), alone: {:.0} ms",
                    took.as_secs_f64() * 1000.0
                );
            }
        }
        None => println!("no snapshot"),
    }
    drop(store);

    let t = Instant::now();
    let engine = modpod_server::Engine::open(modpod_store::open(&db)?, &mut |_| {})?;
    println!(
        "Engine::open (head {}):        {:>7.0} ms",
        engine.head().seq,
        ms(t)
    );
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
