//! The state the journal replays to: the register, the rosters, their reviews and
//! the payment ledger, with each stream's version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use yikatong_core::{PaymentEvent, PaymentLedger, Register, Review, ReviewEvent, Roster};

use crate::StoreError;
use crate::journal::{Entry, Envelope, Head, hex, parse_hash};

/// Everything the journal holds, rebuilt by replay. Read it through
/// [`crate::Store::state`]; only the store changes it.
#[derive(Debug, Clone, Default)]
pub struct State {
    register: Register,
    rosters: BTreeMap<String, Roster>,
    reviews: BTreeMap<String, Review>,
    ledger: PaymentLedger,
    versions: BTreeMap<String, u64>,
    head: Head,
}

/// Two states are equal when their content and versions are: the head's hash is
/// left out, since a register saved twice may serialise its maps in another order.
impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.head.seq == other.head.seq
            && self.versions == other.versions
            && self.register == other.register
            && self.rosters == other.rosters
            && self.reviews == other.reviews
            && self.ledger == other.ledger
    }
}

impl State {
    /// The register (empty until saved).
    pub fn register(&self) -> &Register {
        &self.register
    }

    /// A roster by id.
    pub fn roster(&self, roster_id: &str) -> Option<&Roster> {
        self.rosters.get(roster_id)
    }

    /// Every roster, by id.
    pub fn rosters(&self) -> impl Iterator<Item = &Roster> + '_ {
        self.rosters.values()
    }

    /// A roster's review.
    pub fn review(&self, roster_id: &str) -> Option<&Review> {
        self.reviews.get(roster_id)
    }

    /// The payment ledger.
    pub fn ledger(&self) -> &PaymentLedger {
        &self.ledger
    }

    /// A stream's version: the number of its events (0 for a stream without any).
    pub fn version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    /// The last event applied.
    pub fn head(&self) -> Head {
        self.head
    }

    pub(crate) fn ledger_mut(&mut self) -> &mut PaymentLedger {
        &mut self.ledger
    }

    /// Applies the next event; `domain` false when its effect is already in the
    /// state (the ledger's `receive` applies as it reconciles). Checks that it is the
    /// next one, in the journal and in its stream.
    pub(crate) fn apply(
        &mut self,
        envelope: &Envelope,
        hash: [u8; 32],
        domain: bool,
    ) -> Result<(), StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            seq: envelope.seq,
            detail,
        };
        if envelope.seq != self.head.seq + 1 {
            return Err(corrupt(format!("expected event {}", self.head.seq + 1)));
        }
        let stream = envelope.entry.stream();
        let version = self.version(&stream);
        if envelope.stream != stream || envelope.version != version + 1 {
            return Err(corrupt(format!(
                "expected {stream} version {}, found {} version {}",
                version + 1,
                envelope.stream,
                envelope.version
            )));
        }
        if domain {
            match &envelope.entry {
                Entry::RegisterSaved { register } => self.register = register.clone(),
                Entry::RosterSaved { roster } => {
                    self.rosters.insert(roster.id().to_owned(), roster.clone());
                }
                Entry::Review { roster_id, event } => {
                    if let Some(review) = self.reviews.get_mut(roster_id) {
                        review.apply(event);
                    } else {
                        let review = Review::replay([event])
                            .map_err(|error| corrupt(format!("review stream: {error}")))?;
                        self.reviews.insert(roster_id.clone(), review);
                    }
                }
                Entry::Payment { event } => self.ledger.apply(event),
            }
        }
        self.versions.insert(stream, envelope.version);
        self.head = Head {
            seq: envelope.seq,
            hash,
        };
        Ok(())
    }

    /// The snapshot of this state; `payments` are the ledger's events (the ledger's
    /// indexes are rebuilt from them in one pass).
    pub(crate) fn snapshot<'a>(&'a self, payments: &'a [PaymentEvent]) -> SnapshotRef<'a> {
        SnapshotRef {
            seq: self.head.seq,
            hash: hex(&self.head.hash),
            versions: &self.versions,
            register: &self.register,
            rosters: &self.rosters,
            reviews: self
                .reviews
                .iter()
                .map(|(id, review)| (id.as_str(), review.history()))
                .collect(),
            payments,
        }
    }

    /// The state a snapshot holds.
    pub(crate) fn from_snapshot(snapshot: Snapshot) -> Result<State, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            seq: snapshot.seq,
            detail: format!("snapshot: {detail}"),
        };
        let hash = parse_hash(&snapshot.hash).ok_or_else(|| corrupt("bad hash".to_owned()))?;
        let mut reviews = BTreeMap::new();
        for (id, history) in &snapshot.reviews {
            let review = Review::replay(history)
                .map_err(|error| corrupt(format!("review {id}: {error}")))?;
            reviews.insert(id.clone(), review);
        }
        Ok(State {
            ledger: PaymentLedger::replay(&snapshot.payments),
            register: snapshot.register,
            rosters: snapshot.rosters,
            reviews,
            versions: snapshot.versions,
            head: Head {
                seq: snapshot.seq,
                hash,
            },
        })
    }
}

/// A snapshot as written.
#[derive(Serialize)]
pub(crate) struct SnapshotRef<'a> {
    seq: u64,
    hash: String,
    versions: &'a BTreeMap<String, u64>,
    register: &'a Register,
    rosters: &'a BTreeMap<String, Roster>,
    reviews: BTreeMap<&'a str, &'a [ReviewEvent]>,
    payments: &'a [PaymentEvent],
}

/// A snapshot as read.
#[derive(Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) seq: u64,
    pub(crate) hash: String,
    versions: BTreeMap<String, u64>,
    register: Register,
    rosters: BTreeMap<String, Roster>,
    reviews: BTreeMap<String, Vec<ReviewEvent>>,
    payments: Vec<PaymentEvent>,
}
