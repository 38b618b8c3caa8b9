//! The parsers of the files the `modpod` command reads: setup files
//! ([`setup_file`]), the legacy actions `modpod migrate legacy` imports
//! ([`legacy_file`]), and the exported log `modpod import` reads
//! ([`log_lines`]). A library beside the command so that the fuzz targets
//! (`crates/enforce/fuzz`) call the code the command runs.

pub mod legacy_file;
pub mod log_lines;
pub mod setup_file;
