//! Evidence (EVIDENCE-1): what modpod itself records when it fetches an
//! action's evidence links, once after the action is recorded and again
//! whenever someone asks for a check. Only the hash and size of what it
//! found are recorded, never the content; a link that cannot be read is
//! recorded as such, and the action stands either way.
//!
//! The fetching is an effect (`crates/server/src/evidence.rs`); here only
//! what may be recorded: by `system`, for a link the action gives as
//! evidence, a first retrieval once, a check only after a retrieval that
//! found the message.

use super::{Cx, one_line};
use crate::event::Event;
use crate::ids::ActionId;
use crate::model::{Capacity, FetchOutcome};
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::RecordEvidenceRetrieval`](crate::Command::RecordEvidenceRetrieval).
pub(super) fn record_evidence_retrieval(
    cx: &mut Cx,
    action: &ActionId,
    url: &str,
    outcome: &FetchOutcome,
) -> Result<(), Refusal> {
    evidence_of(cx, *action, url, "recording what an evidence link held")?;
    check_outcome(outcome)?;
    if let Some(record) = cx.state.evidence_record(*action, url) {
        return Err(Refusal::out_of_order(
            Requirement::Evidence1,
            format!(
                "{url} of {action} was fetched already, at {}: a later fetch is a check",
                record.retrieved.at
            ),
        ));
    }
    cx.emit(Event::EvidenceRetrieved {
        action: *action,
        url: url.to_owned(),
        at: cx.now,
        outcome: outcome.clone(),
    });
    Ok(())
}

/// Decides [`Command::RecordEvidenceCheck`](crate::Command::RecordEvidenceCheck).
pub(super) fn record_evidence_check(
    cx: &mut Cx,
    action: &ActionId,
    url: &str,
    outcome: &FetchOutcome,
) -> Result<(), Refusal> {
    evidence_of(cx, *action, url, "recording a check of an evidence link")?;
    check_outcome(outcome)?;
    let found = cx
        .state
        .evidence_record(*action, url)
        .is_some_and(|r| matches!(r.retrieved.outcome, FetchOutcome::Found { .. }));
    if !found {
        return Err(Refusal::out_of_order(
            Requirement::Evidence1,
            format!("{url} of {action} was never fetched: there is nothing to check it against"),
        ));
    }
    cx.emit(Event::EvidenceChecked {
        action: *action,
        url: url.to_owned(),
        at: cx.now,
        outcome: outcome.clone(),
    });
    Ok(())
}

/// modpod itself records this, and `url` is one of the action's evidence
/// links.
fn evidence_of(cx: &Cx, action: ActionId, url: &str, what: &str) -> Result<(), Refusal> {
    cx.only(&[Capacity::System], Requirement::Evidence1, what)?;
    if !cx.action(action)?.evidence.iter().any(|e| e.url == url) {
        return Err(Refusal::invalid(
            "url",
            format!("{url} is not evidence of {action}"),
        ));
    }
    Ok(())
}

/// What was found is well formed: a SHA-256 as 64 lower-case hexadecimal
/// digits, gone as 404 or 410, a reason on one line.
fn check_outcome(outcome: &FetchOutcome) -> Result<(), Refusal> {
    match outcome {
        FetchOutcome::Found { sha256, .. } => {
            let hex = sha256.len() == 64
                && sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex {
                return Err(Refusal::invalid(
                    "outcome.sha256",
                    "must be 64 lower-case hexadecimal digits",
                ));
            }
        }
        FetchOutcome::Gone { status } => {
            if !matches!(status, 404 | 410) {
                return Err(Refusal::invalid(
                    "outcome.status",
                    "gone is HTTP 404 or 410; another status is unavailable, with the reason",
                ));
            }
        }
        FetchOutcome::Unavailable { reason } => one_line("outcome.reason", reason, 500)?,
    }
    Ok(())
}
