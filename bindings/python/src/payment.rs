//! Payment batches, the banks' result files and their reconciliation.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use rust_decimal::Decimal;
use time::Date;
use yikatong::formats;

use crate::checks::ArrowTable;
use crate::error::table_error;
use crate::period::Period;
use crate::region::RegionCode;

/// The snake-case name serde gives a unit variant (`settled`, `reissue`).
macro_rules! snake {
    ($value:expr) => {
        match serde_json::to_value($value) {
            Ok(serde_json::Value::String(text)) => text,
            Ok(other) => other.to_string(),
            Err(error) => error.to_string(),
        }
    };
}
pub(crate) use snake;

/// Yuan from fen, as a `Decimal` with two places.
pub(crate) fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Whose account a batch debits: the county finance bureau's unit code, name and
/// account. `Payer(unit_code=..., name=..., account=...)`.
#[pyclass(module = "yikatong._native", frozen, eq, from_py_object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer(pub(crate) yikatong::Payer);

#[pymethods]
impl Payer {
    #[new]
    #[pyo3(signature = (*, unit_code, name, account))]
    fn new(unit_code: &str, name: String, account: &str) -> Self {
        Self(yikatong::Payer {
            unit_code: unit_code.into(),
            name,
            account: account.into(),
        })
    }

    /// The payer's unit code.
    #[getter]
    fn unit_code(&self) -> &str {
        &self.0.unit_code
    }

    /// The payer's name, e.g. 巴林左旗财政局.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The account debited.
    #[getter]
    fn account(&self) -> &str {
        &self.0.account
    }

    fn __repr__(&self) -> String {
        format!(
            "Payer(unit_code={:?}, name={:?}, account={:?})",
            self.0.unit_code.as_str(),
            self.0.name,
            self.0.account.as_str()
        )
    }
}

/// A payment batch (代发批次): one project, period, county and agent bank, with its
/// instructions, as the ledger holds it.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct PaymentBatch(pub(crate) yikatong::PaymentBatch);

#[pymethods]
impl PaymentBatch {
    /// The batch id (the file's message id).
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// The project's code.
    #[getter]
    fn project(&self) -> &str {
        &self.0.project
    }

    /// The period paid.
    #[getter]
    fn period(&self) -> Period {
        Period(self.0.period)
    }

    /// The county (旗县).
    #[getter]
    fn county(&self) -> RegionCode {
        RegionCode(self.0.county)
    }

    /// The agent bank's code.
    #[getter]
    fn bank_code(&self) -> &str {
        &self.0.bank_code
    }

    /// Whose account is debited.
    #[getter]
    fn payer(&self) -> Payer {
        Payer(self.0.payer.clone())
    }

    /// "original" or "reissue" (补发).
    #[getter]
    fn kind(&self) -> String {
        snake!(&self.0.kind)
    }

    /// The day the batch was prepared.
    #[getter]
    fn prepared_on(&self) -> Date {
        self.0.prepared_on
    }

    /// The period's deadline.
    #[getter]
    fn deadline(&self) -> Date {
        self.0.deadline
    }

    /// The day the bank is asked to pay.
    #[getter]
    fn requested_execution_date(&self) -> Date {
        self.0.requested_execution_date
    }

    /// Whether the bank is asked to pay after the deadline (迟发).
    #[getter]
    fn is_late(&self) -> bool {
        self.0.is_late()
    }

    /// The number of instructions.
    #[getter]
    fn count(&self) -> usize {
        self.0.count()
    }

    /// The sum of the amounts (控制金额), in yuan.
    #[getter]
    fn control_sum(&self) -> Decimal {
        self.0.control_sum.as_decimal()
    }

    /// The payment ids, in line order (32 hexadecimal digits each).
    fn payment_ids(&self) -> Vec<String> {
        self.0
            .instructions
            .iter()
            .map(|line| line.payment_id.to_string())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.0.count()
    }

    fn __repr__(&self) -> String {
        format!(
            "PaymentBatch({:?}, {} {}, {} payments, {} yuan, due {})",
            self.0.id,
            snake!(&self.0.kind),
            self.0.bank_code.as_str(),
            self.0.instructions.len(),
            self.0.control_sum,
            self.0.deadline
        )
    }
}

/// A bank's answer to a batch file, read from its result file(s): one result per line.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct BankReturn(pub(crate) yikatong::BankReturn);

impl BankReturn {
    fn count(&self, status: &str) -> usize {
        self.0
            .results
            .iter()
            .filter(|result| status_name(&result.status) == status)
            .count()
    }
}

fn status_name(status: &yikatong::ResultStatus) -> &'static str {
    match status {
        yikatong::ResultStatus::Settled => "settled",
        yikatong::ResultStatus::Failed { .. } => "failed",
        yikatong::ResultStatus::Returned { .. } => "returned",
        yikatong::ResultStatus::Pending => "pending",
    }
}

#[pymethods]
impl BankReturn {
    /// The file name or label the results came from.
    #[getter]
    fn source(&self) -> &str {
        &self.0.source
    }

    /// The SHA-256 of the file's bytes (of both files in order for a pair).
    #[getter]
    fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// The batch the file answers, when known.
    #[getter]
    fn batch_id(&self) -> Option<&str> {
        self.0.batch_id.as_deref()
    }

    /// Whether the file answers every line of the batch.
    #[getter]
    fn complete(&self) -> bool {
        self.0.complete
    }

    /// Why the bank refused the whole file, if it did.
    #[getter]
    fn rejected(&self) -> Option<String> {
        self.0.rejected.as_ref().map(ToString::to_string)
    }

    /// Lines by status: `{"settled": n, "failed": n, "returned": n, "pending": n}`.
    #[getter]
    fn counts(&self) -> BTreeMap<&'static str, usize> {
        ["settled", "failed", "returned", "pending"]
            .into_iter()
            .map(|status| (status, self.count(status)))
            .collect()
    }

    /// One row per line: line, payment_id, attempt, status, reason_kind, reason_code,
    /// reason_text, amount (decimal), amount_fen, name, account.
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| formats::bank_results_to_arrow(&self.0));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    fn __len__(&self) -> usize {
        self.0.results.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "BankReturn({:?}, batch {}, {} results: {} settled, {} failed, {} returned, {} pending{})",
            self.0.source,
            self.0.batch_id.as_deref().unwrap_or("unknown"),
            self.0.results.len(),
            self.count("settled"),
            self.count("failed"),
            self.count("returned"),
            self.count("pending"),
            if self.0.rejected.is_some() {
                ", file rejected"
            } else {
                ""
            }
        )
    }
}

/// What reconciling a result file against its batch found: each line's class, with
/// counts and sums, and the lines that need a person to look.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct ReconciliationReport(pub(crate) yikatong::ReconciliationReport);

#[pymethods]
impl ReconciliationReport {
    /// The file reconciled.
    #[getter]
    fn source(&self) -> &str {
        &self.0.source
    }

    /// The batch it answers, if known.
    #[getter]
    fn batch_id(&self) -> Option<&str> {
        self.0.batch_id.as_deref()
    }

    /// Whether the same file was recorded before (nothing changed).
    #[getter]
    fn replayed(&self) -> bool {
        self.0.replayed
    }

    /// Why the bank refused the whole file, if it did.
    #[getter]
    fn file_rejected(&self) -> Option<String> {
        self.0.file_rejected.as_ref().map(ToString::to_string)
    }

    /// Lines per class that had any: `{"settled": (count, Decimal yuan), ...}`.
    #[getter]
    fn tallies(&self) -> BTreeMap<String, (u64, Decimal)> {
        self.0
            .tallies
            .iter()
            .map(|(class, tally)| (snake!(class), (tally.count, yuan(tally.fen))))
            .collect()
    }

    /// The count and sum of one class ("settled", "failed", "unknown", ...); zero
    /// when none.
    fn tally(&self, name: &str) -> (u64, Decimal) {
        self.0
            .tallies
            .iter()
            .find(|(class, _)| snake!(class) == name)
            .map_or((0, Decimal::new(0, 2)), |(_, tally)| {
                (tally.count, yuan(tally.fen))
            })
    }

    /// How many lines need someone to look.
    #[getter]
    fn finding_count(&self) -> usize {
        self.0.findings.len()
    }

    /// The lines that need attention: line, payment_id, attempt, class, detail.
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| formats::reconciliation_findings_to_arrow(&self.0));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    /// Every class with its count and sum (zeros included): class,
    /// needs_attention, count, amount (decimal), amount_fen.
    fn tallies_to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| formats::reconciliation_tallies_to_arrow(&self.0));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    fn __repr__(&self) -> String {
        let tallies: Vec<String> = self
            .0
            .tallies
            .iter()
            .map(|(class, tally)| format!("{} {}", tally.count, snake!(class)))
            .collect();
        format!(
            "ReconciliationReport({:?}, {}{}, {} findings)",
            self.0.source,
            tallies.join(", "),
            if self.0.replayed { ", replayed" } else { "" },
            self.0.findings.len()
        )
    }
}
