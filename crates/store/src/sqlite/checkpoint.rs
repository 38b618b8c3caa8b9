//! Checkpoints apart from the writer.
//!
//! In write-ahead-log mode a commit appends pages to the `-wal` file, and a
//! checkpoint copies them back into the database and flushes it. SQLite runs
//! one by default inside the commit that takes the log past 1,000 pages: under
//! load, one group of commands in about a hundred then waited several
//! milliseconds for it, and every command behind that group with it.
//!
//! Here a connection that writes only asks: a thread of its own, on a
//! connection of its own, runs a passive checkpoint, which never blocks the
//! writer, while the writer goes on appending. Should that thread fall
//! behind, the writer checkpoints itself once the log holds ten times as
//! many pages, so the `-wal` file stays bounded; should it fail to start or
//! stop, the writer checkpoints as SQLite would. Nothing about durability
//! changes: a commit is durable in the log before a checkpoint touches it.
//! Every connection that writes (the engine's, the notification worker's,
//! each adapter's ledger) asks for itself, of a thread started the first
//! time it does.

use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use rusqlite::{Connection, hooks::Wal, wal::CheckpointMode};

use crate::error::StoreError;

/// A checkpoint is asked for once the log holds this many pages (SQLite's
/// own threshold).
const ASK_AT: c_int = 1_000;

/// The writer checkpoints itself once the log holds this many pages.
const WRITER_AT: c_int = 10 * ASK_AT;

/// The checkpointing thread of one writing connection, started when first
/// needed.
enum Checkpointer {
    NotStarted(PathBuf),
    Asked(SyncSender<()>),
    /// It could not start, or stopped: the writer checkpoints at `ASK_AT`,
    /// as SQLite would.
    Gone,
}

/// Makes `conn` ask for checkpoints rather than run them (see above).
/// `path` is the database's, for the checkpointing connection.
pub(crate) fn apart(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    hook(conn, Checkpointer::NotStarted(path.to_owned()))
}

fn hook(conn: &mut Connection, mut checkpointer: Checkpointer) -> Result<(), StoreError> {
    conn.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
        if pages >= ASK_AT {
            checkpointer.ask(wal, pages);
        }
        // The commit has happened whatever this returns: an error here would
        // make it look failed.
        Ok(())
    }))?;
    Ok(())
}

impl Checkpointer {
    fn ask(&mut self, wal: &mut Wal, pages: c_int) {
        if let Checkpointer::NotStarted(path) = self {
            *self = start(path).map_or(Checkpointer::Gone, Checkpointer::Asked);
        }
        let asked = match self {
            Checkpointer::Asked(thread) => match thread.try_send(()) {
                // Full: a checkpoint is asked for already and will see these pages.
                Ok(()) | Err(TrySendError::Full(())) => true,
                Err(TrySendError::Disconnected(())) => false,
            },
            Checkpointer::NotStarted(_) | Checkpointer::Gone => false,
        };
        if !asked {
            *self = Checkpointer::Gone;
        }
        if !asked || pages >= WRITER_AT {
            // Busy while the thread checkpoints: it copies these pages.
            let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
        }
    }
}

fn start(path: &Path) -> Option<SyncSender<()>> {
    let conn = match super::schema::open(path) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, "no connection to checkpoint the log apart from its writer; the writer checkpoints");
            return None;
        }
    };
    let (ask, asked) = sync_channel(1);
    std::thread::Builder::new()
        .name("checkpoint-the-log".into())
        .spawn(move || checkpoint_when_asked(&conn, &asked))
        .inspect_err(|error| tracing::warn!(%error, "could not start the log's checkpointing thread; the writer checkpoints"))
        .ok()?;
    Some(ask)
}

/// Until the writer is gone (its connection closed).
fn checkpoint_when_asked(conn: &Connection, asked: &Receiver<()>) {
    while asked.recv().is_ok() {
        if let Err(error) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            tracing::warn!(%error, "checkpointing the log failed; it is asked again at the next commit");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// How many frames the `-wal` file holds, and how many of them are
    /// copied back, read from the wal-index (`-shm`) without checkpointing:
    /// `mxFrame` in its header, `nBackfill` after the header's two copies
    /// (<https://sqlite.org/walformat.html>).
    fn frames(path: &Path) -> (u32, u32) {
        let mut shm = path.as_os_str().to_owned();
        shm.push("-shm");
        let index = std::fs::read(shm).unwrap();
        let word = |at: usize| u32::from_ne_bytes(index[at..at + 4].try_into().unwrap());
        (word(16), word(96))
    }

    /// A log whose writer commits one page at a time, quickly: durability
    /// does not matter here.
    fn writer(dir: &tempfile::TempDir) -> (Connection, PathBuf) {
        let path = dir.path().join("log.db");
        let conn = super::super::schema::open(&path).unwrap();
        conn.execute_batch("PRAGMA synchronous = OFF; CREATE TABLE filler (page BLOB)")
            .unwrap();
        (conn, path)
    }

    /// A writer whose asks for a checkpoint the test receives, for no
    /// thread to answer them.
    fn asking_writer(dir: &tempfile::TempDir) -> (Connection, PathBuf, Receiver<()>) {
        let (mut conn, path) = writer(dir);
        let (ask, asked) = sync_channel(1);
        hook(&mut conn, Checkpointer::Asked(ask)).unwrap();
        (conn, path, asked)
    }

    fn commit_pages(conn: &Connection, pages: u32) {
        for _ in 0..pages {
            conn.execute("INSERT INTO filler (page) VALUES (zeroblob(4000))", [])
                .unwrap();
        }
    }

    #[test]
    fn the_writer_asks_and_checkpoints_itself_only_far_behind() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path, asked) = asking_writer(&dir);
        commit_pages(&conn, 1_500);
        assert_eq!(asked.try_recv(), Ok(()), "a checkpoint is asked for");
        let (log, copied) = frames(&path);
        assert!(log > 1_500, "the log holds {log} frames");
        assert_eq!(copied, 0, "the writer did not checkpoint");

        // Once the writer has checkpointed the whole log, its next commit
        // starts the log again from its beginning.
        commit_pages(&conn, WRITER_AT as u32);
        let (log, _) = frames(&path);
        assert!(
            log < WRITER_AT as u32,
            "past {WRITER_AT} pages the writer checkpoints (the log holds {log} frames)"
        );
    }

    #[test]
    fn without_its_thread_the_writer_checkpoints_as_sqlite_would() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path, asked) = asking_writer(&dir);
        drop(asked);
        commit_pages(&conn, 1_500);
        let (log, _) = frames(&path);
        assert!(
            log < ASK_AT as u32,
            "the writer checkpointed at {ASK_AT} pages (the log holds {log} frames)"
        );
    }

    /// Commits one page at a time until the log holds `ASK_AT` frames: the
    /// last commit asked for a checkpoint.
    fn commit_until_asked(conn: &Connection, path: &Path) {
        while frames(path).0 < ASK_AT as u32 {
            commit_pages(conn, 1);
        }
    }

    /// Waits until every frame of the log is copied back.
    fn wait_until_copied(path: &Path) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (log, copied) = frames(path);
            if copied == log {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{copied} of {log} frames copied back after 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn the_thread_checkpoints_when_asked_and_stops_with_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path, asked) = asking_writer(&dir);
        commit_until_asked(&conn, &path);
        assert_eq!(
            frames(&path).1,
            0,
            "nothing is copied back before the thread runs"
        );
        let checkpointing = super::super::schema::open(&path).unwrap();
        let thread = std::thread::spawn(move || checkpoint_when_asked(&checkpointing, &asked));
        wait_until_copied(&path);
        drop(conn);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !thread.is_finished() {
            assert!(Instant::now() < deadline, "the thread outlived its writer");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_writer_starts_its_thread_when_first_needed() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = writer(&dir);
        apart(&mut conn, &path).unwrap();
        commit_until_asked(&conn, &path);
        wait_until_copied(&path);
        let threads = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
            .filter(|name| name.trim_end() == "checkpoint-the-")
            .count();
        assert!(threads > 0, "no checkpointing thread runs");
    }
}
