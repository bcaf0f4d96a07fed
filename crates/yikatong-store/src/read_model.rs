//! The tables analysts query (`sqlite3`, pandas `read_sql`): rosters, their lines,
//! batches, payments, result lines, reconciliation findings, the correction queue
//! and recoveries. They are written in the same transaction as the events they
//! follow, so they always match the journal. docs/journal-format.md lists the columns.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Transaction, params};
use serde::Serialize;
use yikatong_core::progress::{Counter, Progress};
use yikatong_core::{
    CorrectionItem, CorrectionStatus, PaymentChange, PaymentId, ReconciliationReport, Recovery,
    ResultStatus, Roster,
};

use crate::StoreError;
use crate::journal::Entry;
use crate::state::State;

/// The journal's own tables and the read models, created on first open.
pub(crate) const SCHEMA: &str = "
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    stream     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    command_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE commands (
    command_id  TEXT PRIMARY KEY,
    stream      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    first_seq   INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE TABLE snapshots (
    seq   INTEGER PRIMARY KEY,
    hash  TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE rosters (
    roster_id     TEXT PRIMARY KEY,
    project       TEXT NOT NULL,
    period        TEXT NOT NULL,
    township      TEXT NOT NULL,
    line_count    INTEGER NOT NULL,
    total         TEXT NOT NULL,
    total_fen     INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    review_status TEXT,
    frozen_hash   TEXT,
    saved_seq     INTEGER NOT NULL
);
CREATE TABLE roster_lines (
    roster_id       TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    payee           TEXT NOT NULL,
    name            TEXT NOT NULL,
    amount          TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL,
    bank            TEXT,
    account         TEXT,
    holder          TEXT,
    policy_document TEXT NOT NULL,
    policy_version  INTEGER NOT NULL,
    note            TEXT,
    PRIMARY KEY (roster_id, line_no)
);
CREATE TABLE batches (
    batch_id        TEXT PRIMARY KEY,
    project         TEXT NOT NULL,
    period          TEXT NOT NULL,
    county          TEXT NOT NULL,
    bank            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    prepared_on     TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    instructed      INTEGER NOT NULL,
    instructed_fen  INTEGER NOT NULL,
    settled         INTEGER NOT NULL,
    settled_fen     INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    failed_fen      INTEGER NOT NULL,
    pending         INTEGER NOT NULL,
    pending_fen     INTEGER NOT NULL
);
CREATE TABLE payments (
    payment_id TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    batch_id   TEXT NOT NULL,
    roster_id  TEXT NOT NULL,
    line_no    INTEGER NOT NULL,
    township   TEXT NOT NULL,
    payee      TEXT NOT NULL,
    bank       TEXT NOT NULL,
    account    TEXT NOT NULL,
    holder     TEXT NOT NULL,
    amount     TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    status     TEXT NOT NULL,
    counted    INTEGER NOT NULL,
    PRIMARY KEY (payment_id, attempt)
);
CREATE INDEX payments_batch ON payments (batch_id);
CREATE INDEX payments_roster ON payments (roster_id, line_no);
CREATE TABLE results (
    seq        INTEGER NOT NULL,
    source     TEXT NOT NULL,
    batch_id   TEXT,
    line       INTEGER NOT NULL,
    reference  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    attempt    INTEGER,
    status     TEXT NOT NULL,
    reason     TEXT,
    amount     TEXT,
    amount_fen INTEGER
);
CREATE INDEX results_payment ON results (payment_id);
CREATE TABLE findings (
    seq        INTEGER NOT NULL,
    source     TEXT NOT NULL,
    batch_id   TEXT,
    line       INTEGER NOT NULL,
    reference  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    class      TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE TABLE corrections (
    payment_id   TEXT PRIMARY KEY,
    roster_id    TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    payee        TEXT NOT NULL,
    amount       TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    last_attempt INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    queued_on    TEXT NOT NULL,
    status       TEXT NOT NULL
);
CREATE TABLE recoveries (
    payment_id      TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    counted_attempt INTEGER NOT NULL,
    amount          TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL,
    opened_on       TEXT NOT NULL,
    status          TEXT NOT NULL,
    PRIMARY KEY (payment_id, attempt)
);
";

/// Rows written between two progress reports.
const REPORT_EVERY: u64 = 1 << 16;

/// A serde enum's name (`finance_approved`, `settled`, …).
fn label<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Updates the read models after `entries` (with their sequence numbers) were
/// appended and applied to `state`; `report` is the reconciliation of a result file.
pub(crate) fn update(
    tx: &Transaction<'_>,
    state: &State,
    entries: &[(u64, &Entry)],
    report: Option<&ReconciliationReport>,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    let mut batches: BTreeSet<String> = BTreeSet::new();
    let mut payments: BTreeSet<PaymentId> = BTreeSet::new();
    for &(seq, entry) in entries {
        match entry {
            Entry::RegisterSaved { .. } => {}
            Entry::RosterSaved { roster } => save_roster(tx, state, roster, seq)?,
            Entry::Review { roster_id, .. } => {
                if let Some(review) = state.review(roster_id) {
                    tx.execute(
                        "UPDATE rosters SET review_status = ?2, frozen_hash = ?3 WHERE roster_id = ?1",
                        params![roster_id, label(&review.status()), review.frozen_hash()],
                    )?;
                }
            }
            Entry::Payment { event } => match &event.change {
                PaymentChange::BatchPrepared { batch } => {
                    batches.insert(batch.id.clone());
                    payments.extend(batch.instructions.iter().map(|line| line.payment_id));
                }
                PaymentChange::LinesQueued { items } => {
                    payments.extend(items.iter().map(|item| item.payment_id));
                }
                PaymentChange::BatchCancelled { batch_id } => {
                    batches.insert(batch_id.clone());
                    if let Some(batch) = state.ledger().batch(batch_id) {
                        payments.extend(batch.instructions.iter().map(|line| line.payment_id));
                    }
                }
                PaymentChange::Exported { batch_id, .. }
                | PaymentChange::Accepted { batch_id }
                | PaymentChange::FileRejected { batch_id, .. }
                | PaymentChange::Closed { batch_id } => {
                    batches.insert(batch_id.clone());
                }
                PaymentChange::ResultsReceived { bank_return } => {
                    batches.extend(bank_return.batch_id.iter().cloned());
                    let lines = bank_return.results.len() as u64;
                    let recorded = Counter::new(progress, "recording results", lines);
                    for (n, result) in (1u64..).zip(&bank_return.results) {
                        if n % REPORT_EVERY == 0 {
                            recorded.add(REPORT_EVERY);
                        }
                        let payment_id = result.reference.payment_id;
                        payments.insert(payment_id);
                        let (status, reason) = match &result.status {
                            ResultStatus::Settled => ("settled", None),
                            ResultStatus::Failed { reason } => ("failed", Some(reason.to_string())),
                            ResultStatus::Returned { reason } => {
                                ("returned", Some(reason.to_string()))
                            }
                            ResultStatus::Pending => ("pending", None),
                        };
                        tx.prepare_cached(
                            "INSERT INTO results (seq, source, batch_id, line, reference, payment_id, \
                             attempt, status, reason, amount, amount_fen) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                        )?
                        .execute(params![
                                seq,
                                bank_return.source,
                                bank_return.batch_id,
                                result.line,
                                result.reference.to_string(),
                                payment_id.to_string(),
                                result.reference.attempt,
                                status,
                                reason,
                                result.amount.map(|amount| amount.to_string()),
                                result.amount.map(|amount| amount.to_fen()),
                            ],
                        )?;
                    }
                    recorded.add(lines % REPORT_EVERY);
                    if let Some(report) = report {
                        for finding in &report.findings {
                            tx.prepare_cached(
                                "INSERT INTO findings (seq, source, batch_id, line, reference, \
                                 payment_id, class, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            )?
                            .execute(params![
                                    seq,
                                    report.source,
                                    report.batch_id,
                                    finding.line,
                                    finding.reference.to_string(),
                                    finding.reference.payment_id.to_string(),
                                    label(&finding.class),
                                    finding.detail,
                                ],
                            )?;
                        }
                    }
                }
                PaymentChange::AccountCorrected { payment_id, .. }
                | PaymentChange::Released { payment_id, .. }
                | PaymentChange::PaymentCancelled { payment_id, .. }
                | PaymentChange::Recovered { payment_id, .. } => {
                    payments.insert(*payment_id);
                }
                _ => {}
            },
        }
    }
    if !payments.is_empty() {
        // The batches of the attempts touched: their tallies moved too.
        batches.extend(refresh_payments(tx, state, &payments, progress)?);
    }
    for batch_id in &batches {
        refresh_batch(tx, state, batch_id)?;
    }
    Ok(())
}

fn save_roster(
    tx: &Transaction<'_>,
    state: &State,
    roster: &Roster,
    seq: u64,
) -> Result<(), StoreError> {
    let id = roster.id();
    let total = roster.total()?;
    let review = state.review(id);
    tx.execute("DELETE FROM roster_lines WHERE roster_id = ?1", params![id])?;
    tx.execute(
        "INSERT OR REPLACE INTO rosters (roster_id, project, period, township, line_count, total, \
         total_fen, content_hash, review_status, frozen_hash, saved_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            roster.project(),
            roster.period().to_string(),
            roster.township().to_string(),
            roster.lines().len(),
            total.to_string(),
            total.to_fen(),
            roster.content_hash(),
            review.map(|review| label(&review.status())),
            review.and_then(|review| review.frozen_hash()),
            seq,
        ],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO roster_lines (roster_id, line_no, payee, name, amount, amount_fen, bank, \
         account, holder, policy_document, policy_version, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for line in roster.lines() {
        let account = line.account.as_ref();
        insert.execute(params![
            id,
            line.line_no,
            line.payee.as_str(),
            line.name.as_str(),
            line.amount.to_string(),
            line.amount.to_fen(),
            account.map(|account| account.bank_code.as_str()),
            account.map(|account| account.number.as_str()),
            account.map(|account| account.holder_name.as_str()),
            line.policy_document.as_ref(),
            line.policy_version,
            line.note,
        ])?;
    }
    Ok(())
}

fn refresh_payments(
    tx: &Transaction<'_>,
    state: &State,
    payments: &BTreeSet<PaymentId>,
    progress: &dyn Progress,
) -> Result<BTreeSet<String>, StoreError> {
    let ledger = state.ledger();
    let updated = Counter::new(progress, "updating payments", payments.len() as u64);
    let corrections: HashMap<PaymentId, &CorrectionItem> = ledger
        .corrections()
        .filter(|item| payments.contains(&item.payment_id))
        .map(|item| (item.payment_id, item))
        .collect();
    let recoveries: Vec<&Recovery> = ledger
        .recoveries()
        .filter(|recovery| payments.contains(&recovery.payment_id))
        .collect();
    let mut upsert = tx.prepare_cached(
        "INSERT OR REPLACE INTO payments (payment_id, attempt, batch_id, roster_id, line_no, \
         township, payee, bank, account, holder, amount, amount_fen, status, counted) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    // Instructions do not name their batch: one pass over the batches (linear in
    // the ledger per command, never per line).
    let mut batch_ids: HashMap<(PaymentId, u8), String> = HashMap::new();
    for batch in ledger.batches() {
        for line in &batch.instructions {
            if payments.contains(&line.payment_id) {
                batch_ids.insert((line.payment_id, line.attempt), batch.id.clone());
            }
        }
    }
    for (n, payment_id) in (1u64..).zip(payments) {
        if n % REPORT_EVERY == 0 {
            updated.add(REPORT_EVERY);
        }
        let id = payment_id.to_string();
        let counted = ledger.counted_attempt(payment_id);
        let attempts = ledger.attempts(payment_id);
        let last = attempts.iter().map(|(line, _)| line.attempt).max();
        let queued = corrections.get(payment_id).map(|item| item.last_attempt);
        for (line, settled) in &attempts {
            // Not settled: still pending unless a later attempt replaced it or the
            // attempt failed into the correction queue.
            let status = if *settled {
                "settled"
            } else if last > Some(line.attempt) || queued >= Some(line.attempt) {
                "not_paid"
            } else {
                "pending"
            };
            let batch_id = batch_ids
                .get(&(*payment_id, line.attempt))
                .cloned()
                .unwrap_or_default();
            upsert.execute(params![
                id,
                line.attempt,
                batch_id,
                line.roster_id.as_ref(),
                line.line_no,
                line.township.to_string(),
                line.payee.as_str(),
                line.account.bank_code.as_str(),
                line.account.number.as_str(),
                line.account.holder_name.as_str(),
                line.amount.to_string(),
                line.amount.to_fen(),
                status,
                counted == Some(line.attempt),
            ])?;
        }
        // Cached: prepared once per command, not once per payment.
        tx.prepare_cached("DELETE FROM corrections WHERE payment_id = ?1")?
            .execute(params![id])?;
        if let Some(item) = corrections.get(payment_id) {
            let status = match &item.status {
                CorrectionStatus::Open => "open".to_owned(),
                CorrectionStatus::Ready { .. } => "ready".to_owned(),
                CorrectionStatus::Cancelled { reason } => format!("cancelled: {reason}"),
            };
            tx.prepare_cached(
                "INSERT INTO corrections (payment_id, roster_id, line_no, payee, amount, amount_fen, \
                 last_attempt, reason, queued_on, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                    id,
                    item.roster_id.as_ref(),
                    item.line_no,
                    item.payee.as_str(),
                    item.amount.to_string(),
                    item.amount.to_fen(),
                    item.last_attempt,
                    item.reason.to_string(),
                    item.queued_on.to_string(),
                    status,
                ],
            )?;
        }
        tx.prepare_cached("DELETE FROM recoveries WHERE payment_id = ?1")?
            .execute(params![id])?;
    }
    updated.add(payments.len() as u64 % REPORT_EVERY);
    for recovery in recoveries {
        tx.execute(
            "INSERT INTO recoveries (payment_id, attempt, counted_attempt, amount, amount_fen, \
             opened_on, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                recovery.payment_id.to_string(),
                recovery.attempt,
                recovery.counted_attempt,
                recovery.amount.to_string(),
                recovery.amount.to_fen(),
                recovery.opened_on.to_string(),
                label(&recovery.status),
            ],
        )?;
    }
    Ok(batch_ids.into_values().collect())
}

fn refresh_batch(tx: &Transaction<'_>, state: &State, batch_id: &str) -> Result<(), StoreError> {
    let ledger = state.ledger();
    let Some(batch) = ledger.batch(batch_id) else {
        return Ok(());
    };
    let summary = ledger.batch_summary(batch_id)?;
    tx.execute(
        "INSERT OR REPLACE INTO batches (batch_id, project, period, county, bank, kind, status, \
         prepared_on, deadline, instructed, instructed_fen, settled, settled_fen, failed, \
         failed_fen, pending, pending_fen) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            batch_id,
            batch.project,
            batch.period.to_string(),
            batch.county.to_string(),
            batch.bank_code.as_str(),
            label(&batch.kind),
            label(&summary.status),
            batch.prepared_on.to_string(),
            batch.deadline.to_string(),
            summary.instructed.count,
            summary.instructed.fen,
            summary.settled.count,
            summary.settled.fen,
            summary.failed.count,
            summary.failed.fen,
            summary.pending.count,
            summary.pending.fen,
        ],
    )?;
    Ok(())
}
