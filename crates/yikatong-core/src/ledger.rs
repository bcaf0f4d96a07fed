//! The payment ledger (发放台账): batches built from finance-approved rosters, their
//! files and results, the reconciliation (对账), the correction queue, reissues (补发),
//! returns (退票) and recoveries (扣回/追回).
//!
//! Two rules hold whatever the banks send, in whatever order, however often
//! (DESIGN.md invariants 1 and 2):
//!
//! - a payment id has at most one *counted* success; a second success (the bank paid
//!   a failed attempt after all, after a reissue went out) is a possible duplicate
//!   with a [`Recovery`];
//! - for every batch, instructed = settled + failed + pending, in count and in sum
//!   ([`PaymentLedger::batch_summary`]).
//!
//! Like the review, the ledger is a value changed only by [`PaymentEvent`]s: each
//! command is decided against the current state (refused commands change nothing)
//! and applied; replaying the events rebuilds the same ledger.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
use time::Date;

use crate::payment::{check_file_hash, fail};
use crate::register::FastMap;
use crate::{
    AgencyAgreement, Amount, BankResult, BankReturn, BatchKind, BatchStatus, FailureKind,
    FailureReason, InstructionId, MAX_ATTEMPTS, PayeeAccount, Payer, PaymentBatch, PaymentId,
    PaymentIdSeed, PaymentInstruction, PaymentRule, Period, RegionCode, RegionLevel, ResidentId,
    Result, ResultStatus, Review, ReviewStatus, Roster, SubsidyProject, WorkCalendar,
};

// ---------------------------------------------------------------------------
// Plans, events, commands

/// What a batch preparation needs besides the rosters.
#[derive(Debug, Clone, Copy)]
pub struct BatchPlan<'a> {
    /// The project paid; its deadline rule gives each batch's deadline.
    pub project: &'a SubsidyProject,
    /// The payer (finance account) of each county.
    pub payers: &'a BTreeMap<RegionCode, Payer>,
    /// The agency agreements: a bank pays in a county only under one.
    pub agreements: &'a [AgencyAgreement],
    /// The working-day calendar.
    pub calendar: &'a WorkCalendar,
    /// The day the batches are prepared.
    pub prepared_on: Date,
    /// Working days the bank needs between receiving a file and paying (T+n).
    pub lead_working_days: u32,
}

/// A recorded change of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentEvent {
    /// The day.
    #[serde(with = "crate::policy::iso_date")]
    pub on: Date,
    /// Who: the actor's id (a system for bank files).
    pub by: String,
    /// What changed.
    pub change: PaymentChange,
}

/// What a [`PaymentEvent`] changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PaymentChange {
    /// A batch was built.
    BatchPrepared {
        /// The batch, with its instructions.
        batch: Arc<PaymentBatch>,
    },
    /// Lines that cannot be sent (no account) went to the correction queue.
    LinesQueued {
        /// The queued lines.
        items: Vec<CorrectionItem>,
    },
    /// The batch's file was written; its hash is what the bank received.
    Exported {
        /// The batch.
        batch_id: String,
        /// The file's name.
        file_name: String,
        /// The file's SHA-256.
        sha256: String,
    },
    /// The bank accepted the file.
    Accepted {
        /// The batch.
        batch_id: String,
    },
    /// The bank refused the whole file.
    FileRejected {
        /// The batch.
        batch_id: String,
        /// Why.
        reason: FailureReason,
    },
    /// A batch not sent (prepared, or rejected) was withdrawn; its lines are
    /// ready for the next batch.
    BatchCancelled {
        /// The batch.
        batch_id: String,
    },
    /// A result file was recorded line by line.
    ResultsReceived {
        /// The file as read.
        bank_return: BankReturn,
    },
    /// The township fixed the account of a queued payment (verified with the bank).
    AccountCorrected {
        /// The payment.
        payment_id: PaymentId,
        /// The account to pay onto now.
        account: PayeeAccount,
    },
    /// A queued payment whose failure was not about the account goes again unchanged.
    Released {
        /// The payment.
        payment_id: PaymentId,
        /// Why it can go again (e.g. the payer's account was funded).
        note: String,
    },
    /// A queued payment will not be paid (e.g. the payee died before the period).
    PaymentCancelled {
        /// The payment.
        payment_id: PaymentId,
        /// Why.
        reason: String,
    },
    /// A settled batch was closed.
    Closed {
        /// The batch.
        batch_id: String,
    },
    /// A recovery (扣回/追回) was completed: the money is back.
    Recovered {
        /// The payment.
        payment_id: PaymentId,
        /// The attempt whose money was recovered.
        attempt: u8,
        /// How (e.g. 从下期补贴中扣回, 退回财政专户).
        note: String,
    },
}

/// A command to the ledger other than preparing batches and recording results.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum PaymentCommand {
    /// Record that the batch's file was written (and sent).
    Export {
        /// The batch.
        batch_id: String,
        /// The file's name.
        file_name: String,
        /// The file's SHA-256.
        sha256: String,
    },
    /// Record the bank's acceptance.
    Accept {
        /// The batch.
        batch_id: String,
    },
    /// Record the bank's refusal of the whole file.
    RejectFile {
        /// The batch.
        batch_id: String,
        /// Why.
        reason: FailureReason,
    },
    /// Withdraw a batch that was not sent.
    CancelBatch {
        /// The batch.
        batch_id: String,
    },
    /// Give a queued payment its corrected account.
    CorrectAccount {
        /// The payment.
        payment_id: PaymentId,
        /// The corrected account.
        account: PayeeAccount,
    },
    /// Send a queued payment again unchanged (its failure was not about the account).
    Release {
        /// The payment.
        payment_id: PaymentId,
        /// Why.
        note: String,
    },
    /// Stop a queued payment.
    CancelPayment {
        /// The payment.
        payment_id: PaymentId,
        /// Why.
        reason: String,
    },
    /// Close a settled batch.
    Close {
        /// The batch.
        batch_id: String,
    },
    /// Record that a recovery is done.
    RecordRecovery {
        /// The payment.
        payment_id: PaymentId,
        /// The duplicate attempt.
        attempt: u8,
        /// How the money came back.
        note: String,
    },
}

impl PaymentCommand {
    /// The command's serde name, for messages.
    pub const fn action(&self) -> &'static str {
        match self {
            PaymentCommand::Export { .. } => "export",
            PaymentCommand::Accept { .. } => "accept",
            PaymentCommand::RejectFile { .. } => "reject_file",
            PaymentCommand::CancelBatch { .. } => "cancel_batch",
            PaymentCommand::CorrectAccount { .. } => "correct_account",
            PaymentCommand::Release { .. } => "release",
            PaymentCommand::CancelPayment { .. } => "cancel_payment",
            PaymentCommand::Close { .. } => "close",
            PaymentCommand::RecordRecovery { .. } => "record_recovery",
        }
    }
}

// ---------------------------------------------------------------------------
// Correction queue and recoveries

/// A payment waiting in the township's correction queue (待修正).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionItem {
    /// The payment.
    pub payment_id: PaymentId,
    /// The project's code.
    pub project: String,
    /// The period.
    pub period: Period,
    /// The roster.
    pub roster_id: Arc<str>,
    /// The roster line.
    pub line_no: u32,
    /// The township that corrects it.
    pub township: RegionCode,
    /// Who is paid.
    pub payee: ResidentId,
    /// The person the line is for, when not the payee (see
    /// [`PaymentInstruction::beneficiary`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<ResidentId>,
    /// The amount.
    pub amount: Amount,
    /// The purpose text.
    pub purpose: Arc<str>,
    /// The account that failed (`None`: the line had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<PayeeAccount>,
    /// The last attempt sent (0: never sent).
    pub last_attempt: u8,
    /// Why it is here.
    pub reason: FailureReason,
    /// The day it was queued.
    #[serde(with = "crate::policy::iso_date")]
    pub queued_on: Date,
    /// What the township did.
    pub status: CorrectionStatus,
}

/// Where a queued payment stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum CorrectionStatus {
    /// Waiting for the township.
    Open,
    /// Ready for the next reissue batch, onto this account.
    Ready {
        /// The account to pay onto.
        account: PayeeAccount,
    },
    /// Will not be paid.
    Cancelled {
        /// Why.
        reason: String,
    },
}

/// A possible or confirmed duplicate payment and its recovery (扣回/追回).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// The payment.
    pub payment_id: PaymentId,
    /// The attempt whose money is to come back.
    pub attempt: u8,
    /// The attempt that counts as the payment.
    pub counted_attempt: u8,
    /// The amount.
    pub amount: Amount,
    /// The day it was opened.
    #[serde(with = "crate::policy::iso_date")]
    pub opened_on: Date,
    /// Where it stands.
    pub status: RecoveryStatus,
}

/// Where a recovery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStatus {
    /// The attempt is still out at the bank: if it settles, the money must come back.
    Watching,
    /// Both attempts were paid: recover this one's amount.
    Due,
    /// Recovered.
    Recovered,
    /// The attempt failed or its credit came back: nothing to recover.
    NotNeeded,
}

// ---------------------------------------------------------------------------
// Reports

/// A number of lines and their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Lines.
    pub count: u64,
    /// Their amounts, in fen.
    pub fen: i64,
}

impl Tally {
    fn add(&mut self, amount: Amount) {
        self.count += 1;
        self.fen += amount.to_fen();
    }

    /// The sum as an amount.
    pub fn sum(&self) -> Result<Amount> {
        Amount::from_fen(self.fen)
    }

    /// `self + other`.
    pub fn plus(self, other: Tally) -> Tally {
        Tally {
            count: self.count + other.count,
            fen: self.fen + other.fen,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yuan = self.fen / 100;
        let fen = self.fen % 100;
        write!(f, "{} lines, {yuan}.{fen:02} yuan", self.count)
    }
}

/// A batch's lines by outcome: instructed = settled + failed + pending.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BatchSummary {
    /// The batch.
    pub batch_id: String,
    /// Its status.
    pub status: BatchStatus,
    /// Every instruction.
    pub instructed: Tally,
    /// Paid and not returned.
    pub settled: Tally,
    /// Not paid: refused by the bank, returned after payment, or withdrawn unsent.
    pub failed: Tally,
    /// No final result yet.
    pub pending: Tally,
}

impl BatchSummary {
    /// Whether instructed = settled + failed + pending in count and in sum.
    pub fn balances(&self) -> bool {
        self.instructed == self.settled.plus(self.failed).plus(self.pending)
    }
}

/// How one result line was classified.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ResultClass {
    /// Paid.
    Settled,
    /// Not paid; the payment is in the correction queue (unless another attempt is out).
    Failed,
    /// Paid, then returned (退票); back to the correction queue.
    Returned,
    /// Paid after the bank had reported a failure, before any reissue went out.
    LateSuccess,
    /// A second payment for one id: a recovery is opened or confirmed.
    PossibleDuplicate,
    /// Still in progress at the bank.
    Pending,
    /// The file claims to answer the batch but has no line for this instruction.
    Missing,
    /// No such payment or attempt was sent (or not in the batch the file answers).
    Unknown,
    /// A success for another amount than instructed: not counted; investigate.
    AmountMismatch,
    /// A success naming another holder than instructed: not counted; investigate.
    NameMismatch,
    /// The same result again (a replayed file or a repeated line): nothing changes.
    DuplicateIdentical,
    /// A result contradicting an earlier one for the same attempt: the first is kept.
    Conflicting,
}

impl ResultClass {
    /// Every class, in order.
    pub const ALL: [ResultClass; 12] = [
        ResultClass::Settled,
        ResultClass::Failed,
        ResultClass::Returned,
        ResultClass::LateSuccess,
        ResultClass::PossibleDuplicate,
        ResultClass::Pending,
        ResultClass::Missing,
        ResultClass::Unknown,
        ResultClass::AmountMismatch,
        ResultClass::NameMismatch,
        ResultClass::DuplicateIdentical,
        ResultClass::Conflicting,
    ];

    /// Whether lines of the class need someone to look at them.
    pub const fn needs_attention(self) -> bool {
        !matches!(
            self,
            ResultClass::Settled
                | ResultClass::Failed
                | ResultClass::Pending
                | ResultClass::DuplicateIdentical
        )
    }
}

/// One line that needs attention, with why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// The line of the result file (0 for a missing line).
    pub line: u64,
    /// The reference.
    pub reference: InstructionId,
    /// The class.
    pub class: ResultClass,
    /// What was found, in words a clerk can act on.
    pub detail: String,
}

/// What recording one result file found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReconciliationReport {
    /// The file.
    pub source: String,
    /// The batch it answers, if known.
    pub batch_id: Option<String>,
    /// The file (same SHA-256) was recorded before: nothing changed.
    pub replayed: bool,
    /// The bank refused the whole file.
    pub file_rejected: Option<FailureReason>,
    /// Lines (and missing instructions) per class; sums are the instructed amounts
    /// (for unknown lines, the amount the bank states).
    pub tallies: BTreeMap<ResultClass, Tally>,
    /// Lines that need attention.
    pub findings: Vec<Finding>,
}

impl ReconciliationReport {
    /// The tally of `class` (zero if none).
    pub fn tally(&self, class: ResultClass) -> Tally {
        self.tallies.get(&class).copied().unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// State

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttemptState {
    Pending,
    Settled,
    Failed,
    Returned,
    Withdrawn,
}

const SEEN_SETTLED: u8 = 1;
const SEEN_FAILED: u8 = 2;
const SEEN_RETURNED: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outcome {
    state: AttemptState,
    seen: u8,
    failure: Option<FailureKind>,
    /// The day of the result that gave the attempt its state.
    since: Option<Date>,
}

impl Outcome {
    const PENDING: Outcome = Outcome {
        state: AttemptState::Pending,
        seen: 0,
        failure: None,
        since: None,
    };
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct BatchRecord {
    batch: Arc<PaymentBatch>,
    status: BatchStatus,
    cancelled: bool,
    exports: Vec<(String, String)>,
    outcomes: Vec<Outcome>,
    pending: usize,
    /// Where this batch's payments start in the payment records, when every one of
    /// them was new (a first sending): instruction `i` is record `start + i`.
    first_record: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Loc {
    batch: u32,
    index: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PaymentRecord {
    latest: Loc,
    /// Earlier attempts, boxed: most payments have none, and a smaller record keeps
    /// the map of a million payments smaller (one lookup per result line). A box
    /// is one pointer where a `Vec` is three.
    #[allow(clippy::box_collection)]
    earlier: Option<Box<Vec<Loc>>>,
    counted: Option<u8>,
}

impl PaymentRecord {
    fn locations(&self) -> impl Iterator<Item = Loc> + '_ {
        self.earlier
            .iter()
            .flat_map(|earlier| earlier.iter().copied())
            .chain(std::iter::once(self.latest))
    }
}

/// Every payment's record, in the order payments were first batched, found by id.
/// A first sending's records lie in its instructions' order, so a result file in
/// that order is matched record by record without a lookup (see `settle_in_order`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct PaymentIndex {
    by_id: FastMap<PaymentId, u32>,
    records: Vec<PaymentRecord>,
}

impl PaymentIndex {
    fn get(&self, payment_id: &PaymentId) -> Option<&PaymentRecord> {
        let &at = self.by_id.get(payment_id)?;
        self.records.get(at as usize)
    }

    fn get_mut(&mut self, payment_id: &PaymentId) -> Option<&mut PaymentRecord> {
        let &at = self.by_id.get(payment_id)?;
        self.records.get_mut(at as usize)
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    fn reserve(&mut self, additional: usize) {
        self.by_id.reserve(additional);
        self.records.reserve(additional);
    }

    /// Records an attempt at `loc`; whether the payment is new.
    fn add_attempt(&mut self, payment_id: PaymentId, loc: Loc) -> bool {
        match self.by_id.entry(payment_id) {
            std::collections::hash_map::Entry::Occupied(entry) => {
                if let Some(record) = self.records.get_mut(*entry.get() as usize) {
                    let previous = std::mem::replace(&mut record.latest, loc);
                    record.earlier.get_or_insert_default().push(previous);
                }
                false
            }
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(self.records.len() as u32);
                self.records.push(PaymentRecord {
                    latest: loc,
                    earlier: None,
                    counted: None,
                });
                true
            }
        }
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = (&PaymentId, &PaymentRecord)> + '_ {
        self.by_id
            .iter()
            .filter_map(|(id, &at)| Some((id, self.records.get(at as usize)?)))
    }
}

/// The payment ledger: every batch, attempt, result, queued correction and recovery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentLedger {
    batches: Vec<BatchRecord>,
    batch_index: HashMap<String, u32>,
    payments: PaymentIndex,
    corrections: BTreeMap<PaymentId, CorrectionItem>,
    recoveries: BTreeMap<(PaymentId, u8), Recovery>,
    account_sequences: FastMap<u128, u32>,
    received: std::collections::HashSet<String>,
}

/// A payment that counts as paid: its batch, the attempt's instruction, and the day
/// of the bank's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement<'a> {
    /// The batch that paid it.
    pub batch: &'a PaymentBatch,
    /// The instruction (attempt) the bank paid.
    pub instruction: &'a PaymentInstruction,
    /// The day of the result file that reported it paid.
    pub settled_on: Date,
}

/// What preparing batches produced besides the events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preparation {
    /// The events to record (and apply) in order.
    pub events: Vec<PaymentEvent>,
    /// Lines on hold by the auditor, not batched: (roster, line).
    pub held: Vec<(String, u32)>,
    /// Lines with nothing to pay, not batched.
    pub zero: Vec<(String, u32)>,
}

impl PaymentLedger {
    /// An empty ledger.
    pub fn new() -> PaymentLedger {
        PaymentLedger::default()
    }

    /// Rebuilds a ledger from its events, in order.
    pub fn replay<'a, I>(events: I) -> PaymentLedger
    where
        I: IntoIterator<Item = &'a PaymentEvent>,
    {
        let mut ledger = PaymentLedger::new();
        for event in events {
            ledger.apply(event);
        }
        ledger
    }

    /// The batches, in the order they were prepared.
    pub fn batches(&self) -> impl ExactSizeIterator<Item = &PaymentBatch> + '_ {
        self.batches.iter().map(|record| record.batch.as_ref())
    }

    /// A batch by id.
    pub fn batch(&self, batch_id: &str) -> Option<&PaymentBatch> {
        self.record(batch_id)
            .ok()
            .map(|(_, record)| record.batch.as_ref())
    }

    /// A batch's status.
    pub fn batch_status(&self, batch_id: &str) -> Option<BatchStatus> {
        self.record(batch_id).ok().map(|(_, record)| record.status)
    }

    /// The SHA-256 of each file exported for the batch, oldest first.
    pub fn exports(&self, batch_id: &str) -> Vec<(String, String)> {
        self.record(batch_id)
            .map(|(_, record)| record.exports.clone())
            .unwrap_or_default()
    }

    /// The correction queue, by payment id.
    pub fn corrections(&self) -> impl Iterator<Item = &CorrectionItem> + '_ {
        self.corrections.values()
    }

    /// Recoveries, by payment and attempt.
    pub fn recoveries(&self) -> impl Iterator<Item = &Recovery> + '_ {
        self.recoveries.values()
    }

    /// The attempt that counts as the payment's success, if it has settled.
    pub fn counted_attempt(&self, payment_id: &PaymentId) -> Option<u8> {
        self.payments
            .get(payment_id)
            .and_then(|record| record.counted)
    }

    /// The attempts of a payment sent to a bank (or prepared), with their instruction
    /// and whether the bank paid them (and did not return the credit).
    pub fn attempts(&self, payment_id: &PaymentId) -> Vec<(&PaymentInstruction, bool)> {
        let Some(record) = self.payments.get(payment_id) else {
            return Vec::new();
        };
        record
            .locations()
            .map(|loc| {
                let batch = &self.batches[loc.batch as usize];
                (
                    &batch.batch.instructions[loc.index as usize],
                    batch.outcomes[loc.index as usize].state == AttemptState::Settled,
                )
            })
            .collect()
    }

    /// The day a payment's counted success was reported, if it has one.
    pub fn settled_on(&self, payment_id: &PaymentId) -> Option<Date> {
        let record = self.payments.get(payment_id)?;
        let attempt = record.counted?;
        record
            .locations()
            .find(|loc| self.instruction(*loc).attempt == attempt)
            .and_then(|loc| self.outcome(loc).since)
    }

    /// Every payment that counts as paid, with its batch and the day the bank's
    /// result said so, in batch and line order. Duplicate successes being recovered
    /// are not included: one settlement per payment.
    pub fn settlements(&self) -> impl Iterator<Item = Settlement<'_>> + '_ {
        self.batches.iter().flat_map(move |record| {
            record
                .batch
                .instructions
                .iter()
                .zip(&record.outcomes)
                .filter_map(move |(instruction, outcome)| {
                    let settled_on = outcome.since?;
                    let counts = outcome.state == AttemptState::Settled
                        && self.counted_attempt(&instruction.payment_id)
                            == Some(instruction.attempt);
                    counts.then_some(Settlement {
                        batch: &record.batch,
                        instruction,
                        settled_on,
                    })
                })
        })
    }

    /// The number of payments the ledger knows (batched at least once).
    pub fn payment_count(&self) -> usize {
        self.payments.len()
    }

    /// A batch's lines by outcome.
    pub fn batch_summary(&self, batch_id: &str) -> Result<BatchSummary> {
        let (_, record) = self.record(batch_id)?;
        let mut summary = BatchSummary {
            batch_id: batch_id.to_owned(),
            status: record.status,
            instructed: Tally::default(),
            settled: Tally::default(),
            failed: Tally::default(),
            pending: Tally::default(),
        };
        for (instruction, outcome) in record.batch.instructions.iter().zip(&record.outcomes) {
            summary.instructed.add(instruction.amount);
            let bucket = match outcome.state {
                AttemptState::Settled => &mut summary.settled,
                AttemptState::Pending => &mut summary.pending,
                AttemptState::Failed | AttemptState::Returned | AttemptState::Withdrawn => {
                    &mut summary.failed
                }
            };
            bucket.add(instruction.amount);
        }
        Ok(summary)
    }

    fn record(&self, batch_id: &str) -> Result<(u32, &BatchRecord)> {
        self.batch_index
            .get(batch_id)
            .map(|&i| (i, &self.batches[i as usize]))
            .ok_or_else(|| {
                fail(PaymentRule::UnknownBatch {
                    batch_id: batch_id.to_owned(),
                })
            })
    }

    // -----------------------------------------------------------------------
    // Preparing batches

    /// Builds the batches paying finance-approved rosters: one per period, county
    /// and agent bank, instructions in roster and line order. Lines on hold or with
    /// nothing to pay are left out (and listed); lines without an account go to the
    /// correction queue. Refused whole — nothing prepared — when a roster is not
    /// approved by finance or changed since, is of another project, a line was
    /// batched before, a county has no payer or a bank no agreement.
    pub fn prepare(
        &self,
        plan: &BatchPlan<'_>,
        rosters: &[(&Roster, &Review)],
        by: &str,
    ) -> Result<Preparation> {
        let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
        let mut queued = Vec::new();
        let mut preparation = Preparation::default();
        let mut given: BTreeSet<&str> = BTreeSet::new();
        for &(roster, review) in rosters {
            check_payable(plan.project, roster, review)?;
            // Ids differ by roster and line, so a roster given once gives new ids only.
            if !given.insert(roster.id()) {
                return Err(fail(PaymentRule::RosterNotPayable {
                    roster_id: roster.id().to_owned(),
                    detail: "the roster is given twice".to_owned(),
                }));
            }
            let roster_id: Arc<str> = Arc::from(roster.id());
            let purpose: Arc<str> = Arc::from(format!(
                "{}{}",
                roster.period().label_zh(),
                plan.project.name
            ));
            let county = roster.township().truncate(RegionLevel::County);
            let holds = review.holds();
            let seed = PaymentIdSeed::new(roster.project(), roster.period(), roster.id());
            // A roster pays through a handful of banks: its groups are found by a
            // short scan, each sized up front and its agreement checked once.
            let mut local: Vec<(CompactString, Group)> = Vec::new();
            let mut sizes: Vec<(&str, usize)> = Vec::new();
            for account in roster
                .lines()
                .iter()
                .filter_map(|line| line.account.as_ref())
            {
                match sizes
                    .iter_mut()
                    .find(|(bank, _)| *bank == account.bank_code)
                {
                    Some((_, size)) => *size += 1,
                    None => sizes.push((&account.bank_code, 1)),
                }
            }
            for line in roster.lines() {
                if holds.contains_key(&line.line_no) {
                    preparation
                        .held
                        .push((roster.id().to_owned(), line.line_no));
                    continue;
                }
                if line.amount == Amount::ZERO {
                    preparation
                        .zero
                        .push((roster.id().to_owned(), line.line_no));
                    continue;
                }
                let payment_id = seed.for_line(line.line_no, line.payee);
                self.check_new(payment_id, roster.id(), line.line_no)?;
                let Some(account) = &line.account else {
                    queued.push(CorrectionItem {
                        payment_id,
                        project: plan.project.code.clone(),
                        period: roster.period(),
                        roster_id: roster_id.clone(),
                        line_no: line.line_no,
                        township: roster.township(),
                        payee: line.payee,
                        beneficiary: line.beneficiary_if_not_payee(),
                        amount: line.amount,
                        purpose: purpose.clone(),
                        account: None,
                        last_attempt: 0,
                        reason: FailureReason {
                            kind: FailureKind::InvalidAccount,
                            code: None,
                            text: "the roster line has no account (无账户)".to_owned(),
                        },
                        queued_on: plan.prepared_on,
                        status: CorrectionStatus::Open,
                    });
                    continue;
                };
                let position = match local
                    .iter()
                    .position(|(bank, _)| *bank == account.bank_code)
                {
                    Some(position) => position,
                    None => {
                        check_agreement(
                            plan,
                            account,
                            roster.township(),
                            roster.id(),
                            line.line_no,
                        )?;
                        let size = sizes
                            .iter()
                            .find(|(bank, _)| *bank == account.bank_code)
                            .map_or(0, |(_, size)| *size);
                        local.push((account.bank_code.clone(), Group::with_capacity(size)));
                        local.len() - 1
                    }
                };
                local[position].1.push(PaymentInstruction {
                    payment_id,
                    attempt: 1,
                    roster_id: roster_id.clone(),
                    line_no: line.line_no,
                    township: roster.township(),
                    payee: line.payee,
                    beneficiary: line.beneficiary_if_not_payee(),
                    account_sequence: 0,
                    account: account.clone(),
                    amount: line.amount,
                    purpose: purpose.clone(),
                });
            }
            for (bank_code, group) in local {
                let key = GroupKey {
                    period: roster.period(),
                    county,
                    bank_code,
                };
                groups.entry(key).or_default().append(group);
            }
        }
        if groups.is_empty() && queued.is_empty() {
            return Err(fail(PaymentRule::NothingToPay {
                detail: "every line is on hold, has nothing to pay, or there is no roster"
                    .to_owned(),
            }));
        }
        preparation.events = self.batch_events(plan, groups, BatchKind::Original, by)?;
        if !queued.is_empty() {
            preparation.events.push(PaymentEvent {
                on: plan.prepared_on,
                by: by.to_owned(),
                change: PaymentChange::LinesQueued { items: queued },
            });
        }
        Ok(preparation)
    }

    /// Builds reissue batches (补发) for the project's queued payments that are ready:
    /// same payment ids, the next attempt, onto the corrected account.
    pub fn prepare_reissue(&self, plan: &BatchPlan<'_>, by: &str) -> Result<Vec<PaymentEvent>> {
        let mut groups: BTreeMap<GroupKey, Vec<PaymentInstruction>> = BTreeMap::new();
        for item in self.corrections.values() {
            let CorrectionStatus::Ready { account } = &item.status else {
                continue;
            };
            if item.project != plan.project.code {
                continue;
            }
            if item.last_attempt >= MAX_ATTEMPTS {
                return Err(fail(PaymentRule::TooManyAttempts {
                    payment_id: item.payment_id,
                    attempts: item.last_attempt,
                }));
            }
            check_agreement(plan, account, item.township, &item.roster_id, item.line_no)?;
            let key = GroupKey {
                period: item.period,
                county: item.township.truncate(RegionLevel::County),
                bank_code: account.bank_code.clone(),
            };
            groups.entry(key).or_default().push(PaymentInstruction {
                payment_id: item.payment_id,
                attempt: item.last_attempt + 1,
                roster_id: item.roster_id.clone(),
                line_no: item.line_no,
                township: item.township,
                payee: item.payee,
                beneficiary: item.beneficiary,
                account_sequence: 0,
                account: account.clone(),
                amount: item.amount,
                purpose: item.purpose.clone(),
            });
        }
        if groups.is_empty() {
            return Err(fail(PaymentRule::NothingToPay {
                detail: format!(
                    "no payment of project {} in the correction queue is ready (correct the \
                     account or release it first)",
                    plan.project.code
                ),
            }));
        }
        let groups = groups
            .into_iter()
            .map(|(key, mut instructions)| {
                instructions
                    .sort_by(|a, b| (&a.roster_id, a.line_no).cmp(&(&b.roster_id, b.line_no)));
                (key, Group::from_instructions(instructions))
            })
            .collect();
        self.batch_events(plan, groups, BatchKind::Reissue, by)
    }

    fn check_new(&self, payment_id: PaymentId, roster_id: &str, line_no: u32) -> Result<()> {
        if let Some(record) = self.payments.get(&payment_id) {
            let batch_id = self.batches[record.latest.batch as usize].batch.id.clone();
            return Err(fail(PaymentRule::AlreadyBatched {
                payment_id,
                roster_id: roster_id.to_owned(),
                line_no,
                batch_id,
            }));
        }
        if self.corrections.contains_key(&payment_id) {
            return Err(fail(PaymentRule::AlreadyBatched {
                payment_id,
                roster_id: roster_id.to_owned(),
                line_no,
                batch_id: "the correction queue".to_owned(),
            }));
        }
        Ok(())
    }

    fn batch_events(
        &self,
        plan: &BatchPlan<'_>,
        mut groups: BTreeMap<GroupKey, Group>,
        kind: BatchKind,
        by: &str,
    ) -> Result<Vec<PaymentEvent>> {
        self.number_by_account(&mut groups);
        let earliest = plan
            .calendar
            .add_working_days(plan.prepared_on, plan.lead_working_days)?
            .value;
        let mut numbers: HashMap<String, u32> = HashMap::new();
        let mut events = Vec::with_capacity(groups.len());
        for (key, Group { instructions, .. }) in groups {
            let payer = plan.payers.get(&key.county).ok_or_else(|| {
                fail(PaymentRule::NothingToPay {
                    detail: format!(
                        "county {} has no payer (finance account) in the plan",
                        key.county.to_short_string()
                    ),
                })
            })?;
            let deadline = plan
                .project
                .deadline
                .due_date(key.period, plan.calendar)?
                .value;
            let stem = format!(
                "{}-{}-{}-{}",
                plan.project.code,
                key.period,
                key.county.to_short_string(),
                key.bank_code
            );
            let number = numbers
                .entry(stem.clone())
                .or_insert_with(|| self.batches_with_stem(&stem));
            *number += 1;
            let control_sum = Amount::from_fen(
                instructions
                    .iter()
                    .map(|instruction| instruction.amount.to_fen())
                    .sum(),
            )?;
            let batch = PaymentBatch {
                id: batch_id(&stem, *number),
                project: plan.project.code.clone(),
                period: key.period,
                county: key.county,
                bank_code: key.bank_code,
                payer: payer.clone(),
                kind,
                prepared_on: plan.prepared_on,
                deadline,
                requested_execution_date: deadline.max(earliest),
                instructions,
                control_sum,
            };
            events.push(PaymentEvent {
                on: plan.prepared_on,
                by: by.to_owned(),
                change: PaymentChange::BatchPrepared {
                    batch: Arc::new(batch),
                },
            });
        }
        Ok(events)
    }

    /// Gives each instruction its per-account sequence number: one more than the
    /// ledger's last for the account, counting on through the new instructions in
    /// batch and file order. By sorting (account, position) rather than a map per
    /// line: a million accounts make a map's every lookup a cache miss.
    fn number_by_account(&self, groups: &mut BTreeMap<GroupKey, Group>) {
        let mut keys: Vec<(u128, u32)> = groups
            .values()
            .flat_map(|group| &group.account_keys)
            .enumerate()
            .map(|(position, &key)| (key, position as u32))
            .collect();
        keys.sort_unstable();
        let mut numbers = vec![0u32; keys.len()];
        let mut current = None;
        let mut last = 0;
        for (key, position) in keys {
            if current != Some(key) {
                current = Some(key);
                last = self.account_sequences.get(&key).copied().unwrap_or(0);
            }
            last += 1;
            numbers[position as usize] = last;
        }
        let instructions = groups
            .values_mut()
            .flat_map(|group| group.instructions.iter_mut());
        for (instruction, number) in instructions.zip(numbers) {
            instruction.account_sequence = number;
        }
    }

    fn batches_with_stem(&self, stem: &str) -> u32 {
        let ids = (1..).map(|n| batch_id(stem, n));
        ids.take_while(|id| self.batch_index.contains_key(id))
            .count() as u32
    }

    // -----------------------------------------------------------------------
    // Commands

    /// Decides a command: the event it makes, or why it is refused.
    pub fn decide(&self, command: PaymentCommand, by: &str, on: Date) -> Result<PaymentEvent> {
        let change = match command {
            PaymentCommand::Export {
                batch_id,
                file_name,
                sha256,
            } => {
                check_file_hash(&sha256)?;
                let (_, record) = self.record(&batch_id)?;
                self.expect_status(
                    record,
                    &[BatchStatus::Prepared, BatchStatus::Rejected],
                    "export",
                    "a file already sent is never sent again; if the bank refused it, record the \
                     rejection first",
                )?;
                self.check_still_payable(record)?;
                PaymentChange::Exported {
                    batch_id,
                    file_name,
                    sha256: sha256.to_ascii_lowercase(),
                }
            }
            PaymentCommand::Accept { batch_id } => {
                let (_, record) = self.record(&batch_id)?;
                self.expect_status(
                    record,
                    &[BatchStatus::Exported],
                    "accept",
                    "only an exported file waits for the bank's acceptance",
                )?;
                PaymentChange::Accepted { batch_id }
            }
            PaymentCommand::RejectFile { batch_id, reason } => {
                let (_, record) = self.record(&batch_id)?;
                self.expect_status(
                    record,
                    &[BatchStatus::Exported, BatchStatus::Accepted],
                    "reject_file",
                    "the bank can refuse a file only before any line of it has a result",
                )?;
                PaymentChange::FileRejected { batch_id, reason }
            }
            PaymentCommand::CancelBatch { batch_id } => {
                let (_, record) = self.record(&batch_id)?;
                self.expect_status(
                    record,
                    &[BatchStatus::Prepared, BatchStatus::Rejected],
                    "cancel_batch",
                    "only a batch the bank does not hold can be withdrawn",
                )?;
                PaymentChange::BatchCancelled { batch_id }
            }
            PaymentCommand::CorrectAccount {
                payment_id,
                account,
            } => {
                let item = self.queued(payment_id, true)?;
                if let Some(failed) = &item.account {
                    if item.reason.kind.needs_account_fix()
                        && failed.number == account.number
                        && failed.holder_name == account.holder_name
                        && failed.bank_code == account.bank_code
                    {
                        return Err(fail(PaymentRule::Correction {
                            payment_id,
                            detail: format!(
                                "the account {} failed with \"{}\"; give a different account or \
                                 holder name, verified with the bank",
                                failed.number.masked(),
                                item.reason
                            ),
                        }));
                    }
                }
                PaymentChange::AccountCorrected {
                    payment_id,
                    account,
                }
            }
            PaymentCommand::Release { payment_id, note } => {
                let item = self.queued(payment_id, false)?;
                if item.reason.kind.needs_account_fix() || item.account.is_none() {
                    return Err(fail(PaymentRule::Correction {
                        payment_id,
                        detail: format!(
                            "it failed with \"{}\", which needs a corrected account; use \
                             correct_account",
                            item.reason
                        ),
                    }));
                }
                PaymentChange::Released { payment_id, note }
            }
            PaymentCommand::CancelPayment { payment_id, reason } => {
                self.queued(payment_id, true)?;
                PaymentChange::PaymentCancelled { payment_id, reason }
            }
            PaymentCommand::Close { batch_id } => {
                let (_, record) = self.record(&batch_id)?;
                self.expect_status(
                    record,
                    &[BatchStatus::Settled],
                    "close",
                    "a batch closes once every line has a final result",
                )?;
                PaymentChange::Closed { batch_id }
            }
            PaymentCommand::RecordRecovery {
                payment_id,
                attempt,
                note,
            } => {
                match self.recoveries.get(&(payment_id, attempt)) {
                    Some(recovery) if recovery.status == RecoveryStatus::Due => {}
                    other => {
                        return Err(fail(PaymentRule::Correction {
                            payment_id,
                            detail: match other {
                                Some(recovery) => format!(
                                    "the recovery of attempt {attempt} is {:?}, not due",
                                    recovery.status
                                ),
                                None => format!("no recovery is open for attempt {attempt}"),
                            },
                        }));
                    }
                }
                PaymentChange::Recovered {
                    payment_id,
                    attempt,
                    note,
                }
            }
        };
        Ok(PaymentEvent {
            on,
            by: by.to_owned(),
            change,
        })
    }

    /// Decides and applies a command.
    pub fn execute(&mut self, command: PaymentCommand, by: &str, on: Date) -> Result<PaymentEvent> {
        let event = self.decide(command, by, on)?;
        self.apply(&event);
        Ok(event)
    }

    /// Applies the events of a [`Preparation`] (or any list of events).
    pub fn apply_all(&mut self, events: &[PaymentEvent]) {
        for event in events {
            self.apply(event);
        }
    }

    fn expect_status(
        &self,
        record: &BatchRecord,
        allowed: &[BatchStatus],
        action: &'static str,
        hint: &'static str,
    ) -> Result<()> {
        if allowed.contains(&record.status) && !record.cancelled {
            return Ok(());
        }
        Err(fail(PaymentRule::BatchStatus {
            batch_id: record.batch.id.clone(),
            status: record.status,
            action,
            hint: if record.cancelled {
                "the batch was withdrawn"
            } else {
                hint
            },
        }))
    }

    /// A batch may go out only if none of its payments has settled since (a late
    /// success) or been superseded.
    fn check_still_payable(&self, record: &BatchRecord) -> Result<()> {
        for instruction in &record.batch.instructions {
            let Some(payment) = self.payments.get(&instruction.payment_id) else {
                continue;
            };
            if let Some(attempt) = payment.counted {
                return Err(fail(PaymentRule::AlreadySettled {
                    payment_id: instruction.payment_id,
                    attempt,
                }));
            }
        }
        Ok(())
    }

    /// The queued item, open (or, with `allow_ready`, also ready for the next batch).
    fn queued(&self, payment_id: PaymentId, allow_ready: bool) -> Result<&CorrectionItem> {
        let item = self.corrections.get(&payment_id).ok_or_else(|| {
            fail(PaymentRule::Correction {
                payment_id,
                detail: "it is not in the correction queue".to_owned(),
            })
        })?;
        let allowed = match item.status {
            CorrectionStatus::Open => true,
            CorrectionStatus::Ready { .. } => allow_ready,
            CorrectionStatus::Cancelled { .. } => false,
        };
        if !allowed {
            return Err(fail(PaymentRule::Correction {
                payment_id,
                detail: match &item.status {
                    CorrectionStatus::Cancelled { reason } => {
                        format!("it was cancelled ({reason})")
                    }
                    _ => "it is already ready for the next batch".to_owned(),
                },
            }));
        }
        Ok(item)
    }

    // -----------------------------------------------------------------------
    // Results

    /// Records a result file: classifies every line, updates outcomes, queues
    /// failures and returns, opens recoveries. A file recorded before (same SHA-256)
    /// changes nothing and makes no event. Refused — nothing recorded — when the file
    /// names a batch the ledger does not have, or rejects a file whose batch is not
    /// waiting for results.
    pub fn receive(
        &mut self,
        bank_return: BankReturn,
        by: &str,
        on: Date,
    ) -> Result<(Option<PaymentEvent>, ReconciliationReport)> {
        if let Some(batch_id) = &bank_return.batch_id {
            let (_, record) = self.record(batch_id)?;
            if bank_return.rejected.is_some() {
                self.expect_status(
                    record,
                    &[BatchStatus::Exported, BatchStatus::Accepted],
                    "reject_file",
                    "the bank can refuse a file only before any line of it has a result",
                )?;
            }
        } else if bank_return.rejected.is_some() {
            return Err(fail(PaymentRule::UnknownBatch {
                batch_id: format!(
                    "(none named by {}: say which batch the rejected file was)",
                    bank_return.source
                ),
            }));
        }
        check_file_hash(&bank_return.sha256)?;
        if self
            .received
            .contains(&bank_return.sha256.to_ascii_lowercase())
        {
            // Recorded before: every line is a repeat, whatever happened since.
            let mut report = ReconciliationReport {
                source: bank_return.source,
                batch_id: bank_return.batch_id,
                replayed: true,
                file_rejected: bank_return.rejected,
                tallies: BTreeMap::new(),
                findings: Vec::new(),
            };
            let repeats = report
                .tallies
                .entry(ResultClass::DuplicateIdentical)
                .or_default();
            for result in &bank_return.results {
                repeats.count += 1;
                repeats.fen += result.amount.map_or(0, Amount::to_fen);
            }
            return Ok((None, report));
        }
        let report = self.reconcile(&bank_return, on);
        let event = PaymentEvent {
            on,
            by: by.to_owned(),
            change: PaymentChange::ResultsReceived { bank_return },
        };
        Ok((Some(event), report))
    }

    /// Applies an event.
    pub fn apply(&mut self, event: &PaymentEvent) {
        match &event.change {
            PaymentChange::BatchPrepared { batch } => self.add_batch(batch.clone()),
            PaymentChange::LinesQueued { items } => {
                for item in items {
                    self.corrections.insert(item.payment_id, item.clone());
                }
            }
            PaymentChange::Exported {
                batch_id,
                file_name,
                sha256,
            } => {
                if let Some(record) = self.record_mut(batch_id) {
                    record.status = BatchStatus::Exported;
                    record.exports.push((file_name.clone(), sha256.clone()));
                }
            }
            PaymentChange::Accepted { batch_id } => {
                if let Some(record) = self.record_mut(batch_id) {
                    record.status = BatchStatus::Accepted;
                }
            }
            PaymentChange::FileRejected { batch_id, .. } => {
                if let Some(record) = self.record_mut(batch_id) {
                    record.status = BatchStatus::Rejected;
                }
            }
            PaymentChange::BatchCancelled { batch_id } => self.cancel_batch(batch_id, event.on),
            PaymentChange::ResultsReceived { bank_return } => {
                self.reconcile(bank_return, event.on);
            }
            PaymentChange::AccountCorrected {
                payment_id,
                account,
            } => {
                if let Some(item) = self.corrections.get_mut(payment_id) {
                    item.status = CorrectionStatus::Ready {
                        account: account.clone(),
                    };
                }
            }
            PaymentChange::Released { payment_id, .. } => {
                if let Some(item) = self.corrections.get_mut(payment_id) {
                    if let Some(account) = item.account.clone() {
                        item.status = CorrectionStatus::Ready { account };
                    }
                }
            }
            PaymentChange::PaymentCancelled { payment_id, reason } => {
                if let Some(item) = self.corrections.get_mut(payment_id) {
                    item.status = CorrectionStatus::Cancelled {
                        reason: reason.clone(),
                    };
                }
            }
            PaymentChange::Closed { batch_id } => {
                if let Some(record) = self.record_mut(batch_id) {
                    record.status = BatchStatus::Closed;
                }
            }
            PaymentChange::Recovered {
                payment_id,
                attempt,
                ..
            } => {
                if let Some(recovery) = self.recoveries.get_mut(&(*payment_id, *attempt)) {
                    recovery.status = RecoveryStatus::Recovered;
                }
            }
        }
    }

    fn record_mut(&mut self, batch_id: &str) -> Option<&mut BatchRecord> {
        let index = *self.batch_index.get(batch_id)?;
        self.batches.get_mut(index as usize)
    }

    fn add_batch(&mut self, batch: Arc<PaymentBatch>) {
        let index = self.batches.len() as u32;
        self.batch_index.insert(batch.id.clone(), index);
        self.payments.reserve(batch.instructions.len());
        let start = self.payments.records.len();
        let mut all_new = true;
        for (i, instruction) in batch.instructions.iter().enumerate() {
            let loc = Loc {
                batch: index,
                index: i as u32,
            };
            all_new &= self.payments.add_attempt(instruction.payment_id, loc);
            self.corrections.remove(&instruction.payment_id);
            let last = self
                .account_sequences
                .entry(instruction.account.number.key())
                .or_insert(0);
            *last = (*last).max(instruction.account_sequence);
        }
        let count = batch.instructions.len();
        self.batches.push(BatchRecord {
            batch,
            status: BatchStatus::Prepared,
            cancelled: false,
            exports: Vec::new(),
            outcomes: vec![Outcome::PENDING; count],
            pending: count,
            first_record: all_new.then_some(start as u32),
        });
    }

    fn cancel_batch(&mut self, batch_id: &str, on: Date) {
        let Some(&index) = self.batch_index.get(batch_id) else {
            return;
        };
        let record = &mut self.batches[index as usize];
        record.cancelled = true;
        record.pending = 0;
        for outcome in &mut record.outcomes {
            outcome.state = AttemptState::Withdrawn;
        }
        let batch = record.batch.clone();
        for (i, instruction) in batch.instructions.iter().enumerate() {
            let loc = Loc {
                batch: index,
                index: i as u32,
            };
            let Some(payment) = self.payments.get(&instruction.payment_id) else {
                continue;
            };
            if payment.latest != loc || payment.counted.is_some() {
                continue;
            }
            let mut item = queue_item(&batch, instruction, on, withdrawn_reason(batch_id));
            item.status = CorrectionStatus::Ready {
                account: instruction.account.clone(),
            };
            self.corrections.insert(instruction.payment_id, item);
        }
    }

    /// Classifies every line of `bank_return` and applies what it says. Idempotent:
    /// a second run over the same file changes nothing.
    fn reconcile(&mut self, bank_return: &BankReturn, on: Date) -> ReconciliationReport {
        let mut report = ReconciliationReport {
            source: bank_return.source.clone(),
            batch_id: bank_return.batch_id.clone(),
            replayed: false,
            file_rejected: bank_return.rejected.clone(),
            tallies: BTreeMap::new(),
            findings: Vec::new(),
        };
        let hint = bank_return
            .batch_id
            .as_deref()
            .and_then(|id| self.batch_index.get(id).copied());
        self.received
            .insert(bank_return.sha256.to_ascii_lowercase());
        if bank_return.rejected.is_some() {
            if let Some(index) = hint {
                let record = &mut self.batches[index as usize];
                if matches!(record.status, BatchStatus::Exported | BatchStatus::Accepted) {
                    record.status = BatchStatus::Rejected;
                }
            }
            return report;
        }
        let mut answered =
            hint.map(|index| vec![false; self.batches[index as usize].outcomes.len()]);
        let mut touched: Vec<u32> = Vec::new();
        // Tallies in an array while lines are read: one map entry per class at the end.
        let mut tallies = [Tally::default(); 12];
        // Banks answer in the order of the file sent: the next line is expected to
        // be the one after the last line matched.
        let mut next = hint.map(|_| 0u32);
        for result in &bank_return.results {
            let found = self.record_result(
                result,
                (hint, next),
                on,
                &mut report,
                &mut tallies,
                &mut touched,
            );
            if let Some(loc) = found {
                next = Some(loc.index + 1);
                if let Some(answered) = answered.as_mut() {
                    answered[loc.index as usize] = true;
                }
            }
        }
        for (class, tally) in ResultClass::ALL.into_iter().zip(tallies) {
            if tally.count > 0 {
                report.tallies.insert(class, tally);
            }
        }
        if let (Some(index), Some(answered), true) = (hint, answered, bank_return.complete) {
            let record = &self.batches[index as usize];
            let sendable = !matches!(record.status, BatchStatus::Prepared | BatchStatus::Rejected)
                && !record.cancelled;
            for (i, outcome) in record.outcomes.iter().enumerate() {
                if sendable && outcome.state == AttemptState::Pending && !answered[i] {
                    let instruction = &record.batch.instructions[i];
                    report
                        .tallies
                        .entry(ResultClass::Missing)
                        .or_default()
                        .add(instruction.amount);
                    report.findings.push(Finding {
                        line: 0,
                        reference: instruction.instruction_id(),
                        class: ResultClass::Missing,
                        detail: format!(
                            "roster {} line {}: the bank's file has no result for this \
                             instruction; ask the bank before sending it again",
                            instruction.roster_id, instruction.line_no
                        ),
                    });
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for index in touched {
            let record = &mut self.batches[index as usize];
            if matches!(
                record.status,
                BatchStatus::Exported
                    | BatchStatus::Accepted
                    | BatchStatus::Settling
                    | BatchStatus::Settled
            ) {
                record.status = if record.pending == 0 {
                    BatchStatus::Settled
                } else {
                    BatchStatus::Settling
                };
            }
        }
        report
    }

    /// Records one line; returns where it landed when it answered an instruction
    /// of the hinted batch.
    fn record_result(
        &mut self,
        result: &BankResult,
        (hint, next): (Option<u32>, Option<u32>),
        on: Date,
        report: &mut ReconciliationReport,
        tallies: &mut [Tally; 12],
        touched: &mut Vec<u32>,
    ) -> Option<Loc> {
        let payment_id = result.reference.payment_id;
        if let Some((loc, amount)) = self.settle_only_attempt(result, (hint, next), on, touched) {
            tallies[ResultClass::Settled as usize].add(amount);
            return Some(loc).filter(|loc| Some(loc.batch) == hint);
        }
        let located = self.locate(result, hint);
        let loc = match located {
            Ok(loc) => loc,
            Err(detail) => {
                let tally = &mut tallies[ResultClass::Unknown as usize];
                tally.count += 1;
                tally.fen += result.amount.map_or(0, Amount::to_fen);
                report.findings.push(Finding {
                    line: result.line,
                    reference: result.reference,
                    class: ResultClass::Unknown,
                    detail,
                });
                return None;
            }
        };
        let record = &self.batches[loc.batch as usize];
        let instruction = &record.batch.instructions[loc.index as usize];
        let amount = instruction.amount;
        let outcome = record.outcomes[loc.index as usize];
        let attempt = instruction.attempt;
        let (class, detail) = match &result.status {
            ResultStatus::Pending => match outcome.state {
                AttemptState::Pending => (ResultClass::Pending, None),
                _ => (
                    ResultClass::DuplicateIdentical,
                    Some("an in-progress status after the final result; ignored".to_owned()),
                ),
            },
            ResultStatus::Settled => match disagreement(result, instruction) {
                Some((class, detail)) => (class, Some(detail)),
                None => self.settle(loc, on, touched),
            },
            ResultStatus::Failed { reason } => self.fail_attempt(loc, reason, on, touched),
            ResultStatus::Returned { reason } => self.return_attempt(loc, reason, on, touched),
        };
        tallies[class as usize].add(amount);
        if class.needs_attention() {
            report.findings.push(Finding {
                line: result.line,
                reference: payment_id.instruction_id(attempt),
                class,
                detail: detail.unwrap_or_default(),
            });
        }
        Some(loc).filter(|loc| Some(loc.batch) == hint)
    }

    /// The usual line, with one lookup: a success, as instructed, for a payment's
    /// only attempt, pending until now (so not queued, no recovery to watch). Any
    /// other line returns `None` and goes the long way.
    fn settle_only_attempt(
        &mut self,
        result: &BankResult,
        (hint, next): (Option<u32>, Option<u32>),
        on: Date,
        touched: &mut Vec<u32>,
    ) -> Option<(Loc, Amount)> {
        if result.status != ResultStatus::Settled {
            return None;
        }
        let payment_id = &result.reference.payment_id;
        // In file order, the record is the next one along: no lookup in the map of
        // every payment, whose cache misses are most of a million-line file's time.
        let in_order = hint.zip(next).and_then(|(batch, at)| {
            let record = self.batches.get(batch as usize)?;
            let start = record.first_record?;
            let instruction = record.batch.instructions.get(at as usize)?;
            (instruction.payment_id == *payment_id).then_some(start as usize + at as usize)
        });
        let payment = match in_order {
            Some(at) => self.payments.records.get_mut(at)?,
            None => self.payments.get_mut(payment_id)?,
        };
        let loc = payment.latest;
        if payment.counted.is_some()
            || payment.earlier.is_some()
            || hint.is_some_and(|batch| batch != loc.batch)
        {
            return None;
        }
        let record = &mut self.batches[loc.batch as usize];
        if record.cancelled
            || matches!(record.status, BatchStatus::Prepared | BatchStatus::Rejected)
        {
            return None;
        }
        let instruction = &record.batch.instructions[loc.index as usize];
        let outcome = &mut record.outcomes[loc.index as usize];
        if outcome.state != AttemptState::Pending
            || result
                .reference
                .attempt
                .is_some_and(|attempt| attempt != instruction.attempt)
            || disagreement(result, instruction).is_some()
        {
            return None;
        }
        outcome.state = AttemptState::Settled;
        outcome.seen |= SEEN_SETTLED;
        outcome.since = Some(on);
        record.pending -= 1;
        payment.counted = Some(instruction.attempt);
        if touched.last() != Some(&loc.batch) {
            touched.push(loc.batch);
        }
        Some((loc, instruction.amount))
    }

    fn locate(&self, result: &BankResult, hint: Option<u32>) -> Result<Loc, String> {
        let reference = result.reference;
        let Some(payment) = self.payments.get(&reference.payment_id) else {
            return Err("no payment with this id was ever sent".to_owned());
        };
        let loc = match reference.attempt {
            Some(attempt) => payment.locations().find(|loc| {
                self.batches[loc.batch as usize].batch.instructions[loc.index as usize].attempt
                    == attempt
            }),
            None => hint
                .and_then(|batch| payment.locations().find(|loc| loc.batch == batch))
                .or_else(|| {
                    payment
                        .locations()
                        .filter(|loc| self.was_sent(loc.batch))
                        .last()
                }),
        };
        let Some(loc) = loc else {
            return Err(match reference.attempt {
                Some(attempt) => format!("attempt {attempt} of this payment was never sent"),
                None => "no attempt of this payment was sent".to_owned(),
            });
        };
        if let Some(batch) = hint {
            if batch != loc.batch {
                return Err(format!(
                    "the line belongs to batch {}, not to batch {} which this file answers",
                    self.batches[loc.batch as usize].batch.id,
                    self.batches[batch as usize].batch.id
                ));
            }
        }
        if !self.was_sent(loc.batch) {
            let record = &self.batches[loc.batch as usize];
            return Err(format!(
                "batch {} was not sent to the bank (it is {})",
                record.batch.id,
                if record.cancelled {
                    "withdrawn"
                } else {
                    record.status.label()
                }
            ));
        }
        Ok(loc)
    }

    fn was_sent(&self, batch: u32) -> bool {
        let record = &self.batches[batch as usize];
        !record.cancelled && !matches!(record.status, BatchStatus::Prepared | BatchStatus::Rejected)
    }

    fn set_state(
        &mut self,
        loc: Loc,
        (state, on): (AttemptState, Date),
        seen: u8,
        touched: &mut Vec<u32>,
    ) {
        let record = &mut self.batches[loc.batch as usize];
        let outcome = &mut record.outcomes[loc.index as usize];
        if outcome.state == AttemptState::Pending && state != AttemptState::Pending {
            record.pending -= 1;
        }
        outcome.state = state;
        outcome.since = Some(on);
        outcome.seen |= seen;
        if touched.last() != Some(&loc.batch) {
            touched.push(loc.batch);
        }
    }

    fn instruction(&self, loc: Loc) -> &PaymentInstruction {
        &self.batches[loc.batch as usize].batch.instructions[loc.index as usize]
    }

    fn outcome(&self, loc: Loc) -> Outcome {
        self.batches[loc.batch as usize].outcomes[loc.index as usize]
    }

    fn settle(
        &mut self,
        loc: Loc,
        on: Date,
        touched: &mut Vec<u32>,
    ) -> (ResultClass, Option<String>) {
        let outcome = self.outcome(loc);
        let instruction = self.instruction(loc);
        let (payment_id, attempt, amount) = (
            instruction.payment_id,
            instruction.attempt,
            instruction.amount,
        );
        match outcome.state {
            AttemptState::Settled => return (ResultClass::DuplicateIdentical, None),
            AttemptState::Returned if outcome.seen & SEEN_SETTLED != 0 => {
                return (ResultClass::DuplicateIdentical, None);
            }
            AttemptState::Returned | AttemptState::Withdrawn => {
                return (
                    ResultClass::Conflicting,
                    Some("a success for a line whose credit came back; the return is kept".into()),
                );
            }
            AttemptState::Pending | AttemptState::Failed => {}
        }
        let was_failed = outcome.state == AttemptState::Failed;
        self.set_state(loc, (AttemptState::Settled, on), SEEN_SETTLED, touched);
        let Some(payment) = self.payments.get(&payment_id) else {
            return (ResultClass::Settled, None);
        };
        if let Some(counted) = payment.counted {
            // Another attempt already counts: this one is money paid twice.
            self.open_recovery(
                payment_id,
                attempt,
                counted,
                amount,
                on,
                RecoveryStatus::Due,
            );
            return (
                ResultClass::PossibleDuplicate,
                Some(format!(
                    "attempt {counted} of this payment was already paid; attempt {attempt} was \
                     paid as well — recover {amount} yuan (扣回)"
                )),
            );
        }
        let others: Vec<Loc> = payment.locations().filter(|other| *other != loc).collect();
        if let Some(payment) = self.payments.get_mut(&payment_id) {
            payment.counted = Some(attempt);
        }
        self.corrections.remove(&payment_id);
        let mut outstanding = Vec::new();
        let mut unsent = Vec::new();
        for other in others {
            let other_outcome = self.outcome(other);
            let other_attempt = self.instruction(other).attempt;
            if !self.was_sent(other.batch) {
                if other_outcome.state == AttemptState::Pending {
                    unsent.push(self.batches[other.batch as usize].batch.id.clone());
                }
                continue;
            }
            match other_outcome.state {
                AttemptState::Pending => {
                    self.open_recovery(
                        payment_id,
                        other_attempt,
                        attempt,
                        amount,
                        on,
                        RecoveryStatus::Watching,
                    );
                    outstanding.push(other_attempt);
                }
                AttemptState::Settled => {
                    // Reordered files: the reissue settled first and counts; this
                    // earlier attempt is the duplicate.
                    if let Some(payment) = self.payments.get_mut(&payment_id) {
                        payment.counted = Some(other_attempt);
                    }
                    self.open_recovery(
                        payment_id,
                        attempt,
                        other_attempt,
                        amount,
                        on,
                        RecoveryStatus::Due,
                    );
                    return (
                        ResultClass::PossibleDuplicate,
                        Some(format!(
                            "attempt {other_attempt} of this payment was already paid; attempt \
                             {attempt} was paid as well — recover {amount} yuan (扣回)"
                        )),
                    );
                }
                _ => {}
            }
        }
        if !outstanding.is_empty() {
            let list: Vec<String> = outstanding.iter().map(u8::to_string).collect();
            return (
                ResultClass::PossibleDuplicate,
                Some(format!(
                    "the bank paid attempt {attempt} after reporting a failure, but attempt {} \
                     was already sent: if it is paid too, recover {amount} yuan (扣回)",
                    list.join(", ")
                )),
            );
        }
        if was_failed || !unsent.is_empty() {
            let mut detail = format!("the bank paid attempt {attempt} after reporting a failure");
            if !unsent.is_empty() {
                detail.push_str(&format!(
                    "; batch {} holds a later attempt and can no longer be sent: cancel it and \
                     prepare the reissue again",
                    unsent.join(", ")
                ));
            }
            return (ResultClass::LateSuccess, Some(detail));
        }
        (ResultClass::Settled, None)
    }

    fn fail_attempt(
        &mut self,
        loc: Loc,
        reason: &FailureReason,
        on: Date,
        touched: &mut Vec<u32>,
    ) -> (ResultClass, Option<String>) {
        let outcome = self.outcome(loc);
        match outcome.state {
            AttemptState::Failed if outcome.failure == Some(reason.kind) => {
                return (ResultClass::DuplicateIdentical, None);
            }
            AttemptState::Settled | AttemptState::Returned
                if outcome.seen & SEEN_FAILED != 0 && outcome.failure == Some(reason.kind) =>
            {
                return (ResultClass::DuplicateIdentical, None);
            }
            AttemptState::Pending => {}
            _ => {
                return (
                    ResultClass::Conflicting,
                    Some(format!(
                        "a failure (\"{reason}\") contradicting the earlier result for this \
                         attempt; the earlier result is kept"
                    )),
                );
            }
        }
        self.set_state(loc, (AttemptState::Failed, on), SEEN_FAILED, touched);
        let record = &mut self.batches[loc.batch as usize];
        record.outcomes[loc.index as usize].failure = Some(reason.kind);
        let instruction = self.instruction(loc);
        let (payment_id, attempt) = (instruction.payment_id, instruction.attempt);
        let Some(payment) = self.payments.get(&payment_id) else {
            return (ResultClass::Failed, None);
        };
        if payment.counted.is_some() {
            self.close_watch(payment_id, attempt);
            return (ResultClass::Failed, None);
        }
        if payment.latest == loc {
            let batch = self.batches[loc.batch as usize].batch.clone();
            let item = queue_item(&batch, self.instruction(loc), on, reason.clone());
            self.corrections.insert(payment_id, item);
        }
        (ResultClass::Failed, None)
    }

    fn return_attempt(
        &mut self,
        loc: Loc,
        reason: &FailureReason,
        on: Date,
        touched: &mut Vec<u32>,
    ) -> (ResultClass, Option<String>) {
        let outcome = self.outcome(loc);
        match outcome.state {
            AttemptState::Returned => return (ResultClass::DuplicateIdentical, None),
            AttemptState::Settled => {}
            _ => {
                return (
                    ResultClass::Conflicting,
                    Some(format!(
                        "a returned credit (\"{reason}\") for a line that was never paid; ignored"
                    )),
                );
            }
        }
        self.set_state(loc, (AttemptState::Returned, on), SEEN_RETURNED, touched);
        let instruction = self.instruction(loc);
        let (payment_id, attempt) = (instruction.payment_id, instruction.attempt);
        let Some(payment) = self.payments.get(&payment_id) else {
            return (ResultClass::Returned, None);
        };
        if payment.counted != Some(attempt) {
            // The duplicate came back: nothing left to recover.
            self.close_watch(payment_id, attempt);
            return (ResultClass::Returned, None);
        }
        // The counted attempt came back: another paid attempt counts instead, if any.
        let paid_other = payment
            .locations()
            .filter(|other| *other != loc)
            .find(|other| self.outcome(*other).state == AttemptState::Settled)
            .map(|other| self.instruction(other).attempt);
        let pending_other = payment
            .locations()
            .filter(|other| *other != loc)
            .any(|other| {
                self.was_sent(other.batch) && self.outcome(other).state == AttemptState::Pending
            });
        if let Some(payment) = self.payments.get_mut(&payment_id) {
            payment.counted = paid_other;
        }
        if let Some(other) = paid_other {
            self.close_watch(payment_id, other);
            return (ResultClass::Returned, None);
        }
        if pending_other {
            // A later attempt is out and would pay the line: nothing to queue; its
            // watch no longer guards against a duplicate.
            for recovery in self.recoveries.values_mut() {
                if recovery.payment_id == payment_id && recovery.status == RecoveryStatus::Watching
                {
                    recovery.status = RecoveryStatus::NotNeeded;
                }
            }
            return (ResultClass::Returned, None);
        }
        let batch = self.batches[loc.batch as usize].batch.clone();
        let mut reason = reason.clone();
        if reason.kind == FailureKind::Unspecified {
            reason.kind = FailureKind::Returned;
        }
        let item = queue_item(&batch, self.instruction(loc), on, reason);
        self.corrections.insert(payment_id, item);
        (ResultClass::Returned, None)
    }

    fn open_recovery(
        &mut self,
        payment_id: PaymentId,
        attempt: u8,
        counted_attempt: u8,
        amount: Amount,
        on: Date,
        status: RecoveryStatus,
    ) {
        let recovery = self
            .recoveries
            .entry((payment_id, attempt))
            .or_insert(Recovery {
                payment_id,
                attempt,
                counted_attempt,
                amount,
                opened_on: on,
                status,
            });
        if recovery.status == RecoveryStatus::Watching
            || recovery.status == RecoveryStatus::NotNeeded
        {
            recovery.status = status;
            recovery.counted_attempt = counted_attempt;
        }
    }

    /// The attempt failed or came back: a recovery watching it is not needed.
    fn close_watch(&mut self, payment_id: PaymentId, attempt: u8) {
        if let Some(recovery) = self.recoveries.get_mut(&(payment_id, attempt)) {
            if matches!(
                recovery.status,
                RecoveryStatus::Watching | RecoveryStatus::Due
            ) {
                recovery.status = RecoveryStatus::NotNeeded;
            }
        }
    }
}

/// Whether a success names another amount or holder than instructed: then it is not
/// counted until the bank explains.
fn disagreement(
    result: &BankResult,
    instruction: &PaymentInstruction,
) -> Option<(ResultClass, String)> {
    let amount = instruction.amount;
    if let Some(stated) = result.amount.filter(|stated| *stated != amount) {
        return Some((
            ResultClass::AmountMismatch,
            format!(
                "the bank reports {stated} yuan paid, {amount} were instructed; not counted as \
                 paid until the bank explains"
            ),
        ));
    }
    let holder = instruction.account.holder_name.trim();
    let name = result
        .name
        .as_deref()
        .filter(|name| name.trim() != holder)?;
    Some((
        ResultClass::NameMismatch,
        format!(
            "the bank reports payment to {name}, the account holder instructed is {holder}; \
             not counted as paid until the bank explains"
        ),
    ))
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    period: Period,
    county: RegionCode,
    bank_code: CompactString,
}

/// A future batch's instructions, with each one's account key taken while the
/// account is at hand: numbering by account then reads these 16 bytes, not the
/// whole instructions again.
#[derive(Debug, Default)]
struct Group {
    instructions: Vec<PaymentInstruction>,
    account_keys: Vec<u128>,
}

impl Group {
    fn with_capacity(capacity: usize) -> Group {
        Group {
            instructions: Vec::with_capacity(capacity),
            account_keys: Vec::with_capacity(capacity),
        }
    }

    fn from_instructions(instructions: Vec<PaymentInstruction>) -> Group {
        let account_keys = instructions
            .iter()
            .map(|instruction| instruction.account.number.key())
            .collect();
        Group {
            instructions,
            account_keys,
        }
    }

    fn push(&mut self, instruction: PaymentInstruction) {
        self.account_keys.push(instruction.account.number.key());
        self.instructions.push(instruction);
    }

    fn append(&mut self, mut other: Group) {
        if self.instructions.is_empty() {
            *self = other;
        } else {
            self.instructions.append(&mut other.instructions);
            self.account_keys.append(&mut other.account_keys);
        }
    }
}

fn batch_id(stem: &str, number: u32) -> String {
    let id = format!("{stem}-{number:02}");
    if id.len() <= 35 {
        return id;
    }
    // Files limit ids to 35 characters (ISO 20022 Max35Text): shorten the stem.
    let digest = crate::payment::sha256_hex(stem.as_bytes());
    format!("B{}-{number:02}", &digest[..24])
}

fn withdrawn_reason(batch_id: &str) -> FailureReason {
    FailureReason {
        kind: FailureKind::Unspecified,
        code: None,
        text: format!("batch {batch_id} was withdrawn before it was sent (撤回)"),
    }
}

fn queue_item(
    batch: &PaymentBatch,
    instruction: &PaymentInstruction,
    on: Date,
    reason: FailureReason,
) -> CorrectionItem {
    CorrectionItem {
        payment_id: instruction.payment_id,
        project: batch.project.clone(),
        period: batch.period,
        roster_id: instruction.roster_id.clone(),
        line_no: instruction.line_no,
        township: instruction.township,
        payee: instruction.payee,
        beneficiary: instruction.beneficiary,
        amount: instruction.amount,
        purpose: instruction.purpose.clone(),
        account: Some(instruction.account.clone()),
        last_attempt: instruction.attempt,
        reason,
        queued_on: on,
        status: CorrectionStatus::Open,
    }
}

fn check_payable(project: &SubsidyProject, roster: &Roster, review: &Review) -> Result<()> {
    let not_payable = |detail: String| {
        fail(PaymentRule::RosterNotPayable {
            roster_id: roster.id().to_owned(),
            detail,
        })
    };
    if roster.project() != project.code {
        return Err(not_payable(format!(
            "it is a roster of project {}, not {}",
            roster.project(),
            project.code
        )));
    }
    if review.status() != ReviewStatus::FinanceApproved {
        return Err(not_payable(format!(
            "it is {}; only a roster approved by finance is paid",
            review.status()
        )));
    }
    let hash = roster.content_hash();
    if review.frozen_hash() != Some(hash.as_str()) {
        return Err(not_payable(format!(
            "its content (hash {}) is not what finance approved (hash {}); a change after \
             approval is a supplementary roster",
            &hash[..12],
            review
                .frozen_hash()
                .map_or("none", |h| h.get(..12).unwrap_or(h))
        )));
    }
    Ok(())
}

fn check_agreement(
    plan: &BatchPlan<'_>,
    account: &PayeeAccount,
    township: RegionCode,
    roster_id: &str,
    line_no: u32,
) -> Result<()> {
    let covered = plan.agreements.iter().any(|agreement| {
        agreement.bank_code == account.bank_code.as_str()
            && agreement.covers(township, plan.prepared_on)
    });
    if covered {
        return Ok(());
    }
    Err(fail(PaymentRule::NoAgreement {
        roster_id: roster_id.to_owned(),
        line_no,
        bank_code: account.bank_code.clone(),
        county: township.truncate(RegionLevel::County),
        on: plan.prepared_on,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::review::{Actor, ReviewCommand, ReviewContext, Role};
    use crate::{AccountKind, AccountNumber, BeneficiaryFacts, Error, LineChange, RosterLine};
    use std::collections::BTreeSet;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;
    type Fallible<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    const ON: Date = date!(2026 - 11 - 02);
    const TOWNSHIP: &str = "150422101000";

    /// A valid resident ID whose sequence is `n`.
    pub(super) fn person(n: u32) -> Fallible<ResidentId> {
        let base = format!("15042219500101{:03}", n % 1000);
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = base
            .bytes()
            .zip(weights)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        Ok(ResidentId::parse(&format!("{base}{check}"))?)
    }

    pub(super) fn account(bank: &str, n: u32, holder: &str) -> Fallible<PayeeAccount> {
        Ok(PayeeAccount {
            bank_code: bank.into(),
            number: AccountNumber::parse(
                &format!("62{:014}{:02}", n, n % 97),
                AccountKind::Passbook,
            )?,
            holder_name: holder.into(),
        })
    }

    /// A roster of `amounts.len()` lines; line i pays `amounts[i]` fen through bank
    /// `banks[i % banks.len()]`, or has no account when the bank is "".
    pub(super) fn roster(id: &str, amounts: &[i64], banks: &[&str]) -> Fallible<Roster> {
        let township = RegionCode::parse(TOWNSHIP)?;
        let mut lines = Vec::new();
        for (i, &fen) in amounts.iter().enumerate() {
            let n = i as u32 + 1;
            let payee = person(n)?;
            let bank = banks[i % banks.len()];
            let name = format!("村民{n}");
            lines.push(RosterLine {
                line_no: n,
                name: name.as_str().into(),
                payee,
                facts: BeneficiaryFacts::new(payee, township),
                amount: Amount::from_fen(fen)?,
                policy_document: Arc::from("内财社〔2026〕1号"),
                policy_version: 1,
                account: if bank.is_empty() {
                    None
                } else {
                    Some(account(bank, n, &name)?)
                },
                stated_amount: None,
                source_line: None,
                note: None,
            });
        }
        let value = serde_json::json!({
            "id": id, "project": "GLJT", "period": "2026-11", "township": TOWNSHIP,
            "kind": { "kind": "original" }, "lines": lines, "next_line_no": amounts.len() + 1,
        });
        Ok(serde_json::from_value(value)?)
    }

    /// Takes `roster` to finance approval (notice from 2026-10-01, approved on
    /// 2026-10-22); shared by the tests of the modules built on the ledger.
    pub(crate) fn approve(roster: &Roster) -> Fallible<Review> {
        let clerk = Actor::new("c1", "乌云", Role::TownshipClerk);
        let reviewer = Actor::new("r1", "张三", Role::DepartmentReviewer);
        let finance = Actor::new("f1", "李四", Role::FinanceOfficer);
        let calendar = WorkCalendar::weekdays_only();
        let lines: BTreeSet<u32> = roster.lines().iter().map(|l| l.line_no).collect();
        let hash = roster.content_hash();
        let on = |today| ReviewContext {
            today,
            calendar: &calendar,
            publicity_working_days: 7,
            lines: &lines,
            content_hash: &hash,
        };
        let mut review = Review::new(&clerk, date!(2026 - 10 - 01))?;
        review.execute(
            &ReviewCommand::StartPublicity { starts: None },
            &clerk,
            &on(date!(2026 - 10 - 01)),
        )?;
        review.execute(&ReviewCommand::Submit, &clerk, &on(date!(2026 - 10 - 20)))?;
        review.execute(
            &ReviewCommand::DepartmentApprove,
            &reviewer,
            &on(date!(2026 - 10 - 21)),
        )?;
        review.execute(
            &ReviewCommand::FinanceApprove,
            &finance,
            &on(date!(2026 - 10 - 22)),
        )?;
        Ok(review)
    }

    pub(super) fn project() -> Fallible<SubsidyProject> {
        Ok(serde_json::from_value(serde_json::json!({
            "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
            "category": "people",
            "department": { "name": "民政厅", "credit_code": "111500000116068826" },
            "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
        }))?)
    }

    pub(super) struct Setting {
        pub(super) project: SubsidyProject,
        pub(super) payers: BTreeMap<RegionCode, Payer>,
        pub(super) agreements: Vec<AgencyAgreement>,
        pub(super) calendar: WorkCalendar,
    }

    impl Setting {
        pub(super) fn new() -> Fallible<Setting> {
            let county = RegionCode::parse("150422")?;
            let payer = Payer {
                unit_code: "CZ150422".into(),
                name: "巴林左旗财政局".into(),
                account: "15050000000000000001".into(),
            };
            let agreement = |bank: &str| AgencyAgreement {
                bank_code: bank.into(),
                county,
                valid_from: date!(2020 - 01 - 01),
                valid_to: None,
            };
            Ok(Setting {
                project: project()?,
                payers: BTreeMap::from([(county, payer)]),
                agreements: vec![agreement("NXS"), agreement("ICBC")],
                calendar: WorkCalendar::weekdays_only(),
            })
        }

        pub(super) fn plan(&self, on: Date) -> BatchPlan<'_> {
            BatchPlan {
                project: &self.project,
                payers: &self.payers,
                agreements: &self.agreements,
                calendar: &self.calendar,
                prepared_on: on,
                lead_working_days: 1,
            }
        }
    }

    fn hash(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn export(ledger: &mut PaymentLedger, batch_id: &str, n: u8) -> Result<PaymentEvent> {
        ledger.execute(
            PaymentCommand::Export {
                batch_id: batch_id.to_owned(),
                file_name: format!("{batch_id}.txt"),
                sha256: hash(n),
            },
            "finance",
            ON,
        )
    }

    fn result(reference: InstructionId, status: ResultStatus) -> BankResult {
        BankResult {
            line: 2,
            reference,
            status,
            amount: None,
            name: None,
            account: None,
        }
    }

    fn failed(kind: FailureKind) -> ResultStatus {
        ResultStatus::Failed {
            reason: FailureReason::of_kind(kind),
        }
    }

    fn bank_return(batch_id: &str, n: u8, results: Vec<BankResult>) -> BankReturn {
        BankReturn {
            source: format!("result-{n}"),
            sha256: hash(n),
            batch_id: Some(batch_id.to_owned()),
            complete: true,
            rejected: None,
            results,
        }
    }

    /// A ledger with one batch of three lines (NXS), exported.
    fn sent() -> Fallible<(PaymentLedger, String, Vec<PaymentInstruction>)> {
        let setting = Setting::new()?;
        let roster = roster("R1", &[12_000, 8_050, 30_000], &["NXS"])?;
        let review = approve(&roster)?;
        let mut ledger = PaymentLedger::new();
        let prepared = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance")?;
        ledger.apply_all(&prepared.events);
        let batch = ledger.batches().next().ok_or("no batch")?.clone();
        export(&mut ledger, &batch.id, 1)?;
        Ok((ledger, batch.id, batch.instructions))
    }

    #[test]
    fn a_file_in_any_order_reconciles_alike() -> TestResult {
        // In file order the ledger walks its records without a lookup; reordered,
        // with a duplicate and a stranger in the middle, it looks each line up. Both
        // must end in the same ledger and the same report.
        let (ledger, batch_id, lines) = sent()?;
        let paid = |line: &PaymentInstruction| result(line.instruction_id(), ResultStatus::Settled);
        let stranger = PaymentId::from_bytes([9; 16]).instruction_id(1);
        let in_order = vec![
            paid(&lines[0]),
            result(
                lines[1].instruction_id(),
                failed(FailureKind::AccountClosed),
            ),
            paid(&lines[2]),
        ];
        let shuffled = vec![
            paid(&lines[2]),
            result(stranger, ResultStatus::Settled),
            paid(&lines[0]),
            paid(&lines[0]),
            result(
                lines[1].instruction_id(),
                failed(FailureKind::AccountClosed),
            ),
        ];
        let mut a = ledger.clone();
        let (_, report_a) = a.receive(bank_return(&batch_id, 1, in_order), "bank", ON)?;
        let mut b = ledger.clone();
        let (_, report_b) = b.receive(bank_return(&batch_id, 1, shuffled), "bank", ON)?;
        for class in [
            ResultClass::Settled,
            ResultClass::Failed,
            ResultClass::Missing,
        ] {
            assert_eq!(report_a.tally(class), report_b.tally(class), "{class:?}");
        }
        assert_eq!(report_b.tally(ResultClass::Unknown).count, 1);
        assert_eq!(report_b.tally(ResultClass::DuplicateIdentical).count, 1);
        assert_eq!(a.counted_attempt(&lines[0].payment_id), Some(1));
        assert_eq!(a.counted_attempt(&lines[1].payment_id), None);
        assert_eq!(a.counted_attempt(&lines[2].payment_id), Some(1));
        for line in &lines {
            assert_eq!(a.attempts(&line.payment_id), b.attempts(&line.payment_id));
        }
        assert_eq!(a.batch_summary(&batch_id)?, b.batch_summary(&batch_id)?);
        Ok(())
    }

    #[test]
    fn batches_per_bank_with_stable_ids_sums_and_dates() -> TestResult {
        let setting = Setting::new()?;
        let roster = roster("R1", &[12_000, 8_050, 30_000, 100], &["NXS", "ICBC", ""])?;
        let review = approve(&roster)?;
        let ledger = PaymentLedger::new();
        let prepared = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance")?;
        let again = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance")?;
        assert_eq!(prepared, again, "rebuilding gives the same batches and ids");
        let batches: Vec<&PaymentBatch> = prepared
            .events
            .iter()
            .filter_map(|event| match &event.change {
                PaymentChange::BatchPrepared { batch } => Some(batch.as_ref()),
                _ => None,
            })
            .collect();
        let ids: Vec<&str> = batches.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(
            ids,
            ["GLJT-2026-11-150422-ICBC-01", "GLJT-2026-11-150422-NXS-01"]
        );
        let nxs = batches[1];
        assert_eq!(nxs.count(), 2);
        assert_eq!(nxs.control_sum, Amount::from_fen(12_100)?);
        assert_eq!(&*nxs.instructions[0].purpose, "2026年11月高龄津贴");
        assert_eq!(nxs.instructions[0].attempt, 1);
        assert_eq!(nxs.payer.unit_code, "CZ150422");
        // 10th working day of November 2026 (weekdays only): Friday the 13th.
        assert_eq!(nxs.deadline, date!(2026 - 11 - 13));
        assert_eq!(nxs.requested_execution_date, date!(2026 - 11 - 13));
        assert!(!nxs.is_late());
        // Line 3 has no account: queued for the township.
        let queued: Vec<u32> = prepared
            .events
            .iter()
            .filter_map(|event| match &event.change {
                PaymentChange::LinesQueued { items } => Some(items.iter().map(|i| i.line_no)),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(queued, [3]);
        // Prepared after the deadline: asked for the earliest day, and late.
        let late = ledger.prepare(
            &setting.plan(date!(2026 - 11 - 20)),
            &[(&roster, &review)],
            "finance",
        )?;
        let PaymentChange::BatchPrepared { batch } = &late.events[0].change else {
            return Err("no batch".into());
        };
        assert_eq!(batch.requested_execution_date, date!(2026 - 11 - 23));
        assert!(batch.is_late());
        Ok(())
    }

    #[test]
    fn sequence_numbers_count_on_per_account() -> TestResult {
        let setting = Setting::new()?;
        let mut first = roster("R1", &[100, 200, 300], &["NXS"])?;
        // Lines 1 and 3 are paid onto one account.
        let shared = first.lines()[0].account.clone();
        first.amend_line(
            3,
            LineChange {
                account: shared.clone(),
                ..LineChange::default()
            },
        )?;
        let mut ledger = PaymentLedger::new();
        let prepared =
            ledger.prepare(&setting.plan(ON), &[(&first, &approve(&first)?)], "finance")?;
        ledger.apply_all(&prepared.events);
        let numbers: Vec<(u32, u32)> = ledger
            .batches()
            .flat_map(|batch| batch.instructions.iter())
            .map(|line| (line.line_no, line.account_sequence))
            .collect();
        assert_eq!(numbers, [(1, 1), (2, 1), (3, 2)]);
        // The next roster paying onto the shared account counts on from the ledger.
        let second = roster("R2", &[100], &["NXS"])?;
        let prepared = ledger.prepare(
            &setting.plan(ON),
            &[(&second, &approve(&second)?)],
            "finance",
        )?;
        let PaymentChange::BatchPrepared { batch } = &prepared.events[0].change else {
            return Err("no batch".into());
        };
        assert_eq!(batch.instructions[0].account, shared.ok_or("no account")?);
        assert_eq!(batch.instructions[0].account_sequence, 3);
        Ok(())
    }

    #[test]
    fn a_line_is_batched_once_and_bad_rosters_change_nothing() -> TestResult {
        let setting = Setting::new()?;
        let roster = roster("R1", &[12_000, 8_050], &["NXS"])?;
        let review = approve(&roster)?;
        let mut ledger = PaymentLedger::new();
        let doubled = ledger.prepare(
            &setting.plan(ON),
            &[(&roster, &review), (&roster, &review)],
            "finance",
        );
        assert!(
            doubled
                .err()
                .ok_or("accepted")?
                .to_string()
                .contains("given twice")
        );
        let prepared = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance")?;
        ledger.apply_all(&prepared.events);
        let before = ledger.clone();
        let twice = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance");
        assert!(matches!(
            twice,
            Err(Error::Payment {
                rule: PaymentRule::AlreadyBatched { line_no: 1, .. }
            })
        ));
        // A roster changed after approval, and one never approved.
        let changed = self::roster("R1", &[12_000, 9_000], &["NXS"])?;
        let error = ledger
            .prepare(&setting.plan(ON), &[(&changed, &review)], "finance")
            .err()
            .ok_or("accepted")?;
        assert!(
            error.to_string().contains("not what finance approved"),
            "{error}"
        );
        let draft = Review::new(&Actor::new("c1", "乌云", Role::TownshipClerk), ON)?;
        let other = self::roster("R2", &[100], &["NXS"])?;
        let error = ledger
            .prepare(&setting.plan(ON), &[(&other, &draft)], "finance")
            .err()
            .ok_or("accepted")?;
        assert!(
            error
                .to_string()
                .contains("only a roster approved by finance"),
            "{error}"
        );
        // A bank without an agreement names the line.
        let foreign = self::roster("R3", &[100, 200], &["NXS", "BOC"])?;
        let error = ledger
            .prepare(
                &setting.plan(ON),
                &[(&foreign, &approve(&foreign)?)],
                "finance",
            )
            .err()
            .ok_or("accepted")?;
        assert!(error.to_string().contains("line 2: bank BOC"), "{error}");
        assert_eq!(ledger, before);
        Ok(())
    }

    #[test]
    fn results_settle_fail_and_balance_the_batch() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let (event, report) = ledger.receive(
            bank_return(
                &batch_id,
                2,
                vec![
                    result(lines[0].instruction_id(), ResultStatus::Settled),
                    result(
                        lines[1].instruction_id(),
                        failed(FailureKind::AccountClosed),
                    ),
                    result(lines[2].instruction_id(), ResultStatus::Pending),
                ],
            ),
            "bank",
            ON,
        )?;
        assert!(event.is_some());
        assert_eq!(
            report.tally(ResultClass::Settled),
            Tally {
                count: 1,
                fen: 12_000
            }
        );
        assert_eq!(
            report.tally(ResultClass::Failed),
            Tally {
                count: 1,
                fen: 8_050
            }
        );
        assert_eq!(report.tally(ResultClass::Pending).count, 1);
        let summary = ledger.batch_summary(&batch_id)?;
        assert!(summary.balances());
        assert_eq!(
            summary.pending,
            Tally {
                count: 1,
                fen: 30_000
            }
        );
        assert_eq!(summary.status, BatchStatus::Settling);
        let queued: Vec<u32> = ledger.corrections().map(|item| item.line_no).collect();
        assert_eq!(queued, [2]);
        let close = ledger.execute(
            PaymentCommand::Close {
                batch_id: batch_id.clone(),
            },
            "finance",
            ON,
        );
        assert!(close.is_err(), "a batch with a pending line does not close");
        ledger.receive(
            bank_return(
                &batch_id,
                3,
                vec![result(lines[2].instruction_id(), ResultStatus::Settled)],
            ),
            "bank",
            ON,
        )?;
        assert_eq!(ledger.batch_status(&batch_id), Some(BatchStatus::Settled));
        ledger.execute(
            PaymentCommand::Close {
                batch_id: batch_id.clone(),
            },
            "finance",
            ON,
        )?;
        assert_eq!(ledger.batch_status(&batch_id), Some(BatchStatus::Closed));
        Ok(())
    }

    #[test]
    fn replays_duplicates_and_strangers_change_nothing() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let file = bank_return(
            &batch_id,
            2,
            vec![
                result(lines[0].instruction_id(), ResultStatus::Settled),
                result(lines[0].instruction_id(), ResultStatus::Settled),
                result(lines[1].instruction_id(), failed(FailureKind::NameMismatch)),
                result(lines[1].instruction_id(), ResultStatus::Settled),
                result(
                    PaymentId::from_bytes([7; 16]).instruction_id(1),
                    ResultStatus::Settled,
                ),
                BankResult {
                    amount: Some(Amount::from_fen(1)?),
                    ..result(lines[2].instruction_id(), ResultStatus::Settled)
                },
            ],
        );
        let (_, report) = ledger.receive(file.clone(), "bank", ON)?;
        assert_eq!(report.tally(ResultClass::Settled).count, 1);
        assert_eq!(report.tally(ResultClass::DuplicateIdentical).count, 1);
        assert_eq!(report.tally(ResultClass::Failed).count, 1);
        // A success after a failure in the same file, no reissue out: the bank paid.
        assert_eq!(report.tally(ResultClass::LateSuccess).count, 1);
        assert_eq!(report.tally(ResultClass::Unknown).count, 1);
        assert_eq!(report.tally(ResultClass::AmountMismatch).count, 1);
        assert_eq!(
            ledger.corrections().count(),
            0,
            "the late success left the queue"
        );
        let before = ledger.clone();
        let (event, replay) = ledger.receive(file.clone(), "bank", ON)?;
        assert!(event.is_none() && replay.replayed);
        assert_eq!(ledger, before);
        // The same lines under another file hash: every line is a duplicate.
        let mut renamed = file;
        renamed.sha256 = hash(9);
        ledger.receive(renamed, "bank", ON)?;
        ledger.received.remove(&hash(9));
        assert_eq!(ledger, before);
        let summary = ledger.batch_summary(&batch_id)?;
        assert!(summary.balances());
        assert_eq!(summary.settled.count, 2);
        assert_eq!(
            summary.pending.count, 1,
            "an amount mismatch is not counted"
        );
        Ok(())
    }

    #[test]
    fn missing_lines_conflicts_and_a_rejected_file() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let (_, report) = ledger.receive(
            bank_return(
                &batch_id,
                2,
                vec![
                    result(lines[0].instruction_id(), ResultStatus::Settled),
                    result(
                        lines[0].instruction_id(),
                        failed(FailureKind::AccountBlocked),
                    ),
                ],
            ),
            "bank",
            ON,
        )?;
        assert_eq!(report.tally(ResultClass::Conflicting).count, 1);
        assert_eq!(report.tally(ResultClass::Missing).count, 2);
        assert_eq!(ledger.counted_attempt(&lines[0].payment_id), Some(1));
        // A file rejected whole: the batch goes back for a new export.
        let (mut ledger, batch_id, lines) = sent()?;
        let mut rejected = bank_return(&batch_id, 4, Vec::new());
        rejected.rejected = Some(FailureReason::of_kind(FailureKind::ControlSumMismatch));
        ledger.receive(rejected, "bank", ON)?;
        assert_eq!(ledger.batch_status(&batch_id), Some(BatchStatus::Rejected));
        // Results for a file the bank refused are for lines never sent.
        let (_, report) = ledger.receive(
            bank_return(
                &batch_id,
                5,
                vec![result(lines[0].instruction_id(), ResultStatus::Settled)],
            ),
            "bank",
            ON,
        )?;
        assert_eq!(report.tally(ResultClass::Unknown).count, 1);
        export(&mut ledger, &batch_id, 6)?;
        assert_eq!(ledger.exports(&batch_id).len(), 2);
        let twice = export(&mut ledger, &batch_id, 7);
        assert!(
            twice
                .err()
                .ok_or("exported twice")?
                .to_string()
                .contains("never sent again")
        );
        Ok(())
    }

    fn correct_and_reissue(
        ledger: &mut PaymentLedger,
        payment_id: PaymentId,
        n: u32,
    ) -> Fallible<PaymentBatch> {
        let setting = Setting::new()?;
        ledger.execute(
            PaymentCommand::CorrectAccount {
                payment_id,
                account: account("ICBC", 500 + n, "村民2")?,
            },
            "clerk",
            ON,
        )?;
        let events = ledger.prepare_reissue(&setting.plan(ON), "finance")?;
        ledger.apply_all(&events);
        Ok(ledger.batches().last().ok_or("no batch")?.clone())
    }

    #[test]
    fn a_member_paid_through_the_head_is_carried_to_every_attempt() -> TestResult {
        let setting = Setting::new()?;
        let township = RegionCode::parse(TOWNSHIP)?;
        // Lines 1 and 2 are household members paid through their heads (people 1
        // and 2); line 2 has no account, so it waits in the queue.
        let mut value = serde_json::to_value(roster("R-H", &[9_000, 8_000], &["NXS", ""])?)?;
        let members = [person(21)?, person(22)?];
        for (line, member) in members.iter().enumerate() {
            value["lines"][line]["facts"] =
                serde_json::to_value(BeneficiaryFacts::new(*member, township))?;
        }
        let roster: Roster = serde_json::from_value(value)?;
        let review = approve(&roster)?;
        let mut ledger = PaymentLedger::new();
        let prepared = ledger.prepare(&setting.plan(ON), &[(&roster, &review)], "finance")?;
        ledger.apply_all(&prepared.events);
        let batch = ledger.batches().next().ok_or("no batch")?;
        assert_eq!(batch.instructions[0].payee, person(1)?);
        assert_eq!(batch.instructions[0].beneficiary, Some(members[0]));
        let queued = ledger.corrections().next().ok_or("line 2 queued")?.clone();
        assert_eq!(queued.beneficiary, Some(members[1]));
        let reissued = correct_and_reissue(&mut ledger, queued.payment_id, 2)?;
        assert_eq!(reissued.instructions[0].beneficiary, Some(members[1]));
        // A line for the payee themself carries no beneficiary.
        let (_, _, own) = sent()?;
        assert!(own.iter().all(|line| line.beneficiary.is_none()));
        Ok(())
    }

    #[test]
    fn failed_lines_are_corrected_and_reissued_under_the_same_id() -> TestResult {
        const LATER: Date = time::macros::date!(2026 - 11 - 27);
        let (mut ledger, batch_id, lines) = sent()?;
        ledger.receive(
            bank_return(
                &batch_id,
                2,
                vec![
                    result(lines[0].instruction_id(), ResultStatus::Settled),
                    result(
                        lines[1].instruction_id(),
                        failed(FailureKind::AccountClosed),
                    ),
                    result(lines[2].instruction_id(), ResultStatus::Settled),
                ],
            ),
            "bank",
            ON,
        )?;
        let payment_id = lines[1].payment_id;
        // The same account again is refused: it was closed.
        let same = ledger.execute(
            PaymentCommand::CorrectAccount {
                payment_id,
                account: lines[1].account.clone(),
            },
            "clerk",
            ON,
        );
        assert!(
            same.err()
                .ok_or("accepted")?
                .to_string()
                .contains("give a different account")
        );
        let release = ledger.execute(
            PaymentCommand::Release {
                payment_id,
                note: "again".into(),
            },
            "clerk",
            ON,
        );
        assert!(
            release.is_err(),
            "a closed account cannot go again unchanged"
        );
        let reissue = correct_and_reissue(&mut ledger, payment_id, 2)?;
        assert_eq!(reissue.kind, BatchKind::Reissue);
        assert_eq!(reissue.id, "GLJT-2026-11-150422-ICBC-01");
        assert_eq!(reissue.instructions.len(), 1);
        assert_eq!(reissue.instructions[0].payment_id, payment_id);
        assert_eq!(reissue.instructions[0].attempt, 2);
        assert_eq!(ledger.corrections().count(), 0);
        export(&mut ledger, &reissue.id, 3)?;
        ledger.receive(
            bank_return(
                &reissue.id,
                4,
                vec![result(
                    reissue.instructions[0].instruction_id(),
                    ResultStatus::Settled,
                )],
            ),
            "bank",
            LATER,
        )?;
        assert_eq!(ledger.counted_attempt(&payment_id), Some(2));
        // One settlement a payment, dated by the result that reported it.
        let settled: Vec<(PaymentId, u8, Date)> = ledger
            .settlements()
            .map(|s| {
                (
                    s.instruction.payment_id,
                    s.instruction.attempt,
                    s.settled_on,
                )
            })
            .collect();
        assert_eq!(
            settled,
            [
                (lines[0].payment_id, 1, ON),
                (lines[2].payment_id, 1, ON),
                (payment_id, 2, LATER),
            ]
        );
        assert_eq!(ledger.settled_on(&payment_id), Some(LATER));
        assert_eq!(ledger.settled_on(&PaymentId::from_bytes([7; 16])), None);
        // Nothing left to reissue; a settled id never enters another batch.
        let setting = Setting::new()?;
        assert!(
            ledger
                .prepare_reissue(&setting.plan(ON), "finance")
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn a_late_success_after_a_reissue_opens_a_recovery() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let failure = result(
            lines[1].instruction_id(),
            failed(FailureKind::AccountBlocked),
        );
        ledger.receive(bank_return(&batch_id, 2, vec![failure]), "bank", ON)?;
        let payment_id = lines[1].payment_id;
        let reissue = correct_and_reissue(&mut ledger, payment_id, 2)?;
        export(&mut ledger, &reissue.id, 3)?;
        // The bank paid attempt 1 after all.
        let late = result(lines[1].instruction_id(), ResultStatus::Settled);
        let (_, report) = ledger.receive(bank_return(&batch_id, 4, vec![late]), "bank", ON)?;
        assert_eq!(report.tally(ResultClass::PossibleDuplicate).count, 1);
        assert_eq!(ledger.counted_attempt(&payment_id), Some(1));
        let watching: Vec<(u8, RecoveryStatus)> =
            ledger.recoveries().map(|r| (r.attempt, r.status)).collect();
        assert_eq!(watching, [(2, RecoveryStatus::Watching)]);
        // The reissue is paid too: the recovery is due, then recorded.
        let paid = result(
            reissue.instructions[0].instruction_id(),
            ResultStatus::Settled,
        );
        let (_, report) = ledger.receive(bank_return(&reissue.id, 5, vec![paid]), "bank", ON)?;
        assert_eq!(report.tally(ResultClass::PossibleDuplicate).count, 1);
        assert_eq!(ledger.counted_attempt(&payment_id), Some(1));
        let due: Vec<(u8, RecoveryStatus)> =
            ledger.recoveries().map(|r| (r.attempt, r.status)).collect();
        assert_eq!(due, [(2, RecoveryStatus::Due)]);
        ledger.execute(
            PaymentCommand::RecordRecovery {
                payment_id,
                attempt: 2,
                note: "从下期补贴中扣回".into(),
            },
            "finance",
            ON,
        )?;
        assert_eq!(
            ledger.recoveries().next().map(|r| r.status),
            Some(RecoveryStatus::Recovered)
        );
        Ok(())
    }

    #[test]
    fn a_late_success_before_the_reissue_is_sent_stops_the_reissue() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let failure = result(
            lines[1].instruction_id(),
            failed(FailureKind::AccountBlocked),
        );
        ledger.receive(bank_return(&batch_id, 2, vec![failure]), "bank", ON)?;
        let payment_id = lines[1].payment_id;
        let reissue = correct_and_reissue(&mut ledger, payment_id, 2)?;
        let late = result(lines[1].instruction_id(), ResultStatus::Settled);
        let (_, report) = ledger.receive(bank_return(&batch_id, 4, vec![late]), "bank", ON)?;
        assert_eq!(report.tally(ResultClass::LateSuccess).count, 1);
        assert!(report.findings[0].detail.contains("can no longer be sent"));
        let refused = export(&mut ledger, &reissue.id, 5);
        assert!(matches!(
            refused,
            Err(Error::Payment {
                rule: PaymentRule::AlreadySettled { attempt: 1, .. }
            })
        ));
        ledger.execute(
            PaymentCommand::CancelBatch {
                batch_id: reissue.id.clone(),
            },
            "finance",
            ON,
        )?;
        let summary = ledger.batch_summary(&reissue.id)?;
        assert!(summary.balances());
        assert_eq!(summary.failed.count, 1);
        assert_eq!(
            ledger.corrections().count(),
            0,
            "the settled payment is not queued again"
        );
        Ok(())
    }

    #[test]
    fn a_returned_credit_goes_back_to_the_queue() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let paid = result(lines[0].instruction_id(), ResultStatus::Settled);
        ledger.receive(bank_return(&batch_id, 2, vec![paid]), "bank", ON)?;
        let returned = result(
            lines[0].instruction_id(),
            ResultStatus::Returned {
                reason: FailureReason::from_text("已销户,退票"),
            },
        );
        let (_, report) = ledger.receive(bank_return(&batch_id, 3, vec![returned]), "bank", ON)?;
        assert_eq!(report.tally(ResultClass::Returned).count, 1);
        assert_eq!(ledger.counted_attempt(&lines[0].payment_id), None);
        let item = ledger.corrections().next().ok_or("not queued")?;
        assert_eq!(item.payment_id, lines[0].payment_id);
        assert_eq!(item.reason.kind, FailureKind::AccountClosed);
        assert!(ledger.batch_summary(&batch_id)?.balances());
        Ok(())
    }

    #[test]
    fn events_rebuild_the_ledger_and_survive_json() -> TestResult {
        let (mut ledger, batch_id, lines) = sent()?;
        let mut events: Vec<PaymentEvent> = Vec::new();
        let setting = Setting::new()?;
        let roster = roster("R1", &[12_000, 8_050, 30_000], &["NXS"])?;
        events.extend(
            PaymentLedger::new()
                .prepare(
                    &setting.plan(ON),
                    &[(&roster, &approve(&roster)?)],
                    "finance",
                )?
                .events,
        );
        events.push(PaymentEvent {
            on: ON,
            by: "finance".into(),
            change: PaymentChange::Exported {
                batch_id: batch_id.clone(),
                file_name: format!("{batch_id}.txt"),
                sha256: hash(1),
            },
        });
        let (event, _) = ledger.receive(
            bank_return(
                &batch_id,
                2,
                vec![result(
                    lines[1].instruction_id(),
                    failed(FailureKind::Deceased),
                )],
            ),
            "bank",
            ON,
        )?;
        events.extend(event);
        events.push(ledger.execute(
            PaymentCommand::CancelPayment {
                payment_id: lines[1].payment_id,
                reason: "本人已于10月身故".into(),
            },
            "clerk",
            ON,
        )?);
        let json = serde_json::to_string(&events)?;
        let back: Vec<PaymentEvent> = serde_json::from_str(&json)?;
        assert_eq!(back, events);
        assert_eq!(PaymentLedger::replay(&back), ledger);
        Ok(())
    }
}

/// Model-based property test: random interleavings of exports, rejections, results
/// in every adversarial shape, replays, late successes, returns, corrections,
/// reissues, withdrawals and recoveries.
#[cfg(test)]
mod model {
    use super::tests::{Setting, account, approve, roster};
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const ON: Date = date!(2026 - 11 - 02);

    #[derive(Debug, Clone)]
    enum Op {
        Export(u8),
        RejectFile(u8),
        Results {
            batch: u8,
            lines: Vec<(u8, u8)>,
            complete: bool,
            echo_attempt: bool,
            stranger: bool,
        },
        LateSuccess(u8, u8),
        Return(u8),
        Replay(u8),
        Fix(u8, u8),
        Reissue,
        CancelBatch(u8),
        Close(u8),
        Recover(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => any::<u8>().prop_map(Op::Export),
            1 => any::<u8>().prop_map(Op::RejectFile),
            6 => (
                any::<u8>(),
                proptest::collection::vec((any::<u8>(), 0u8..12), 0..8),
                any::<bool>(),
                any::<bool>(),
                proptest::bool::weighted(0.1),
            )
                .prop_map(|(batch, lines, complete, echo_attempt, stranger)| Op::Results {
                    batch,
                    lines,
                    complete,
                    echo_attempt,
                    stranger,
                }),
            2 => (any::<u8>(), any::<u8>()).prop_map(|(p, a)| Op::LateSuccess(p, a)),
            1 => any::<u8>().prop_map(Op::Return),
            2 => any::<u8>().prop_map(Op::Replay),
            4 => (any::<u8>(), prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
                .prop_map(|(i, how)| Op::Fix(i, how)),
            3 => Just(Op::Reissue),
            1 => any::<u8>().prop_map(Op::CancelBatch),
            1 => any::<u8>().prop_map(Op::Close),
            1 => any::<u8>().prop_map(Op::Recover),
        ]
    }

    struct World {
        ledger: PaymentLedger,
        events: Vec<PaymentEvent>,
        returns: Vec<BankReturn>,
        files: u32,
        setting: Setting,
        entitlement: FastMap<PaymentId, Amount>,
    }

    fn pick<T>(items: &[T], selector: u8) -> Option<&T> {
        (!items.is_empty()).then(|| &items[usize::from(selector) % items.len()])
    }

    impl World {
        fn next_hash(&mut self) -> String {
            self.files += 1;
            crate::payment::sha256_hex(&self.files.to_le_bytes())
        }

        fn batch_ids(&self) -> Vec<String> {
            self.ledger.batches().map(|b| b.id.clone()).collect()
        }

        fn command(&mut self, command: PaymentCommand) {
            let before = self.ledger.clone();
            match self.ledger.execute(command, "actor", ON) {
                Ok(event) => self.events.push(event),
                Err(_) => assert_eq!(self.ledger, before, "a refused command changed the ledger"),
            }
        }

        fn receive(&mut self, bank_return: BankReturn) {
            let before = self.ledger.clone();
            let seen = self.ledger.received.contains(&bank_return.sha256);
            match self.ledger.receive(bank_return.clone(), "bank", ON) {
                Ok((event, _)) => {
                    if seen {
                        assert_eq!(self.ledger, before, "a replayed file changed the ledger");
                    }
                    self.events.extend(event);
                    self.returns.push(bank_return);
                }
                Err(_) => assert_eq!(self.ledger, before, "a refused file changed the ledger"),
            }
        }

        fn results(&mut self, op: &Op) {
            let Op::Results {
                batch,
                lines,
                complete,
                echo_attempt,
                stranger,
            } = op
            else {
                return;
            };
            let ids = self.batch_ids();
            let sent: Vec<String> = ids
                .iter()
                .filter(|id| {
                    self.ledger
                        .record(id)
                        .is_ok_and(|(i, _)| self.ledger.was_sent(i))
                })
                .cloned()
                .collect();
            let from = if sent.is_empty() || *batch % 5 == 0 {
                &ids
            } else {
                &sent
            };
            let Some(batch_id) = pick(from, *batch).cloned() else {
                return;
            };
            let Some(batch) = self.ledger.batch(&batch_id).cloned() else {
                return;
            };
            let mut results = Vec::new();
            for (n, &(line, shape)) in lines.iter().enumerate() {
                let Some(instruction) = pick(&batch.instructions, line) else {
                    continue;
                };
                let mut reference = instruction.instruction_id();
                if !echo_attempt {
                    reference.attempt = None;
                }
                let kinds = [
                    FailureKind::AccountClosed,
                    FailureKind::AccountBlocked,
                    FailureKind::NameMismatch,
                    FailureKind::InsufficientFunds,
                ];
                let status = match shape {
                    0..=3 => ResultStatus::Settled,
                    4..=7 => ResultStatus::Failed {
                        reason: FailureReason::of_kind(kinds[usize::from(shape - 4)]),
                    },
                    8 => ResultStatus::Pending,
                    _ => ResultStatus::Settled,
                };
                results.push(BankResult {
                    line: n as u64 + 2,
                    reference,
                    status,
                    amount: Amount::from_fen(instruction.amount.to_fen() + i64::from(shape == 9))
                        .ok(),
                    name: Some(if shape == 10 {
                        "别人".into()
                    } else {
                        instruction.account.holder_name.clone()
                    }),
                    account: None,
                });
            }
            if *stranger {
                results.push(BankResult {
                    line: 99,
                    reference: PaymentId::from_bytes([9; 16]).instruction_id(1),
                    status: ResultStatus::Settled,
                    amount: None,
                    name: None,
                    account: None,
                });
            }
            let sha256 = self.next_hash();
            self.receive(BankReturn {
                source: "model".into(),
                sha256,
                batch_id: Some(batch_id),
                complete: *complete,
                rejected: None,
                results,
            });
        }

        /// Every attempt of every payment: (payment, instruction, batch id).
        fn attempts(&self) -> Vec<(PaymentInstruction, String)> {
            self.ledger
                .batches()
                .flat_map(|b| b.instructions.iter().map(|i| (i.clone(), b.id.clone())))
                .collect()
        }

        fn step(&mut self, op: &Op) {
            let ids = self.batch_ids();
            match op {
                Op::Export(n) => {
                    let waiting: Vec<String> = ids
                        .iter()
                        .filter(|id| {
                            matches!(
                                self.ledger.batch_status(id),
                                Some(BatchStatus::Prepared | BatchStatus::Rejected)
                            )
                        })
                        .cloned()
                        .collect();
                    let from = if waiting.is_empty() || *n % 5 == 0 {
                        &ids
                    } else {
                        &waiting
                    };
                    if let Some(batch_id) = pick(from, *n).cloned() {
                        let sha256 = self.next_hash();
                        self.command(PaymentCommand::Export {
                            file_name: format!("{batch_id}.txt"),
                            batch_id,
                            sha256,
                        });
                    }
                }
                Op::RejectFile(n) => {
                    if let Some(batch_id) = pick(&ids, *n).cloned() {
                        let sha256 = self.next_hash();
                        self.receive(BankReturn {
                            source: "rejection".into(),
                            sha256,
                            batch_id: Some(batch_id),
                            complete: true,
                            rejected: Some(FailureReason::of_kind(FailureKind::FormatInvalid)),
                            results: Vec::new(),
                        });
                    }
                }
                Op::Results { .. } => self.results(op),
                Op::LateSuccess(p, a) | Op::Return(p @ a) => {
                    let attempts = self.attempts();
                    if let Some((instruction, batch_id)) =
                        pick(&attempts, p.wrapping_add(a.wrapping_mul(7))).cloned()
                    {
                        let status = if matches!(op, Op::Return(_)) {
                            ResultStatus::Returned {
                                reason: FailureReason::from_text("已销户,退票"),
                            }
                        } else {
                            ResultStatus::Settled
                        };
                        let sha256 = self.next_hash();
                        self.receive(BankReturn {
                            source: "later".into(),
                            sha256,
                            batch_id: Some(batch_id),
                            complete: false,
                            rejected: None,
                            results: vec![BankResult {
                                line: 2,
                                reference: instruction.instruction_id(),
                                status,
                                amount: Some(instruction.amount),
                                name: None,
                                account: None,
                            }],
                        });
                    }
                }
                Op::Replay(n) => {
                    if let Some(old) = pick(&self.returns, *n).cloned() {
                        self.receive(old);
                    }
                }
                Op::Fix(n, how) => {
                    let queue: Vec<CorrectionItem> = self.ledger.corrections().cloned().collect();
                    if let Some(item) = pick(&queue, *n) {
                        let payment_id = item.payment_id;
                        let command = match how {
                            0 => match account("ICBC", 900 + u32::from(*n), "新户名") {
                                Ok(account) => PaymentCommand::CorrectAccount {
                                    payment_id,
                                    account,
                                },
                                Err(_) => return,
                            },
                            1 => PaymentCommand::Release {
                                payment_id,
                                note: "funded".into(),
                            },
                            _ => PaymentCommand::CancelPayment {
                                payment_id,
                                reason: "stopped".into(),
                            },
                        };
                        self.command(command);
                    }
                }
                Op::Reissue => {
                    let counted_before: Vec<PaymentId> = self
                        .entitlement
                        .keys()
                        .filter(|id| self.ledger.counted_attempt(id).is_some())
                        .copied()
                        .collect();
                    if let Ok(events) = self
                        .ledger
                        .prepare_reissue(&self.setting.plan(ON), "finance")
                    {
                        for event in &events {
                            if let PaymentChange::BatchPrepared { batch } = &event.change {
                                for instruction in &batch.instructions {
                                    assert!(
                                        !counted_before.contains(&instruction.payment_id),
                                        "a settled payment entered a reissue batch"
                                    );
                                }
                            }
                        }
                        self.ledger.apply_all(&events);
                        self.events.extend(events);
                    }
                }
                Op::CancelBatch(n) => {
                    if let Some(batch_id) = pick(&ids, *n).cloned() {
                        self.command(PaymentCommand::CancelBatch { batch_id });
                    }
                }
                Op::Close(n) => {
                    if let Some(batch_id) = pick(&ids, *n).cloned() {
                        self.command(PaymentCommand::Close { batch_id });
                    }
                }
                Op::Recover(n) => {
                    let due: Vec<Recovery> = self.ledger.recoveries().cloned().collect();
                    if let Some(recovery) = pick(&due, *n) {
                        self.command(PaymentCommand::RecordRecovery {
                            payment_id: recovery.payment_id,
                            attempt: recovery.attempt,
                            note: "扣回".into(),
                        });
                    }
                }
            }
        }

        fn check(&self) {
            for record in &self.ledger.batches {
                let summary = self.ledger.batch_summary(&record.batch.id);
                assert!(summary.is_ok(), "no summary of {}", record.batch.id);
                let summary = summary.unwrap_or_else(|_| unreachable_summary());
                assert!(summary.balances(), "{summary:?}");
                let pending = record
                    .outcomes
                    .iter()
                    .filter(|o| o.state == AttemptState::Pending)
                    .count();
                assert_eq!(pending, record.pending);
                assert_eq!(summary.pending.count as usize, pending);
            }
            for (payment_id, record) in self.ledger.payments.iter() {
                let attempts: Vec<(u8, AttemptState, Amount)> = record
                    .locations()
                    .map(|loc| {
                        let instruction = self.ledger.instruction(loc);
                        (
                            instruction.attempt,
                            self.ledger.outcome(loc).state,
                            instruction.amount,
                        )
                    })
                    .collect();
                let paid: Vec<u8> = attempts
                    .iter()
                    .filter(|a| a.1 == AttemptState::Settled)
                    .map(|a| a.0)
                    .collect();
                if let Some(counted) = record.counted {
                    assert!(
                        paid.contains(&counted),
                        "counted attempt {counted} is not paid"
                    );
                    assert!(
                        !self
                            .ledger
                            .corrections
                            .get(payment_id)
                            .is_some_and(|item| !matches!(
                                item.status,
                                CorrectionStatus::Cancelled { .. }
                            )),
                        "a settled payment waits for a reissue"
                    );
                } else {
                    assert!(
                        paid.is_empty()
                            || paid.iter().all(|a| {
                                self.ledger
                                    .recoveries
                                    .get(&(*payment_id, *a))
                                    .is_some_and(|r| {
                                        matches!(
                                            r.status,
                                            RecoveryStatus::Due | RecoveryStatus::Recovered
                                        )
                                    })
                            })
                    );
                }
                // Money: what the bank paid, less what is to be or was recovered,
                // never exceeds the entitlement.
                let entitled = self
                    .entitlement
                    .get(payment_id)
                    .copied()
                    .unwrap_or_default();
                let paid_fen: i64 = attempts
                    .iter()
                    .filter(|a| a.1 == AttemptState::Settled)
                    .map(|a| a.2.to_fen())
                    .sum();
                let recovering: i64 = self
                    .ledger
                    .recoveries
                    .values()
                    .filter(|r| {
                        r.payment_id == *payment_id
                            && matches!(r.status, RecoveryStatus::Due | RecoveryStatus::Recovered)
                    })
                    .map(|r| r.amount.to_fen())
                    .sum();
                assert!(
                    paid_fen - recovering <= entitled.to_fen(),
                    "payment {payment_id}: paid {paid_fen} fen, recovering {recovering}, \
                     entitled {entitled}"
                );
                let counted_fen = record.counted.map_or(0, |_| entitled.to_fen());
                assert!(counted_fen <= entitled.to_fen());
            }
        }
    }

    fn unreachable_summary() -> BatchSummary {
        BatchSummary {
            batch_id: String::new(),
            status: BatchStatus::Prepared,
            instructed: Tally::default(),
            settled: Tally::default(),
            failed: Tally::default(),
            pending: Tally::default(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn money_is_never_paid_twice_and_batches_always_balance(
            amounts in proptest::collection::vec(1i64..50_000, 1..6),
            ops in proptest::collection::vec(op(), 1..60),
        ) {
            let setting = Setting::new().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let roster = roster("R1", &amounts, &["NXS", "ICBC"])
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let review = approve(&roster).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let ledger = PaymentLedger::new();
            let prepared = ledger
                .prepare(&setting.plan(ON), &[(&roster, &review)], "finance")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut world = World {
                ledger,
                events: prepared.events.clone(),
                returns: Vec::new(),
                files: 0,
                setting,
                entitlement: FastMap::default(),
            };
            world.ledger.apply_all(&prepared.events);
            for batch in world.ledger.batches() {
                for instruction in &batch.instructions {
                    world.entitlement.insert(instruction.payment_id, instruction.amount);
                }
            }
            for op in &ops {
                world.step(op);
                world.check();
            }
            prop_assert_eq!(PaymentLedger::replay(&world.events), world.ledger);
        }
    }
}
