//! The S3 journal: while an apply runs, every finished resource is one small object
//! `<state key>.journal/<serial>/<seq>.json` beside the state, instead of a rewrite of the
//! whole state. The apply's end writes the folded state (conditionally, as every write) and
//! deletes the segments; a run killed before that leaves them, and the next load folds them.
//!
//! A segment holds two JSON lines, as the local journal file: a [`JournalHeader`] naming the
//! state it extends (lineage and serial), then one [`JournalEntry`].
//!
//! Invariants:
//! - segments are written only by the lock holder, after the state they extend is stored,
//!   each with `If-None-Match: *` (a segment is never replaced);
//! - a segment whose `put_segment` returned is in S3;
//! - segments of a serial older than the stored state were folded already (only their
//!   deletion was lost) and are ignored; segments of the stored serial are folded in `seq`
//!   order; segments of a newer serial, or another lineage, are corruption;
//! - bytes written per apply grow with the number of resources changed (each record once,
//!   plus the folded state at the end), not with its square.

use super::error::StateError;
use super::journal::{JournalEntry, JournalHeader, JOURNAL_VERSION};
use super::s3::{error_text, S3Backend};
use super::State;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use std::sync::atomic::Ordering;

/// DeleteObjects takes at most this many keys.
const DELETE_BATCH: usize = 1000;

/// One segment's place, from its key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SegmentKey {
    pub serial: u64,
    pub seq: u64,
    pub key: String,
}

/// What a load found beside the state object.
#[derive(Debug, Default)]
pub(crate) struct Segments {
    /// Segments extending the stored serial, in order.
    pub current: Vec<SegmentKey>,
    /// Segments of older serials: folded already, to delete.
    pub stale: Vec<SegmentKey>,
}

impl S3Backend {
    /// `<state key>.journal/`.
    pub(crate) fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    pub(crate) fn segment_key(&self, serial: u64, seq: u64) -> String {
        format!("{}{serial}/{seq:08}.json", self.journal_prefix())
    }

    /// Every segment key under the journal prefix, sorted by (serial, seq). Keys that are not
    /// segments are ignored.
    pub(crate) fn list_segments(&self) -> Result<Vec<SegmentKey>, StateError> {
        let prefix = self.journal_prefix();
        let mut out: Vec<SegmentKey> = self
            .list_keys(&prefix)?
            .into_iter()
            .filter_map(|key| {
                let rest = key.strip_prefix(&prefix)?.strip_suffix(".json")?;
                let (serial, seq) = rest.split_once('/')?;
                Some(SegmentKey {
                    serial: serial.parse().ok()?,
                    seq: seq.parse().ok()?,
                    key,
                })
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Sorts the listed segments against the stored state's serial. `Err(newer serial)` when
    /// a segment extends a serial newer than `serial`.
    pub(crate) fn classify(listed: Vec<SegmentKey>, serial: Option<u64>) -> Result<Segments, u64> {
        let mut s = Segments::default();
        for k in listed {
            match serial {
                Some(n) if k.serial < n => s.stale.push(k),
                Some(n) if k.serial > n => return Err(k.serial),
                _ => s.current.push(k),
            }
        }
        if serial.is_none() {
            // No state object: only one serial's segments can be folded (the newest).
            if let Some(last) = s.current.last().map(|k| k.serial) {
                let (keep, old): (Vec<_>, Vec<_>) =
                    s.current.into_iter().partition(|k| k.serial == last);
                s.current = keep;
                s.stale = old;
            }
        }
        Ok(s)
    }

    /// Applies the segments `keys` (all of one serial, in order) to `state`, reading each.
    /// `state` is `None` when there is no state object (a new state with the segments'
    /// lineage and serial is made).
    pub(crate) fn fold_segments(
        &self,
        state: Option<State>,
        keys: &[SegmentKey],
    ) -> Result<Option<State>, StateError> {
        let mut state = state;
        for k in keys {
            let Some((_, bytes)) = self.get(&k.key)? else {
                // Deleted since the listing: the run that wrote it has folded it.
                continue;
            };
            let (header, entry) = parse_segment(&bytes).map_err(|reason| StateError::Corrupt {
                path: format!("s3://{}/{}", self.settings.bucket, k.key).into(),
                reason,
            })?;
            let s = state.get_or_insert_with(|| State {
                lineage: header.lineage.clone(),
                serial: header.serial,
                ..State::new()
            });
            if header.lineage != s.lineage || header.serial != k.serial {
                return Err(StateError::Corrupt {
                    path: format!("s3://{}/{}", self.settings.bucket, k.key).into(),
                    reason: format!(
                        "the journal segment extends lineage {} serial {}, but the state has lineage {} and the key says serial {}",
                        header.lineage, header.serial, s.lineage, k.serial
                    ),
                });
            }
            entry.apply(s);
        }
        Ok(state)
    }

    /// Writes segment `seq` of the journal extending `state` (already stored).
    pub(crate) fn put_segment(
        &self,
        state: &State,
        seq: u64,
        entry: &JournalEntry,
    ) -> Result<(), StateError> {
        let header = JournalHeader {
            journal: JOURNAL_VERSION,
            lineage: state.lineage.clone(),
            serial: state.serial,
        };
        let key = self.segment_key(state.serial, seq);
        let encode = |e: serde_json::Error| StateError::Corrupt {
            path: self.location.clone(),
            reason: format!("cannot encode a journal entry: {e}"),
        };
        let mut bytes = serde_json::to_vec(&header).map_err(encode)?;
        bytes.push(b'\n');
        bytes.extend(serde_json::to_vec(entry).map_err(encode)?);
        bytes.push(b'\n');
        self.traffic
            .bytes_written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let req = self.encrypted(
            self.client
                .put_object()
                .bucket(&self.settings.bucket)
                .key(&key)
                .content_type("application/x-ndjson")
                .if_none_match("*")
                .body(ByteStream::from(bytes)),
        );
        self.run(async move { req.send().await.map(|_| ()) })?
            .map_err(|e| self.remote_error("PutObject (journal segment)", error_text(&e)))
    }

    /// Deletes `keys` with DeleteObjects, a thousand per request.
    pub(crate) fn delete_keys(&self, keys: &[String]) -> Result<(), StateError> {
        for chunk in keys.chunks(DELETE_BATCH) {
            let ids = chunk
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.remote_error("DeleteObjects", e.to_string()))?;
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(|e| self.remote_error("DeleteObjects", e.to_string()))?;
            let req = self
                .client
                .delete_objects()
                .bucket(&self.settings.bucket)
                .delete(delete);
            let out = self
                .run(async move { req.send().await })?
                .map_err(|e| self.remote_error("DeleteObjects", error_text(&e)))?;
            if let Some(e) = out.errors().first() {
                return Err(self.remote_error(
                    "DeleteObjects",
                    format!(
                        "{}: {} ({} of {} keys not deleted)",
                        e.key().unwrap_or_default(),
                        e.message().or(e.code()).unwrap_or("error"),
                        out.errors().len(),
                        chunk.len()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A segment's header and entry.
fn parse_segment(bytes: &[u8]) -> Result<(JournalHeader, JournalEntry), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: JournalHeader = serde_json::from_str(lines.next().ok_or("empty segment")?)
        .map_err(|e| format!("unreadable journal header: {e}"))?;
    if header.journal != JOURNAL_VERSION {
        return Err(format!(
            "journal format {} is not supported (this Terrace reads {JOURNAL_VERSION})",
            header.journal
        ));
    }
    let entry: JournalEntry = serde_json::from_str(lines.next().ok_or("no entry")?)
        .map_err(|e| format!("unreadable journal entry: {e}"))?;
    Ok((header, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(serial: u64, seq: u64) -> SegmentKey {
        SegmentKey {
            serial,
            seq,
            key: format!("s.journal/{serial}/{seq:08}.json"),
        }
    }

    #[test]
    fn segments_are_sorted_against_the_stored_serial() {
        let s = S3Backend::classify(vec![k(3, 0), k(3, 1), k(4, 0), k(4, 1)], Some(4)).unwrap();
        assert_eq!(s.current, vec![k(4, 0), k(4, 1)]);
        assert_eq!(s.stale, vec![k(3, 0), k(3, 1)]);
        assert_eq!(
            S3Backend::classify(vec![k(4, 0), k(5, 0)], Some(4)).unwrap_err(),
            5
        );
        let s = S3Backend::classify(vec![k(1, 0), k(2, 0), k(2, 1)], None).unwrap();
        assert_eq!(s.current, vec![k(2, 0), k(2, 1)]);
        assert_eq!(s.stale, vec![k(1, 0)]);
    }

    #[test]
    fn a_segment_round_trips_and_bad_ones_are_refused() {
        let header = JournalHeader {
            journal: JOURNAL_VERSION,
            lineage: "l".into(),
            serial: 2,
        };
        let entry = JournalEntry::Remove {
            address: "aws_vpc.main".parse().unwrap(),
        };
        let text = format!(
            "{}\n{}\n",
            serde_json::to_string(&header).unwrap(),
            serde_json::to_string(&entry).unwrap()
        );
        assert_eq!(parse_segment(text.as_bytes()).unwrap(), (header, entry));
        assert!(parse_segment(b"").unwrap_err().contains("empty"));
        assert!(
            parse_segment(b"{\"journal\":9,\"lineage\":\"l\",\"serial\":1}\n{}")
                .unwrap_err()
                .contains("format 9")
        );
        assert!(
            parse_segment(b"{\"journal\":1,\"lineage\":\"l\",\"serial\":1}\n{\"op\":")
                .unwrap_err()
                .contains("unreadable journal entry")
        );
    }
}
