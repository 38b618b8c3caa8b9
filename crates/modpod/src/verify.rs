//! `modpod verify`: checks the whole hash chain and prints a one-line summary.

use modpod_store::{Verdict, hash_hex};
use std::process::ExitCode;

pub fn verify(db: &str, audit: &crate::audit::AuditArgs) -> anyhow::Result<ExitCode> {
    let mut store = modpod_store::open(db)?;
    let total = store.event_count()?;
    let bar = crate::progress::bar("verifying", total);
    let verdict = modpod_store::verify(store.as_mut(), &mut |n| bar.set_position(n));
    bar.finish_and_clear();
    match verdict? {
        Verdict::Intact { head } => {
            println!(
                "ok: {} events intact in the {} log; head {}",
                head.seq,
                store.backend(),
                hash_hex(&head.hash)
            );
            match crate::audit::verify(db, audit)? {
                None => Ok(ExitCode::SUCCESS),
                Some(Ok(said)) => {
                    println!("ok: {said}");
                    Ok(ExitCode::SUCCESS)
                }
                Some(Err(broken)) => {
                    println!("BROKEN: {broken}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Verdict::Broken(broken) => {
            println!("BROKEN: {broken}");
            Ok(ExitCode::FAILURE)
        }
    }
}
