//! What the bank-file writers give back: the bytes and their SHA-256.

use yikatong_core::sha256_hex;

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

impl BankFile {
    /// Wraps finished bytes, hashing them.
    pub fn new(file_name: String, bytes: Vec<u8>, lines: usize) -> BankFile {
        let sha256 = sha256_hex(&bytes);
        BankFile {
            file_name,
            bytes,
            sha256,
            lines,
        }
    }
}
