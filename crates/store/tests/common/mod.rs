//! Test support shared by the integration tests: throwaway databases on
//! both backends, plain-SQL access to them for tampering, and sample events.
//! Each test binary uses only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod db;
pub mod events;
