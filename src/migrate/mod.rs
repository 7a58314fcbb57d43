//! The migration stage: versioned SQL migrations that run once their database is available.
//! This module discovers migration files and computes checksums; running them against a
//! database is the migration stage's runner.

mod discover;

pub use discover::{checksum, discover, parse_version, MigrationFile, MigrationKind};
