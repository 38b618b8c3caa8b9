//! The scripted storage suite: every scenario in `scenarios/` runs once on
//! SQLite (`sqlite::name`) and once on PostgreSQL (`postgres::name`).
//!
//! The PostgreSQL half needs a server named by `MODPOD_TEST_PG_URL` and
//! fails, saying how to start one, when the variable is unset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod scenarios;

/// Declares one test per scenario and backend.
macro_rules! stories {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let db = crate::common::db::TestDb::sqlite();
                    let mut store = db.open();
                    crate::scenarios::$module::$name(store.as_mut(), &db);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let db = crate::common::db::TestDb::postgres();
                    let mut store = db.open();
                    crate::scenarios::$module::$name(store.as_mut(), &db);
                }
            )*
        }
    };
}

stories! {
    basics::empty_log,
    basics::append_and_scan_round_trip,
    basics::events_read_by_sequence_number,
    basics::stale_append_conflicts,
    basics::empty_batch_still_checks_head,
    basics::nul_characters_are_refused,
    basics::payload_text_is_kept_byte_for_byte,
    basics::scan_stops_when_told,
    basics::reopening_keeps_the_log,
    basics::accounts_are_kept_beside_the_log,
    basics::api_tokens_are_kept_beside_the_log,
    basics::sessions_are_kept_beside_the_log,
    basics::a_password_change_ends_the_other_sessions,
    basics::a_password_reset_works_once_and_only_the_newest,
    basics::a_watch_wakes_when_another_connection_appends,
    basics::another_connection_reads_what_this_one_wrote,
    basics::enforcements_are_kept_beside_the_log,
    basics::drift_is_kept_beside_the_log,
    basics::verify_reports_progress,
    snapshots::snapshots_keep_the_newest,
    snapshots::snapshots_must_match_the_log,
    snapshots::snapshot_of_a_rewritten_log_is_ignored,
    tamper::edited_payload_is_caught,
    tamper::edited_time_is_caught,
    tamper::edit_with_rehash_breaks_the_next_link,
    tamper::deleted_middle_event_is_caught,
    tamper::deleted_first_event_is_caught,
    tamper::deleted_last_event_is_caught,
    tamper::swapped_sequence_numbers_are_caught,
    tamper::swapped_payloads_are_caught,
    tamper::event_added_behind_the_head_is_caught,
    tamper::truncated_hash_is_caught,
    tamper::missing_head_record_is_an_error,
    tamper::consistent_rewrite_changes_only_the_anchor,
    concurrency::concurrent_writers_never_fork,
    ledger::deliveries_are_added_once_and_kept,
    ledger::attempts_move_a_delivery_on,
    ledger::pending_deliveries_come_soonest_first,
    ledger::a_lease_has_one_holder_until_it_runs_out,
    ledger::racing_nodes_never_share_a_lease,
}
