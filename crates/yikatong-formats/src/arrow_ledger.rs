//! The payment ledger's read models as Apache Arrow record batches: payments (one row
//! per attempt), batches, the correction queue, a bank's result file and what
//! reconciling it found. The columns are documented in docs/arrow-tables.md.
//!
//! Money is in two columns: `amount` as `Decimal128(18, 2)` (yuan, exact; pandas
//! shows `decimal.Decimal`, polars `Decimal`) and `amount_fen` as `Int64`, the
//! convention of the audit tables.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray,
    UInt8Array, UInt32Array, UInt64Array,
};
use time::Date;
use yikatong_core::{
    BankReturn, BatchStatus, CorrectionStatus, PaymentBatch, PaymentId, PaymentInstruction,
    PaymentLedger, ReconciliationReport, ResultClass, ResultStatus,
};

use crate::FormatError;

/// Precision of the money columns: 16 digits of yuan and 2 of fen.
const MONEY_PRECISION: u8 = 18;
/// Fen: two decimal places.
const MONEY_SCALE: i8 = 2;

/// Yuan as `Decimal128(18, 2)`, from fen: the money column of every table.
pub(crate) fn yuan_array(fen: impl Iterator<Item = i64>) -> Result<ArrayRef, FormatError> {
    let decimal = Decimal128Array::from_iter_values(fen.map(i128::from))
        .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
        .map_err(arrow_error)?;
    Ok(Arc::new(decimal))
}
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

fn arrow_error(error: impl std::fmt::Display) -> FormatError {
    FormatError::Arrow {
        message: error.to_string(),
    }
}

/// The snake-case name serde gives a unit variant (`settled`, `invalid_account`).
fn snake<T: serde::Serialize>(value: &T) -> Result<String, FormatError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        Ok(other) => Ok(other.to_string()),
        Err(error) => Err(arrow_error(error)),
    }
}

fn days(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY
}

/// Columns under construction: name, values, nullable.
#[derive(Default)]
struct Columns(Vec<(&'static str, ArrayRef, bool)>);

impl Columns {
    fn text<S: AsRef<str>>(&mut self, name: &'static str, values: &[S]) {
        let array: StringArray = values.iter().map(|v| Some(v.as_ref())).collect();
        self.0.push((name, Arc::new(array), false));
    }

    fn opt_text(&mut self, name: &'static str, values: &[Option<String>]) {
        let array: StringArray = values.iter().map(Option::as_deref).collect();
        self.0.push((name, Arc::new(array), true));
    }

    fn money(
        &mut self,
        name: &'static str,
        fen_name: &'static str,
        fen: &[i64],
    ) -> Result<(), FormatError> {
        self.0.push((name, yuan_array(fen.iter().copied())?, false));
        self.0
            .push((fen_name, Arc::new(Int64Array::from(fen.to_vec())), false));
        Ok(())
    }

    fn opt_money(
        &mut self,
        name: &'static str,
        fen_name: &'static str,
        fen: &[Option<i64>],
    ) -> Result<(), FormatError> {
        let decimal: Decimal128Array = fen.iter().map(|f| f.map(i128::from)).collect();
        let decimal = decimal
            .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
            .map_err(arrow_error)?;
        self.0.push((name, Arc::new(decimal), true));
        self.0
            .push((fen_name, Arc::new(Int64Array::from(fen.to_vec())), true));
        Ok(())
    }

    fn date(&mut self, name: &'static str, values: &[Date]) {
        let array: Date32Array = values.iter().map(|&d| Some(days(d))).collect();
        self.0.push((name, Arc::new(array), false));
    }

    fn opt_date(&mut self, name: &'static str, values: &[Option<Date>]) {
        let array: Date32Array = values.iter().map(|d| d.map(days)).collect();
        self.0.push((name, Arc::new(array), true));
    }

    fn push(&mut self, name: &'static str, array: ArrayRef, nullable: bool) {
        self.0.push((name, array, nullable));
    }

    fn finish(self) -> Result<RecordBatch, FormatError> {
        RecordBatch::try_from_iter_with_nullable(self.0).map_err(arrow_error)
    }
}

/// Where one attempt stands, in words for the `status` column.
fn attempt_status(
    ledger: &PaymentLedger,
    queue: &HashMap<PaymentId, u8>,
    status: Option<BatchStatus>,
    instruction: &PaymentInstruction,
) -> &'static str {
    let id = &instruction.payment_id;
    let attempts = ledger.attempts(id);
    let paid = attempts
        .iter()
        .any(|(other, paid)| *paid && other.attempt == instruction.attempt);
    if paid {
        return if ledger.counted_attempt(id) == Some(instruction.attempt) {
            "settled"
        } else {
            "duplicate"
        };
    }
    let later_attempt = attempts
        .iter()
        .any(|(other, _)| other.attempt > instruction.attempt);
    let queued = queue
        .get(id)
        .is_some_and(|&last| last >= instruction.attempt);
    match status {
        Some(BatchStatus::Rejected) => "rejected",
        Some(BatchStatus::Prepared) => "prepared",
        Some(BatchStatus::Settled | BatchStatus::Closed) => "failed",
        _ if later_attempt || queued => "failed",
        _ => "pending",
    }
}

/// Every attempt of every batch, one row each, in batch and line order: `batch_id`,
/// `payment_id`, `attempt`, `roster_id`, `line_no`, `township`, `payee`,
/// `beneficiary` (the person the line is for; the payee unless paid to another),
/// `holder_name`, `bank_code`, `account`, `amount`, `amount_fen`, `status`
/// (`prepared`, `pending`, `settled`, `duplicate` — paid twice, to recover —,
/// `failed` — refused or returned —, `rejected` with its whole file) and
/// `settled_on` (the day of the result that counts it as paid).
pub fn payments_to_arrow(ledger: &PaymentLedger) -> Result<RecordBatch, FormatError> {
    let n: usize = ledger.batches().map(PaymentBatch::count).sum();
    let mut batch_ids = Vec::with_capacity(n);
    let mut payment_ids = Vec::with_capacity(n);
    let mut attempts = Vec::with_capacity(n);
    let mut rosters = Vec::with_capacity(n);
    let mut line_nos = Vec::with_capacity(n);
    let mut townships = Vec::with_capacity(n);
    let mut payees = Vec::with_capacity(n);
    let mut beneficiaries = Vec::with_capacity(n);
    let mut holders = Vec::with_capacity(n);
    let mut banks = Vec::with_capacity(n);
    let mut accounts = Vec::with_capacity(n);
    let mut fen = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(n);
    let mut settled_on = Vec::with_capacity(n);
    // The queue once, not once per row.
    let queue: HashMap<PaymentId, u8> = ledger
        .corrections()
        .map(|item| (item.payment_id, item.last_attempt))
        .collect();
    for batch in ledger.batches() {
        let status = ledger.batch_status(&batch.id);
        for instruction in &batch.instructions {
            let state = attempt_status(ledger, &queue, status, instruction);
            batch_ids.push(batch.id.as_str());
            payment_ids.push(instruction.payment_id.to_string());
            attempts.push(instruction.attempt);
            rosters.push(instruction.roster_id.clone());
            line_nos.push(instruction.line_no);
            townships.push(instruction.township.to_string());
            payees.push(instruction.payee.to_string());
            beneficiaries.push(
                instruction
                    .beneficiary
                    .unwrap_or(instruction.payee)
                    .to_string(),
            );
            holders.push(instruction.account.holder_name.as_str());
            banks.push(instruction.account.bank_code.as_str());
            accounts.push(instruction.account.number.as_str());
            fen.push(instruction.amount.to_fen());
            statuses.push(state);
            settled_on.push(if state == "settled" {
                ledger.settled_on(&instruction.payment_id)
            } else {
                None
            });
        }
    }
    let mut columns = Columns::default();
    columns.text("batch_id", &batch_ids);
    columns.text("payment_id", &payment_ids);
    columns.push("attempt", Arc::new(UInt8Array::from(attempts)), false);
    columns.text("roster_id", &rosters);
    columns.push("line_no", Arc::new(UInt32Array::from(line_nos)), false);
    columns.text("township", &townships);
    columns.text("payee", &payees);
    columns.text("beneficiary", &beneficiaries);
    columns.text("holder_name", &holders);
    columns.text("bank_code", &banks);
    columns.text("account", &accounts);
    columns.money("amount", "amount_fen", &fen)?;
    columns.text("status", &statuses);
    columns.opt_date("settled_on", &settled_on);
    columns.finish()
}

/// Every batch, one row each, in the order prepared: `batch_id`, `kind`
/// (`original` or `reissue`), `project`, `period`, `county`, `bank_code`,
/// `payer_unit`, `prepared_on`, `deadline`, `requested_execution_date`, `status`,
/// `count`, `amount`/`amount_fen` (the control sum), and the lines by outcome:
/// `settled_count`, `settled_amount`, `failed_count`, `failed_amount`,
/// `pending_count`, `pending_amount` (instructed = settled + failed + pending).
pub fn batches_to_arrow(ledger: &PaymentLedger) -> Result<RecordBatch, FormatError> {
    let n = ledger.batches().len();
    let mut text: [Vec<String>; 8] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut dates: [Vec<Date>; 3] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut counts: [Vec<u64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut sums: [Vec<i64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    for batch in ledger.batches() {
        let summary = ledger.batch_summary(&batch.id).map_err(arrow_error)?;
        let cells = [
            batch.id.clone(),
            snake(&batch.kind)?,
            batch.project.clone(),
            batch.period.to_string(),
            batch.county.to_string(),
            batch.bank_code.to_string(),
            batch.payer.unit_code.to_string(),
            snake(&summary.status)?,
        ];
        for (column, cell) in text.iter_mut().zip(cells) {
            column.push(cell);
        }
        for (column, day) in dates.iter_mut().zip([
            batch.prepared_on,
            batch.deadline,
            batch.requested_execution_date,
        ]) {
            column.push(day);
        }
        let tallies = [
            summary.instructed,
            summary.settled,
            summary.failed,
            summary.pending,
        ];
        for ((count, sum), tally) in counts.iter_mut().zip(sums.iter_mut()).zip(tallies) {
            count.push(tally.count);
            sum.push(tally.fen);
        }
    }
    let [
        ids,
        kinds,
        projects,
        periods,
        counties,
        banks,
        payers,
        statuses,
    ] = text;
    let [prepared_on, deadline, requested] = dates;
    let [count, settled_count, failed_count, pending_count] = counts;
    let [total, settled, failed, pending] = sums;
    let mut columns = Columns::default();
    columns.text("batch_id", &ids);
    columns.text("kind", &kinds);
    columns.text("project", &projects);
    columns.text("period", &periods);
    columns.text("county", &counties);
    columns.text("bank_code", &banks);
    columns.text("payer_unit", &payers);
    columns.date("prepared_on", &prepared_on);
    columns.date("deadline", &deadline);
    columns.date("requested_execution_date", &requested);
    columns.text("status", &statuses);
    columns.push("count", Arc::new(UInt64Array::from(count)), false);
    columns.money("amount", "amount_fen", &total)?;
    columns.push(
        "settled_count",
        Arc::new(UInt64Array::from(settled_count)),
        false,
    );
    columns.money("settled_amount", "settled_fen", &settled)?;
    columns.push(
        "failed_count",
        Arc::new(UInt64Array::from(failed_count)),
        false,
    );
    columns.money("failed_amount", "failed_fen", &failed)?;
    columns.push(
        "pending_count",
        Arc::new(UInt64Array::from(pending_count)),
        false,
    );
    columns.money("pending_amount", "pending_fen", &pending)?;
    columns.finish()
}

/// The correction queue (待修正), one row per payment: `payment_id`, `project`,
/// `period`, `roster_id`, `line_no`, `township`, `payee`, `amount`, `amount_fen`,
/// `bank_code`, `account` and `holder_name` of the account that failed (null when the
/// line had none), `last_attempt`, `reason_kind` (e.g. `invalid_account`),
/// `reason_code` (the bank's code, if any), `reason_text`, `needs_account_fix`,
/// `queued_on`, `status` (`open`, `ready`, `cancelled`), `ready_account` (the
/// corrected account once ready) and `note` (why cancelled).
pub fn corrections_to_arrow(ledger: &PaymentLedger) -> Result<RecordBatch, FormatError> {
    let items: Vec<_> = ledger.corrections().collect();
    let mut columns = Columns::default();
    let ids: Vec<String> = items.iter().map(|i| i.payment_id.to_string()).collect();
    columns.text("payment_id", &ids);
    let projects: Vec<&str> = items.iter().map(|i| i.project.as_str()).collect();
    columns.text("project", &projects);
    let periods: Vec<String> = items.iter().map(|i| i.period.to_string()).collect();
    columns.text("period", &periods);
    let rosters: Vec<&str> = items.iter().map(|i| &*i.roster_id).collect();
    columns.text("roster_id", &rosters);
    let lines: UInt32Array = items.iter().map(|i| Some(i.line_no)).collect();
    columns.push("line_no", Arc::new(lines), false);
    let townships: Vec<String> = items.iter().map(|i| i.township.to_string()).collect();
    columns.text("township", &townships);
    let payees: Vec<String> = items.iter().map(|i| i.payee.to_string()).collect();
    columns.text("payee", &payees);
    let fen: Vec<i64> = items.iter().map(|i| i.amount.to_fen()).collect();
    columns.money("amount", "amount_fen", &fen)?;
    let account = |f: fn(&yikatong_core::PayeeAccount) -> String| -> Vec<Option<String>> {
        items.iter().map(|i| i.account.as_ref().map(f)).collect()
    };
    columns.opt_text("bank_code", &account(|a| a.bank_code.to_string()));
    columns.opt_text("account", &account(|a| a.number.as_str().to_owned()));
    columns.opt_text("holder_name", &account(|a| a.holder_name.to_string()));
    let attempts: UInt8Array = items.iter().map(|i| Some(i.last_attempt)).collect();
    columns.push("last_attempt", Arc::new(attempts), false);
    let kinds = items
        .iter()
        .map(|i| snake(&i.reason.kind))
        .collect::<Result<Vec<_>, _>>()?;
    columns.text("reason_kind", &kinds);
    let codes: Vec<Option<String>> = items
        .iter()
        .map(|i| i.reason.code.as_ref().map(ToString::to_string))
        .collect();
    columns.opt_text("reason_code", &codes);
    let texts: Vec<&str> = items.iter().map(|i| i.reason.text.as_str()).collect();
    columns.text("reason_text", &texts);
    let fix: BooleanArray = items
        .iter()
        .map(|i| Some(i.reason.kind.needs_account_fix()))
        .collect();
    columns.push("needs_account_fix", Arc::new(fix), false);
    let queued: Vec<Date> = items.iter().map(|i| i.queued_on).collect();
    columns.date("queued_on", &queued);
    let statuses: Vec<&str> = items
        .iter()
        .map(|i| match i.status {
            CorrectionStatus::Open => "open",
            CorrectionStatus::Ready { .. } => "ready",
            CorrectionStatus::Cancelled { .. } => "cancelled",
        })
        .collect();
    columns.text("status", &statuses);
    let ready: Vec<Option<String>> = items
        .iter()
        .map(|i| match &i.status {
            CorrectionStatus::Ready { account } => Some(account.number.as_str().to_owned()),
            _ => None,
        })
        .collect();
    columns.opt_text("ready_account", &ready);
    let notes: Vec<Option<String>> = items
        .iter()
        .map(|i| match &i.status {
            CorrectionStatus::Cancelled { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    columns.opt_text("note", &notes);
    columns.finish()
}

/// A bank's result file, one row per line in file order: `line`, `payment_id`,
/// `attempt` (null when the bank echoed no attempt), `status` (`settled`, `failed`,
/// `returned`, `pending`), `reason_kind`, `reason_code`, `reason_text` (null unless
/// failed or returned), `amount`/`amount_fen`, `name` and `account` as the bank
/// states them (null when it does not).
pub fn bank_results_to_arrow(bank_return: &BankReturn) -> Result<RecordBatch, FormatError> {
    let results = &bank_return.results;
    let mut columns = Columns::default();
    let lines: UInt64Array = results.iter().map(|r| Some(r.line)).collect();
    columns.push("line", Arc::new(lines), false);
    let ids: Vec<String> = results
        .iter()
        .map(|r| r.reference.payment_id.to_string())
        .collect();
    columns.text("payment_id", &ids);
    let attempts: UInt8Array = results.iter().map(|r| r.reference.attempt).collect();
    columns.push("attempt", Arc::new(attempts), true);
    let mut statuses = Vec::with_capacity(results.len());
    let mut kinds = Vec::with_capacity(results.len());
    let mut codes = Vec::with_capacity(results.len());
    let mut texts = Vec::with_capacity(results.len());
    for result in results {
        let (status, reason) = match &result.status {
            ResultStatus::Settled => ("settled", None),
            ResultStatus::Failed { reason } => ("failed", Some(reason)),
            ResultStatus::Returned { reason } => ("returned", Some(reason)),
            ResultStatus::Pending => ("pending", None),
        };
        statuses.push(status);
        kinds.push(reason.map(|r| snake(&r.kind)).transpose()?);
        codes.push(reason.and_then(|r| r.code.as_ref().map(ToString::to_string)));
        texts.push(reason.map(|r| r.text.clone()));
    }
    columns.text("status", &statuses);
    columns.opt_text("reason_kind", &kinds);
    columns.opt_text("reason_code", &codes);
    columns.opt_text("reason_text", &texts);
    let fen: Vec<Option<i64>> = results
        .iter()
        .map(|r| r.amount.map(|a| a.to_fen()))
        .collect();
    columns.opt_money("amount", "amount_fen", &fen)?;
    let names: Vec<Option<String>> = results
        .iter()
        .map(|r| r.name.as_ref().map(ToString::to_string))
        .collect();
    columns.opt_text("name", &names);
    let accounts: Vec<Option<String>> = results
        .iter()
        .map(|r| r.account.as_ref().map(ToString::to_string))
        .collect();
    columns.opt_text("account", &accounts);
    columns.finish()
}

/// The lines of a reconciliation that need someone to look, one row each: `line`
/// (0 for an instruction the file left out), `payment_id`, `attempt`, `class`
/// (e.g. `unknown`, `amount_mismatch`, `missing`) and `detail`.
pub fn reconciliation_findings_to_arrow(
    report: &ReconciliationReport,
) -> Result<RecordBatch, FormatError> {
    let findings = &report.findings;
    let mut columns = Columns::default();
    let lines: UInt64Array = findings.iter().map(|f| Some(f.line)).collect();
    columns.push("line", Arc::new(lines), false);
    let ids: Vec<String> = findings
        .iter()
        .map(|f| f.reference.payment_id.to_string())
        .collect();
    columns.text("payment_id", &ids);
    let attempts: UInt8Array = findings.iter().map(|f| f.reference.attempt).collect();
    columns.push("attempt", Arc::new(attempts), true);
    let classes = findings
        .iter()
        .map(|f| snake(&f.class))
        .collect::<Result<Vec<_>, _>>()?;
    columns.text("class", &classes);
    let details: Vec<&str> = findings.iter().map(|f| f.detail.as_str()).collect();
    columns.text("detail", &details);
    columns.finish()
}

/// A reconciliation's tallies, one row for every class in a fixed order (zero where
/// no line fell in it): `class`, `needs_attention`, `count`, `amount`, `amount_fen`.
pub fn reconciliation_tallies_to_arrow(
    report: &ReconciliationReport,
) -> Result<RecordBatch, FormatError> {
    let classes = ResultClass::ALL
        .iter()
        .map(snake)
        .collect::<Result<Vec<_>, _>>()?;
    let attention: BooleanArray = ResultClass::ALL
        .iter()
        .map(|c| Some(c.needs_attention()))
        .collect();
    let tallies: Vec<_> = ResultClass::ALL.iter().map(|&c| report.tally(c)).collect();
    let counts: UInt64Array = tallies.iter().map(|t| Some(t.count)).collect();
    let fen: Vec<i64> = tallies.iter().map(|t| t.fen).collect();
    let mut columns = Columns::default();
    columns.text("class", &classes);
    columns.push("needs_attention", Arc::new(attention), false);
    columns.push("count", Arc::new(counts), false);
    columns.money("amount", "amount_fen", &fen)?;
    columns.finish()
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Decimal128Type, Int64Type, UInt64Type};
    use time::macros::date;
    use yikatong_core::{
        BankResult, FailureKind, FailureReason, PaymentChange, PaymentEvent, PaymentLedger,
    };
    use yikatong_testkit::payments::{sample_batch, sample_instruction};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A batch of three lines, exported; the bank paid two and refused one.
    fn answered() -> Result<(PaymentLedger, ReconciliationReport), Box<dyn std::error::Error>> {
        let batch = sample_batch(vec![
            sample_instruction(1, "张三", "120.00", "6217000000000001", 1)?,
            sample_instruction(2, "李四", "80.50", "6217000000000002", 1)?,
            sample_instruction(3, "王五", "99.99", "6217000000000003", 1)?,
        ])?;
        let ids: Vec<_> = batch
            .instructions
            .iter()
            .map(PaymentInstruction::instruction_id)
            .collect();
        let batch_id = batch.id.clone();
        let mut ledger = PaymentLedger::replay(&[PaymentEvent {
            on: date!(2026 - 11 - 20),
            by: "f1".to_owned(),
            change: PaymentChange::BatchPrepared {
                batch: Arc::new(batch),
            },
        }]);
        ledger.execute(
            yikatong_core::PaymentCommand::Export {
                batch_id: batch_id.clone(),
                file_name: "a.txt".to_owned(),
                sha256: "0".repeat(64),
            },
            "f1",
            date!(2026 - 11 - 20),
        )?;
        let result = |line: u64, n: usize, status: ResultStatus| -> BankResult {
            BankResult {
                line,
                reference: ids[n],
                status,
                amount: None,
                name: None,
                account: None,
            }
        };
        let bank_return = BankReturn {
            source: "results.txt".to_owned(),
            sha256: "1".repeat(64),
            batch_id: Some(batch_id),
            complete: true,
            rejected: None,
            results: vec![
                result(1, 0, ResultStatus::Settled),
                result(2, 1, ResultStatus::Settled),
                result(
                    3,
                    2,
                    ResultStatus::Failed {
                        reason: FailureReason::of_kind(FailureKind::AccountClosed),
                    },
                ),
            ],
        };
        let (_, report) = ledger.receive(bank_return, "bank", date!(2026 - 11 - 25))?;
        Ok((ledger, report))
    }

    #[test]
    fn payments_show_each_attempt_with_its_outcome_and_exact_money() -> TestResult {
        let (ledger, _) = answered()?;
        let table = payments_to_arrow(&ledger)?;
        assert_eq!(table.num_rows(), 3);
        let status = table
            .column_by_name("status")
            .ok_or("status")?
            .as_string::<i32>();
        assert_eq!(status.value(0), "settled");
        assert_eq!(status.value(2), "failed");
        let amount = table
            .column_by_name("amount")
            .ok_or("amount")?
            .as_primitive::<Decimal128Type>();
        assert_eq!(amount.value(1), 8050);
        assert_eq!(amount.value_as_string(2), "99.99");
        let settled_on = table
            .column_by_name("settled_on")
            .ok_or("settled_on")?
            .as_primitive::<Date32Type>();
        assert_eq!(settled_on.value(0), days(date!(2026 - 11 - 25)));
        assert!(settled_on.is_null(2));
        Ok(())
    }

    #[test]
    fn batches_balance_and_the_queue_holds_the_failure() -> TestResult {
        let (ledger, _) = answered()?;
        let batches = batches_to_arrow(&ledger)?;
        assert_eq!(batches.num_rows(), 1);
        let fen = |name: &str| -> Result<i64, Box<dyn std::error::Error>> {
            Ok(batches
                .column_by_name(name)
                .ok_or("column")?
                .as_primitive::<Int64Type>()
                .value(0))
        };
        assert_eq!(fen("amount_fen")?, 30049);
        assert_eq!(fen("settled_fen")?, 20050);
        assert_eq!(fen("failed_fen")?, 9999);
        assert_eq!(fen("pending_fen")?, 0);
        let count = batches
            .column_by_name("settled_count")
            .ok_or("settled_count")?
            .as_primitive::<UInt64Type>();
        assert_eq!(count.value(0), 2);
        let status = batches
            .column_by_name("status")
            .ok_or("status")?
            .as_string::<i32>();
        assert_eq!(status.value(0), "settled");

        let queue = corrections_to_arrow(&ledger)?;
        assert_eq!(queue.num_rows(), 1);
        let kind = queue
            .column_by_name("reason_kind")
            .ok_or("reason_kind")?
            .as_string::<i32>();
        assert_eq!(kind.value(0), "account_closed");
        let status = queue
            .column_by_name("status")
            .ok_or("status")?
            .as_string::<i32>();
        assert_eq!(status.value(0), "open");
        Ok(())
    }

    #[test]
    fn a_reconciliation_gives_tallies_for_every_class_and_its_results() -> TestResult {
        let (_, report) = answered()?;
        let tallies = reconciliation_tallies_to_arrow(&report)?;
        assert_eq!(tallies.num_rows(), ResultClass::ALL.len());
        let class = tallies
            .column_by_name("class")
            .ok_or("class")?
            .as_string::<i32>();
        assert_eq!(class.value(0), "settled");
        let count = tallies
            .column_by_name("count")
            .ok_or("count")?
            .as_primitive::<UInt64Type>();
        assert_eq!((count.value(0), count.value(1)), (2, 1));
        let findings = reconciliation_findings_to_arrow(&report)?;
        assert_eq!(findings.num_rows(), report.findings.len());
        Ok(())
    }

    #[test]
    fn result_lines_keep_the_reason_and_leave_unstated_values_null() -> TestResult {
        let bank_return = BankReturn {
            source: "x".to_owned(),
            sha256: String::new(),
            batch_id: None,
            complete: false,
            rejected: None,
            results: vec![BankResult {
                line: 7,
                reference: sample_instruction(1, "张三", "1.00", "6217000000000001", 1)?
                    .instruction_id(),
                status: ResultStatus::Failed {
                    reason: FailureReason::from_text("卡号不存在"),
                },
                amount: Some(yikatong_core::Amount::parse("1.00")?),
                name: None,
                account: None,
            }],
        };
        let table = bank_results_to_arrow(&bank_return)?;
        assert_eq!(table.num_rows(), 1);
        let kind = table
            .column_by_name("reason_kind")
            .ok_or("reason_kind")?
            .as_string::<i32>();
        assert_eq!(kind.value(0), "invalid_account");
        assert!(table.column_by_name("name").ok_or("name")?.is_null(0));
        let fen = table
            .column_by_name("amount_fen")
            .ok_or("amount_fen")?
            .as_primitive::<Int64Type>();
        assert_eq!(fen.value(0), 100);
        // An empty ledger gives empty tables with the same columns.
        let empty = PaymentLedger::new();
        assert_eq!(payments_to_arrow(&empty)?.num_columns(), 15);
        assert_eq!(batches_to_arrow(&empty)?.num_rows(), 0);
        Ok(())
    }
}
