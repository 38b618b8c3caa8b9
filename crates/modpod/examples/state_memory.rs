//! Where the memory of `modpod serve`'s state goes, part by part, on an
//! existing log with a snapshot: the bytes each of the state's maps and
//! indexes holds on the heap (counted by dhat's allocator: what was asked
//! for, without the allocator's own overhead or fragmentation), with how
//! many entries it has (for an index, ids filed) and what that makes an
//! entry. Read-only. Take a snapshot first (`modpod snapshot`).
//!
//!     cargo run --release -p modpod --example state_memory -- sqlite:big.db

/// Counts the bytes held on the heap (with the profiler in testing mode, so
/// it writes no file).
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// The bytes freed by dropping `value`.
fn freed<T>(value: T) -> usize {
    let held = || dhat::HeapStats::get().curr_bytes;
    let before = held();
    drop(value);
    before.saturating_sub(held())
}

fn main() -> anyhow::Result<()> {
    let Some(db) = std::env::args().nth(1) else {
        anyhow::bail!("usage: state_memory DB");
    };
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut store = modpod_store::open(&db)?;
    let Some(snapshot) = store.latest_snapshot()? else {
        anyhow::bail!("{db} has no snapshot: take one with `modpod snapshot`");
    };
    let bytes = snapshot.state;
    let Some(body) = modpod_server::engine::read_snapshot(&bytes) else {
        anyhow::bail!("the snapshot of {db} is not of this version");
    };
    drop(bytes);
    let (mut state, cases) = (body.state, body.cases);
    println!(
        "{:<28} {:>10} {:>12} {:>10}",
        "part", "entries", "bytes", "per entry"
    );
    let mut total = 0;
    let mut row = |name: &str, entries: usize, bytes: usize| {
        total += bytes;
        let per = bytes.checked_div(entries).unwrap_or(0);
        println!("{name:<28} {entries:>10} {bytes:>12} {per:>10}");
    };
    macro_rules! parts {
        ($($field:ident),* $(,)?) => {$(
            let part = std::mem::take(&mut state.$field);
            row(stringify!($field), part.len(), freed(part));
        )*};
    }
    parts!(
        people,
        role_holders,
        identities,
        working_groups,
        fora,
        moderators,
        reports,
        reports_by_subject,
        reports_by_reporter,
        open_reports,
        reports_by_forum,
        open_by_forum,
        referrals,
        actions,
        actions_by_subject,
        actions_in_force,
        appeals,
        reinstatements,
        llc_actions,
        notifications,
        announced,
        notifications_by_action,
        proposals,
        case_messages,
        evidence_fetched,
        alerts,
        templates,
    );
    row("the rest of the state", 1, freed(state));
    row("the case index", 1, freed(cases));
    println!("{:<28} {:>10} {total:>12}", "total", "");
    Ok(())
}
