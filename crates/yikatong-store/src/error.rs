//! The one error type of the store.

use crate::Expected;

/// Everything that can go wrong in the store. A refused command writes nothing and
/// leaves the store's state as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite could not read or write the store file (locked too long, disk full, …).
    #[error("the store file could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Another writer changed the stream since the caller read it: an optimistic
    /// concurrency conflict. Nothing was written.
    #[error(
        "stream {stream:?} is at version {actual} but the command expected {expected}: \
         someone else changed it first; reload, check the change and decide again"
    )]
    Conflict {
        /// The stream the command writes to.
        stream: String,
        /// The version the command expected.
        expected: Expected,
        /// The version the stream has.
        actual: u64,
    },
    /// A command id was used before for a different command (another stream or other
    /// content). Ids are like payment references: one id, one command.
    #[error(
        "command id {command_id:?} was already used for a different command (on stream \
         {stream:?}); a retry must repeat the same command, a new command needs a new id"
    )]
    CommandReused {
        /// The id given.
        command_id: String,
        /// The stream of the command first recorded under it.
        stream: String,
    },
    /// A command id that is empty or blank.
    #[error(
        "the command id is blank: give every command an id that names it (e.g. \"prepare-2026-11\")"
    )]
    BlankCommandId,
    /// The domain refused the command (the core's error says which rule and value).
    #[error(transparent)]
    Domain(#[from] yikatong_core::Error),
    /// A roster the command needs is not in the store.
    #[error("roster {roster_id:?} is not in the store: save it first")]
    UnknownRoster {
        /// The roster's id.
        roster_id: String,
    },
    /// A roster has no review yet.
    #[error("roster {roster_id:?} has no review: open one first")]
    NoReview {
        /// The roster's id.
        roster_id: String,
    },
    /// A review is opened twice.
    #[error("roster {roster_id:?} already has a review (status {status})")]
    ReviewExists {
        /// The roster's id.
        roster_id: String,
        /// Where the existing review stands.
        status: yikatong_core::ReviewStatus,
    },
    /// A roster approved by finance is frozen (DESIGN.md invariant 3).
    #[error(
        "roster {roster_id:?} was approved by finance with content hash {frozen}; it cannot \
         change: record the change as a new supplementary roster"
    )]
    RosterFrozen {
        /// The roster's id.
        roster_id: String,
        /// The content hash recorded at approval.
        frozen: String,
    },
    /// A journal row is damaged or out of order: the file was changed outside the store.
    #[error("journal event {seq} is damaged: {detail}; run verify() and restore from a backup")]
    Corrupt {
        /// The event's sequence number.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// The file was written by a newer version of this library.
    #[error(
        "the store file has schema version {found}; this library reads up to {supported}: \
         upgrade the library"
    )]
    SchemaVersion {
        /// The file's schema version.
        found: i64,
        /// The newest this library knows.
        supported: i64,
    },
    /// A value could not be encoded or decoded as JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading or writing an export failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A line of a JSON Lines export that is not in the documented format.
    #[error("export line {line}: {detail}")]
    Export {
        /// The line number, from 1.
        line: u64,
        /// What is wrong with it.
        detail: String,
    },
}
