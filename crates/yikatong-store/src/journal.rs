//! The journal: entries, their envelopes, the hash chain and the JSON Lines export.
//!
//! Event `n` stores `hash_n = SHA-256(hash_{n-1} ‖ body_n)`, with `hash_0` 32 zero
//! bytes and `body_n` the envelope's compact JSON exactly as stored. Changing,
//! deleting, inserting or reordering an event breaks the chain at that event.

use std::fmt;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use yikatong_core::{PaymentEvent, Register, ReviewEvent, Roster};

use crate::StoreError;

/// The hash before the first event: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// The stream of the register.
pub const REGISTER_STREAM: &str = "register";
/// The stream of the payment ledger.
pub const PAYMENTS_STREAM: &str = "payments";

/// The stream of roster `roster_id`: `roster/<id>`.
pub fn roster_stream(roster_id: &str) -> String {
    format!("roster/{roster_id}")
}

/// The stream of the review of roster `roster_id`: `review/<id>`.
pub fn review_stream(roster_id: &str) -> String {
    format!("review/{roster_id}")
}

/// One journal entry: what a command changed. Serde: externally tagged,
/// e.g. `{"payment":{"event":{…}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Entry {
    /// The register (people, households, banks, agreements, cards), saved whole.
    RegisterSaved {
        /// The register as saved.
        register: Register,
    },
    /// A roster, saved whole (a new roster or a changed one while it may change).
    RosterSaved {
        /// The roster as saved.
        roster: Roster,
    },
    /// An event of a roster's review.
    Review {
        /// The roster reviewed.
        roster_id: String,
        /// The event.
        event: ReviewEvent,
    },
    /// An event of the payment ledger.
    Payment {
        /// The event.
        event: PaymentEvent,
    },
}

impl Entry {
    /// The stream the entry belongs to.
    pub fn stream(&self) -> String {
        match self {
            Entry::RegisterSaved { .. } => REGISTER_STREAM.to_owned(),
            Entry::RosterSaved { roster } => roster_stream(roster.id()),
            Entry::Review { roster_id, .. } => review_stream(roster_id),
            Entry::Payment { .. } => PAYMENTS_STREAM.to_owned(),
        }
    }

    /// The entry's kind as in serde: `register_saved`, `roster_saved`, `review`, `payment`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::RegisterSaved { .. } => "register_saved",
            Entry::RosterSaved { .. } => "roster_saved",
            Entry::Review { .. } => "review",
            Entry::Payment { .. } => "payment",
        }
    }
}

/// An entry with its place in the journal; its compact JSON is the hashed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Position in the whole journal, from 1.
    pub seq: u64,
    /// The stream.
    pub stream: String,
    /// Position in the stream, from 1 (the stream's version after this event).
    pub version: u64,
    /// The command that made it.
    pub command_id: String,
    /// What changed.
    pub entry: Entry,
}

/// `SHA-256(previous ‖ body)`.
pub fn link_hash(previous: &[u8; 32], body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(body);
    hasher.finalize().into()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 15)] as char);
    }
    text
}

/// Reads 64 hex digits.
pub(crate) fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        out[i] = (high * 16 + low) as u8;
    }
    Some(out)
}

/// The request digest of a command: SHA-256 of its JSON with object keys sorted,
/// so that the same command gives the same digest whatever the order of a map.
pub(crate) fn request_digest(request: &serde_json::Value) -> String {
    let mut text = String::new();
    canonical_json(request, &mut text);
    hex(&Sha256::digest(text.as_bytes()))
}

fn canonical_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    canonical_json(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The last event of the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// Its sequence number (0: no event yet).
    pub seq: u64,
    /// Its hash ([`GENESIS`] when there is no event).
    pub hash: [u8; 32],
}

impl Head {
    /// The hash in lower-case hex.
    pub fn hash_hex(&self) -> String {
        hex(&self.hash)
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {} with hash {}", self.seq, self.hash_hex())
    }
}

/// The first place where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The first event that does not verify.
    pub seq: u64,
    /// The hash the chain says it must have (hex), or the value expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event {}: expected {}, found {}",
            self.seq, self.expected, self.found
        )
    }
}

/// What [`crate::Store::verify`] or [`verify_jsonl`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events checked.
    pub count: u64,
    /// The last verified hash (hex), the journal's head when intact.
    pub head: String,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

impl VerifyReport {
    /// Whether the whole chain verifies.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// One line of the JSON Lines export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    /// The event's sequence number.
    pub seq: u64,
    /// The previous event's hash, hex.
    pub prev_hash: String,
    /// This event's hash, hex: SHA-256 of the previous hash's bytes and `entry`'s UTF-8.
    pub hash: String,
    /// The envelope's compact JSON, exactly as hashed.
    pub entry: String,
}

/// Checks one link: the row's envelope names its own `seq` and the hash follows.
/// Returns the broken link, if any.
pub(crate) fn check_link(
    seq: u64,
    previous: &[u8; 32],
    body: &str,
    stored_hash: &str,
    columns: Option<(&str, u64)>,
) -> Option<BrokenLink> {
    let computed = hex(&link_hash(previous, body.as_bytes()));
    if computed != stored_hash {
        return Some(BrokenLink {
            seq,
            expected: computed,
            found: stored_hash.to_owned(),
        });
    }
    // The body must say where it belongs: a row moved elsewhere breaks here.
    match serde_json::from_str::<Envelope>(body) {
        Ok(envelope) => {
            if envelope.seq != seq {
                return Some(BrokenLink {
                    seq,
                    expected: format!("seq {seq}"),
                    found: format!("seq {}", envelope.seq),
                });
            }
            if envelope.stream != envelope.entry.stream() {
                return Some(BrokenLink {
                    seq,
                    expected: format!("stream {}", envelope.entry.stream()),
                    found: format!("stream {}", envelope.stream),
                });
            }
            if let Some((stream, version)) = columns
                && (stream != envelope.stream || version != envelope.version)
            {
                return Some(BrokenLink {
                    seq,
                    expected: format!("{} v{}", envelope.stream, envelope.version),
                    found: format!("{stream} v{version}"),
                });
            }
            None
        }
        Err(error) => Some(BrokenLink {
            seq,
            expected: "an envelope".to_owned(),
            found: format!("unreadable body ({error})"),
        }),
    }
}

/// Writes one export line.
pub(crate) fn write_export_line<W: Write>(
    writer: &mut W,
    seq: u64,
    previous: &[u8; 32],
    hash: &str,
    body: &str,
) -> Result<(), StoreError> {
    let line = ExportLine {
        seq,
        prev_hash: hex(previous),
        hash: hash.to_owned(),
        entry: body.to_owned(),
    };
    serde_json::to_writer(&mut *writer, &line)?;
    writer.write_all(b"\n")?;
    Ok(())
}

/// Verifies a JSON Lines export ([`crate::Store::export_jsonl`]) on its own: sequence
/// numbers 1, 2, 3, …, each `prev_hash` the hash of the line before (zeros first),
/// each `hash` the SHA-256 of `prev_hash`'s bytes and `entry`'s UTF-8 bytes, each
/// entry naming its own `seq`. A line that is not JSON of that shape is an error;
/// a broken link is reported.
pub fn verify_jsonl<R: BufRead>(reader: R) -> Result<VerifyReport, StoreError> {
    let mut previous = GENESIS;
    let mut count = 0u64;
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        let number = index as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ExportLine =
            serde_json::from_str(&line).map_err(|error| StoreError::Export {
                line: number,
                detail: error.to_string(),
            })?;
        let broken = if parsed.seq != count + 1 {
            Some(BrokenLink {
                seq: count + 1,
                expected: format!("seq {}", count + 1),
                found: format!("seq {}", parsed.seq),
            })
        } else if parsed.prev_hash != hex(&previous) {
            Some(BrokenLink {
                seq: parsed.seq,
                expected: format!("prev_hash {}", hex(&previous)),
                found: format!("prev_hash {}", parsed.prev_hash),
            })
        } else {
            check_link(parsed.seq, &previous, &parsed.entry, &parsed.hash, None)
        };
        if let Some(broken) = broken {
            return Ok(VerifyReport {
                count,
                head: hex(&previous),
                broken: Some(broken),
            });
        }
        previous = parse_hash(&parsed.hash).ok_or_else(|| StoreError::Export {
            line: number,
            detail: format!("hash {:?} is not 64 hex digits", parsed.hash),
        })?;
        count += 1;
    }
    Ok(VerifyReport {
        count,
        head: hex(&previous),
        broken: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_digest_ignores_key_order() {
        let a = serde_json::json!({"b": 1, "a": {"y": [1, 2], "x": "z"}});
        let b = serde_json::json!({"a": {"x": "z", "y": [1, 2]}, "b": 1});
        assert_eq!(request_digest(&a), request_digest(&b));
        let c = serde_json::json!({"a": {"x": "z", "y": [2, 1]}, "b": 1});
        assert_ne!(request_digest(&a), request_digest(&c));
    }

    #[test]
    fn hex_round_trips() {
        let hash = link_hash(&GENESIS, b"abc");
        assert_eq!(parse_hash(&hex(&hash)), Some(hash));
        assert_eq!(parse_hash("zz"), None);
    }
}
