//! The append-only journal `<state>.journal`: one JSON object per line, each append fsynced,
//! so a run records every finished resource without rewriting the whole state.
//!
//! Format: the first line is a header naming the state it extends
//! (`{"journal":1,"lineage":"…","serial":N}`); every further line is a [`JournalEntry`].
//! Folding applies the entries in order to the state with that lineage and serial.
//!
//! Invariants:
//! - the header is complete before the journal exists (it is written to a temporary file,
//!   fsynced and renamed into place);
//! - an entry whose `append` returned is on disk;
//! - only the last line can be torn (a process killed mid-append); it is ignored on reading.
//!   Any other unreadable line is corruption.

use super::error::StateError;
use super::local::{fsync_dir, write_new_file};
use super::{MigrationRecord, OutputState, ResourceState, State};
use crate::addr::ResourceInstanceAddr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Journal format version, in the header.
pub const JOURNAL_VERSION: u32 = 1;

/// The first line of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHeader {
    pub journal: u32,
    pub lineage: String,
    /// The serial of the state the entries apply to.
    pub serial: u64,
}

/// One change to the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JournalEntry {
    /// Insert or replace a resource instance.
    Upsert { resource: ResourceState },
    /// Remove a resource instance (no-op when absent).
    Remove {
        #[serde(with = "addr_string")]
        address: ResourceInstanceAddr,
    },
    /// Replace all root module outputs.
    SetOutputs {
        outputs: BTreeMap<String, OutputState>,
    },
    /// Append a migration history record.
    AddMigration { record: MigrationRecord },
    /// Replace one migration block's history records with the database's whole history.
    SetMigrations {
        migration: String,
        records: Vec<MigrationRecord>,
    },
}

impl JournalEntry {
    /// Applies the entry to `state`.
    pub fn apply(&self, state: &mut State) {
        match self {
            JournalEntry::Upsert { resource } => state.upsert(resource.clone()),
            JournalEntry::Remove { address } => {
                state.remove(address);
            }
            JournalEntry::SetOutputs { outputs } => state.outputs = outputs.clone(),
            JournalEntry::AddMigration { record } => state.migrations.push(record.clone()),
            JournalEntry::SetMigrations { migration, records } => {
                state.migrations.retain(|r| &r.migration != migration);
                state.migrations.extend(records.iter().cloned());
            }
        }
    }
}

/// A journal's readable content.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContent {
    /// `None` when the file is empty (it never is when written by Terrace).
    pub header: Option<JournalHeader>,
    pub entries: Vec<JournalEntry>,
    /// True when a torn last line was ignored.
    pub torn_tail: bool,
}

/// Reads a journal; `Ok(None)` when there is none.
pub fn read_journal(path: &Path) -> Result<Option<JournalContent>, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::io(path, e)),
    };
    parse_journal(path, &bytes).map(Some)
}

fn parse_journal(path: &Path, bytes: &[u8]) -> Result<JournalContent, StateError> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // A complete file ends with '\n', leaving an empty final piece.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let corrupt = |line: usize, reason: String| StateError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("line {line}: {reason}"),
    };
    let mut out = JournalContent {
        header: None,
        entries: Vec::new(),
        torn_tail: false,
    };
    let n = lines.len();
    for (i, raw) in lines.into_iter().enumerate() {
        let last = i + 1 == n;
        let parsed: Result<serde_json::Value, String> = std::str::from_utf8(raw)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(s).map_err(|e| e.to_string()));
        let value = match parsed {
            Ok(v) => v,
            Err(_) if last => {
                out.torn_tail = true;
                break;
            }
            Err(e) => return Err(corrupt(i + 1, e)),
        };
        if i == 0 {
            let h: JournalHeader = serde_json::from_value(value)
                .map_err(|e| corrupt(1, format!("invalid journal header: {e}")))?;
            if h.journal != JOURNAL_VERSION {
                return Err(corrupt(
                    1,
                    format!(
                        "journal format version {} is not supported (this build reads {JOURNAL_VERSION})",
                        h.journal
                    ),
                ));
            }
            out.header = Some(h);
        } else {
            let e: JournalEntry =
                serde_json::from_value(value).map_err(|e| corrupt(i + 1, e.to_string()))?;
            out.entries.push(e);
        }
    }
    Ok(out)
}

/// An open journal for incremental writes; see the module documentation. With the S3
/// backend there is no journal file: every append writes the whole state conditionally
/// ("frequent conditional writes"), so what an append recorded is in S3 when it returns.
#[derive(Debug)]
pub struct Journal {
    /// The state with every appended entry applied.
    pub(crate) current: State,
    pub(crate) appended: usize,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    File {
        file: File,
        path: PathBuf,
        backend: super::LocalBackend,
        /// Set when an append failed midway: the file may end in a torn line, so nothing
        /// more may be appended after it.
        poisoned: bool,
    },
    /// One S3 object per entry (see `s3_journal`); `seq` numbers the next one.
    Remote { backend: super::S3Backend, seq: u64 },
}

impl Journal {
    /// Creates the journal for `state` (which is already on disk with this serial).
    pub(crate) fn create(
        backend: &super::LocalBackend,
        state: &State,
    ) -> Result<Journal, StateError> {
        let path = backend.journal_path();
        let header = JournalHeader {
            journal: JOURNAL_VERSION,
            lineage: state.lineage.clone(),
            serial: state.serial,
        };
        let mut text = serde_json::to_string(&header).unwrap_or_default();
        text.push('\n');
        write_new_file(&path, text.as_bytes())?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| StateError::io(&path, e))?;
        Ok(Journal {
            current: state.clone(),
            appended: 0,
            sink: Sink::File {
                file,
                path,
                backend: backend.clone(),
                poisoned: false,
            },
        })
    }

    /// A journal writing through to S3 on top of `state` (already written there).
    pub(crate) fn remote(backend: &super::S3Backend, state: &State) -> Journal {
        Journal {
            current: state.clone(),
            appended: 0,
            sink: Sink::Remote {
                backend: backend.clone(),
                seq: 0,
            },
        }
    }

    /// Appends one entry; when this returns `Ok`, the entry survives a crash (fsynced to the
    /// journal file, or written to S3 as a journal segment).
    pub fn append(&mut self, entry: &JournalEntry) -> Result<(), StateError> {
        match &mut self.sink {
            Sink::File {
                file,
                path,
                poisoned,
                ..
            } => {
                if *poisoned {
                    return Err(StateError::io(
                        &*path,
                        std::io::Error::other(
                            "an earlier append failed; the journal takes no more entries",
                        ),
                    ));
                }
                let mut line = serde_json::to_vec(entry).map_err(|e| StateError::Corrupt {
                    path: path.clone(),
                    reason: format!("cannot encode entry: {e}"),
                })?;
                line.push(b'\n');
                if let Err(e) = file.write_all(&line).and_then(|()| file.sync_data()) {
                    *poisoned = true;
                    return Err(StateError::io(&*path, e));
                }
                entry.apply(&mut self.current);
            }
            Sink::Remote { backend, seq } => {
                backend.put_segment(&self.current, *seq, entry)?;
                *seq += 1;
                entry.apply(&mut self.current);
            }
        }
        self.appended += 1;
        Ok(())
    }

    /// The state with every appended entry applied.
    pub fn state(&self) -> &State {
        &self.current
    }

    /// How many entries were appended.
    pub fn len(&self) -> usize {
        self.appended
    }

    pub fn is_empty(&self) -> bool {
        self.appended == 0
    }

    /// The journal file, or the S3 location of the state.
    pub fn path(&self) -> &Path {
        match &self.sink {
            Sink::File { path, .. } => path,
            Sink::Remote { backend, .. } => backend.path(),
        }
    }

    /// Writes the folded state (serial + 1 when it changed), removes the journal and sets
    /// `*state` to the written state. `*state`'s previous content is replaced: the result is
    /// the state the journal was opened with plus every appended entry.
    pub fn finish(self, state: &mut State) -> Result<(), StateError> {
        let Journal {
            mut current, sink, ..
        } = self;
        match sink {
            Sink::File {
                file,
                path,
                backend,
                ..
            } => {
                drop(file);
                backend.write_unchecked(&mut current)?;
                remove_journal(&path)?;
            }
            Sink::Remote { backend, seq } => {
                let opened = current.serial;
                backend.write(&mut current)?;
                // Folded: the segments are now redundant (a failed delete is retried by the
                // next load, which ignores segments older than the state).
                let keys: Vec<String> = (0..seq).map(|i| backend.segment_key(opened, i)).collect();
                if let Err(e) = backend.delete_keys(&keys) {
                    tracing::warn!("could not delete the S3 journal segments: {e}");
                }
                let (requests, written, read) = backend.traffic();
                tracing::debug!(
                    requests,
                    bytes_written = written,
                    bytes_read = read,
                    "S3 state traffic"
                );
            }
        }
        *state = current;
        Ok(())
    }
}

/// Removes a journal and makes the removal durable.
pub(crate) fn remove_journal(path: &Path) -> Result<(), StateError> {
    match std::fs::remove_file(path) {
        Ok(()) => fsync_dir(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StateError::io(path, e)),
    }
}

mod addr_string {
    use crate::addr::ResourceInstanceAddr;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(a: &ResourceInstanceAddr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceInstanceAddr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        r#"{"journal":1,"lineage":"l","serial":3}"#.to_string()
    }

    fn rm(addr: &str) -> String {
        format!(r#"{{"op":"remove","address":"{addr}"}}"#)
    }

    #[test]
    fn torn_last_line_is_ignored() {
        let p = Path::new("s.journal");
        let text = format!(
            "{}\n{}\n{}",
            header(),
            rm("aws_vpc.a"),
            &rm("aws_vpc.b")[..10]
        );
        let c = parse_journal(p, text.as_bytes()).unwrap();
        assert_eq!(c.entries.len(), 1);
        assert!(c.torn_tail);
        // A complete last line without its newline is still read.
        let text = format!("{}\n{}", header(), rm("aws_vpc.a"));
        let c = parse_journal(p, text.as_bytes()).unwrap();
        assert_eq!(c.entries.len(), 1);
        assert!(!c.torn_tail);
        // A torn header: no header, no entries.
        let c = parse_journal(p, b"{\"jour").unwrap();
        assert_eq!(c.header, None);
        assert!(c.entries.is_empty());
    }

    #[test]
    fn bad_middle_line_is_corruption_naming_file_and_line() {
        let p = Path::new("state/default.tfstate.json.journal");
        let text = format!(
            "{}\n{}\nnot json\n{}\n",
            header(),
            rm("aws_vpc.a"),
            rm("aws_vpc.b")
        );
        let e = parse_journal(p, text.as_bytes()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("state/default.tfstate.json.journal is corrupt: line 3:"),
            "{msg}"
        );
        let text = format!(
            "{}\n{{\"op\":\"explode\"}}\n{}\n",
            header(),
            rm("aws_vpc.b")
        );
        let msg = parse_journal(p, text.as_bytes()).unwrap_err().to_string();
        assert!(msg.contains("line 2:"), "{msg}");
        let msg = parse_journal(p, b"{\"journal\":9,\"lineage\":\"l\",\"serial\":1}\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 1: journal format version 9"), "{msg}");
    }

    #[test]
    fn entries_round_trip() {
        let e = JournalEntry::Remove {
            address: "module.a[\"x\"].aws_subnet.b[2]".parse().unwrap(),
        };
        let s = serde_json::to_string(&e).unwrap();
        assert_eq!(
            s,
            r#"{"op":"remove","address":"module.a[\"x\"].aws_subnet.b[2]"}"#
        );
        assert_eq!(serde_json::from_str::<JournalEntry>(&s).unwrap(), e);
    }
}
