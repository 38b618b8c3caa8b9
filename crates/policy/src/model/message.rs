//! A case's threads (MSG-1): those who handle a report exchange messages with
//! the person it is about, and, apart, with the person who filed it; and keep
//! notes of their own. Each party reads only their own thread: the two are
//! never merged, so the reporter stays hidden from the person reported
//! (REPORT-5). Who reads and writes what is `crate::views::threads`' and
//! `crate::decide`'s; these are the records.

use crate::ids::PersonId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One of a case's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Thread {
    /// Those who handle the report and the person it is about.
    Person,
    /// Those who handle the report and the person who filed it.
    Reporter,
    /// Those who handle the report, among themselves.
    Team,
}

impl Thread {
    pub const ALL: [Thread; 3] = [Thread::Person, Thread::Reporter, Thread::Team];

    /// Its name, as commands, pages and templates give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Thread::Person => "person",
            Thread::Reporter => "reporter",
            Thread::Team => "team",
        }
    }
}

impl fmt::Display for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message in one of a case's threads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMessage {
    /// Its number in its thread of the report, from 1: what one thread's
    /// reader sees of it says nothing of the others.
    pub number: u32,
    pub thread: Thread,
    pub by: PersonId,
    pub at: Timestamp,
    pub text: String,
}
