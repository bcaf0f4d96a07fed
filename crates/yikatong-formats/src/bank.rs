//! What the bank-file writers give back, and how they write: in chunks, straight to
//! the caller's writer, hashing each chunk on the way, so a file of millions of lines
//! needs neither a buffer of its size nor a second pass to hash it.

use std::io::Write;

use sha2::{Digest, Sha256};
use yikatong_core::lower_hex;

use crate::FormatError;

/// A bank file written for a batch: its bytes, their SHA-256 (recorded by the
/// ledger when the batch is exported) and a file name to save it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFile {
    /// A name to save the file under, e.g. `GLJT-2026-11-150422-NXS-01.txt`.
    pub file_name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The SHA-256 of `bytes`, 64 lower-case hex digits.
    pub sha256: String,
    /// Detail lines (instructions) written.
    pub lines: usize,
}

/// What writing a bank file to a writer produced (the bytes went to the writer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// A name to save the file under.
    pub file_name: String,
    /// The SHA-256 of the bytes written, 64 lower-case hex digits.
    pub sha256: String,
    /// Detail lines (instructions) written.
    pub lines: usize,
    /// Bytes written.
    pub size: u64,
}

impl WrittenFile {
    /// The in-memory file, given the bytes that were written.
    pub(crate) fn with_bytes(self, bytes: Vec<u8>) -> BankFile {
        BankFile {
            file_name: self.file_name,
            bytes,
            sha256: self.sha256,
            lines: self.lines,
        }
    }
}

/// A chunk is handed on once it holds this much: small enough to stay in cache
/// while it is hashed.
const CHUNK: usize = 1 << 17;

/// Room for a full chunk and the line that overfills it.
pub(crate) const CHUNK_CAPACITY: usize = CHUNK + 4096;

/// Passes chunks of a file to a writer and into its SHA-256.
pub(crate) struct Digesting<'w> {
    sink: &'w mut dyn Write,
    hasher: Sha256,
    size: u64,
}

impl<'w> Digesting<'w> {
    pub(crate) fn new(sink: &'w mut dyn Write) -> Digesting<'w> {
        Digesting {
            sink,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// Hands on `chunk` (and empties it) once it is full.
    pub(crate) fn pass_full(&mut self, chunk: &mut Vec<u8>) -> Result<(), FormatError> {
        if chunk.len() >= CHUNK {
            self.pass(chunk)?;
        }
        Ok(())
    }

    /// Hands on `chunk` and empties it.
    pub(crate) fn pass(&mut self, chunk: &mut Vec<u8>) -> Result<(), FormatError> {
        self.hasher.update(chunk.as_slice());
        self.sink
            .write_all(chunk)
            .map_err(|error| FormatError::Write {
                reason: error.to_string(),
            })?;
        self.size += chunk.len() as u64;
        chunk.clear();
        Ok(())
    }

    /// The last chunk handed on, the file described.
    pub(crate) fn finish(
        mut self,
        chunk: &mut Vec<u8>,
        file_name: String,
        lines: usize,
    ) -> Result<WrittenFile, FormatError> {
        self.pass(chunk)?;
        self.sink.flush().map_err(|error| FormatError::Write {
            reason: error.to_string(),
        })?;
        Ok(WrittenFile {
            file_name,
            sha256: lower_hex(&self.hasher.finalize()),
            lines,
            size: self.size,
        })
    }

    /// A chunk buffer of the right size.
    pub(crate) fn chunk() -> Vec<u8> {
        Vec::with_capacity(CHUNK_CAPACITY)
    }
}
