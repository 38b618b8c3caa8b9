//! Test support shared by the integration tests: throwaway databases on
//! both backends, plain-SQL access to them for tampering, and sample events.
//! Each test binary uses only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

/// Throwaway databases, shared with the other crates' tests.
pub mod db {
    pub use modpod_testkit::TestDb;
}
pub mod events;
