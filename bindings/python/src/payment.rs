//! Payment batches, the banks' result files and their reconciliation.

use pyo3::prelude::*;

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

    fn __repr__(&self) -> String {
        format!(
            "PaymentBatch({:?}, {} payments)",
            self.0.id,
            self.0.instructions.len()
        )
    }
}

/// A bank's answer to a batch file, read from its result file(s): one result per line.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct BankReturn(pub(crate) yikatong::BankReturn);

#[pymethods]
impl BankReturn {
    /// The file name or label the results came from.
    #[getter]
    fn source(&self) -> &str {
        &self.0.source
    }

    fn __len__(&self) -> usize {
        self.0.results.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "BankReturn({:?}, {} results)",
            self.0.source,
            self.0.results.len()
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

    fn __repr__(&self) -> String {
        format!(
            "ReconciliationReport({:?}, {} findings)",
            self.0.source,
            self.0.findings.len()
        )
    }
}
