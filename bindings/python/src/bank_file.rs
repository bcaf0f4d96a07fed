//! Bank files: the domestic agency file (代发文件) and its success and failure result
//! files, ISO 20022 pain.001 and pain.002, both ways so a test (or a bank-side
//! system) can answer a file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};
use rust_decimal::Decimal;
use time::{Date, PrimitiveDateTime};
use yikatong::PaymentId;
use yikatong::formats;

use crate::amount::Amount;
use crate::convert::CivilDate;
use crate::error::{CoreResult, PyYikatongError, bank_file_error};
use crate::payment::{BankReturn, PaymentBatch};

/// How one bank lays out its agency files (fields, separators, encoding, names).
/// `AgencyProfile.common()` is the layout most rural banks take; a bank's own is
/// loaded with `AgencyProfile.from_json(text)`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct AgencyProfile(pub(crate) formats::AgencyProfile);

/// The profile given, or the common one.
fn profile_or_common(profile: Option<&AgencyProfile>) -> formats::AgencyProfile {
    profile.map_or_else(formats::AgencyProfile::common, |profile| profile.0.clone())
}

#[pymethods]
impl AgencyProfile {
    /// The common layout (UTF-8 text, `|`-separated, summary line first).
    #[classmethod]
    fn common(_cls: &Bound<'_, PyType>) -> Self {
        Self(formats::AgencyProfile::common())
    }

    /// A bank's own layout from its JSON description; checked before use.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, text: &str) -> PyResult<Self> {
        let profile = formats::AgencyProfile::from_json(text).map_err(bank_file_error)?;
        Ok(Self(profile))
    }

    /// The profile's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    fn __repr__(&self) -> String {
        format!("AgencyProfile({:?})", self.0.name)
    }
}

/// A bank file written for a batch: its name, bytes and SHA-256 (what
/// `Store.export` records), and how many lines it holds.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct BankFile(formats::BankFile);

#[pymethods]
impl BankFile {
    /// The file name the bank expects.
    #[getter]
    fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// The file's bytes.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.bytes)
    }

    /// The SHA-256 of the bytes, 64 lower-case hex digits.
    #[getter]
    fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// Instruction lines (not counting a summary line).
    #[getter]
    fn lines(&self) -> usize {
        self.0.lines
    }

    /// Writes the file into `directory` (created if missing) under its name and
    /// returns the path.
    fn write(&self, py: Python<'_>, directory: PathBuf) -> PyResult<PathBuf> {
        let path = directory.join(&self.0.file_name);
        py.detach(|| -> std::io::Result<()> {
            std::fs::create_dir_all(&directory)?;
            std::fs::write(&path, &self.0.bytes)
        })?;
        Ok(path)
    }

    fn __len__(&self) -> usize {
        self.0.bytes.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "BankFile({:?}, {} lines, {} bytes, sha256 {}…)",
            self.0.file_name,
            self.0.lines,
            self.0.bytes.len(),
            self.0.sha256.get(..12).unwrap_or_default()
        )
    }
}

/// Writes the domestic agency file (代发文件) of `batch` in `profile`'s layout (the
/// common one by default).
#[pyfunction]
#[pyo3(signature = (batch, *, profile = None))]
pub(crate) fn write_agency_file(
    py: Python<'_>,
    batch: &PaymentBatch,
    profile: Option<&AgencyProfile>,
) -> PyResult<BankFile> {
    let profile = profile_or_common(profile);
    let file = py.detach(|| formats::write_agency_file(&batch.0, &profile));
    Ok(BankFile(file.map_err(bank_file_error)?))
}

/// Writes the ISO 20022 pain.001 credit transfer initiation of `batch`, created at
/// `created_at` (a naive `datetime` in China time).
#[pyfunction]
#[pyo3(signature = (batch, *, created_at))]
pub(crate) fn write_pain001(
    py: Python<'_>,
    batch: &PaymentBatch,
    created_at: PrimitiveDateTime,
) -> PyResult<BankFile> {
    let file = py.detach(|| formats::write_pain001(&batch.0, created_at));
    Ok(BankFile(file.map_err(bank_file_error)?))
}

/// Reads an agency bank's success and failure result files (回盘) answering
/// `batch_id`; `source` labels the results in messages (the batch id by default).
#[pyfunction]
#[pyo3(signature = (success, failure, *, batch_id, profile = None, source = None))]
pub(crate) fn read_agency_results(
    py: Python<'_>,
    success: &[u8],
    failure: &[u8],
    batch_id: String,
    profile: Option<&AgencyProfile>,
    source: Option<String>,
) -> PyResult<BankReturn> {
    let profile = profile_or_common(profile);
    let source = source.unwrap_or_else(|| format!("{batch_id} results"));
    let read = py.detach(|| formats::read_agency_results(success, failure, &profile, &source));
    let mut results = read.map_err(bank_file_error)?;
    results.batch_id = Some(batch_id);
    Ok(BankReturn(results))
}

/// Reads an ISO 20022 pain.002 payment status report; `source` labels it.
#[pyfunction]
#[pyo3(signature = (content, *, source))]
pub(crate) fn read_pain002(py: Python<'_>, content: &[u8], source: &str) -> PyResult<BankReturn> {
    let read = py.detach(|| formats::read_pain002(content, source));
    Ok(BankReturn(read.map_err(bank_file_error)?))
}

/// One instruction line of an agency file, as the bank reads it.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct AgencyLine(formats::AgencyLine);

#[pymethods]
impl AgencyLine {
    /// The line in the file.
    #[getter]
    fn line(&self) -> u64 {
        self.0.line
    }

    /// The reference (payment id and attempt) the bank echoes in its results.
    #[getter]
    fn reference(&self) -> String {
        self.0.reference.to_string()
    }

    /// The payment id (32 hexadecimal digits).
    #[getter]
    fn payment_id(&self) -> String {
        self.0.reference.payment_id.to_string()
    }

    /// The account holder's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The amount, in yuan.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    /// The account number.
    #[getter]
    fn account(&self) -> &str {
        &self.0.account
    }

    /// The payee's ID number.
    #[getter]
    fn id_number(&self) -> &str {
        &self.0.id_number
    }

    /// The per-account sequence number, if the layout has one.
    #[getter]
    fn sequence(&self) -> Option<u32> {
        self.0.sequence
    }

    /// The purpose text, if the layout has one.
    #[getter]
    fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }

    /// The bank's answer that it paid this line.
    fn settled(&self) -> AgencyResultLine {
        self.answer(None)
    }

    /// The bank's answer that it did not pay this line, with its text (e.g. 账户已销户).
    fn failed(&self, text: String) -> AgencyResultLine {
        self.answer(Some(text))
    }

    fn __repr__(&self) -> String {
        format!(
            "AgencyLine({}, {:?}, {} yuan, {:?})",
            self.0.line, self.0.name, self.0.amount, self.0.account
        )
    }
}

impl AgencyLine {
    fn answer(&self, text: Option<String>) -> AgencyResultLine {
        AgencyResultLine(formats::AgencyResultLine {
            reference: self.0.reference,
            name: self.0.name.clone(),
            account: self.0.account.clone(),
            amount: self.0.amount,
            sequence: self.0.sequence.unwrap_or(0),
            text,
        })
    }
}

/// An agency file as the bank reads it: its summary and lines.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct AgencyFile(formats::AgencyFile);

#[pymethods]
impl AgencyFile {
    /// The file's date.
    #[getter]
    fn date(&self) -> Date {
        self.0.date
    }

    /// The payer's unit code.
    #[getter]
    fn payer_unit(&self) -> &str {
        &self.0.payer_unit
    }

    /// The batch id, if the layout carries it.
    #[getter]
    fn batch_id(&self) -> Option<&str> {
        self.0.batch_id.as_deref()
    }

    /// The payer's account, if the layout carries it.
    #[getter]
    fn payer_account(&self) -> Option<&str> {
        self.0.payer_account.as_deref()
    }

    /// The count the summary states.
    #[getter]
    fn count(&self) -> u64 {
        self.0.count
    }

    /// The sum the summary states, in yuan.
    #[getter]
    fn sum(&self) -> Decimal {
        self.0.sum.as_decimal()
    }

    /// The instruction lines, in file order.
    #[getter]
    fn lines(&self) -> Vec<AgencyLine> {
        self.0.lines.iter().cloned().map(AgencyLine).collect()
    }

    fn __len__(&self) -> usize {
        self.0.lines.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "AgencyFile({}, {} lines, {} yuan)",
            self.0.batch_id.as_deref().unwrap_or(&self.0.payer_unit),
            self.0.count,
            self.0.sum
        )
    }
}

/// Reads an agency file as the bank does (checks the summary against the lines).
#[pyfunction]
#[pyo3(signature = (content, *, profile = None))]
pub(crate) fn read_agency_file(
    py: Python<'_>,
    content: &[u8],
    profile: Option<&AgencyProfile>,
) -> PyResult<AgencyFile> {
    let profile = profile_or_common(profile);
    let read = py.detach(|| formats::read_agency_file(content, &profile));
    Ok(AgencyFile(read.map_err(bank_file_error)?))
}

/// One line of a result file: the reference, name, account, amount and sequence the
/// bank echoes, and for a failure its text. Usually got from `AgencyLine.settled()` or
/// `AgencyLine.failed(text)`.
#[pyclass(module = "yikatong._native", frozen, from_py_object)]
#[derive(Debug, Clone)]
pub struct AgencyResultLine(formats::AgencyResultLine);

#[pymethods]
impl AgencyResultLine {
    #[new]
    #[pyo3(signature = (*, reference, name, account, amount, sequence = 0, text = None))]
    fn new(
        reference: &str,
        name: String,
        account: String,
        amount: &Bound<'_, PyAny>,
        sequence: u32,
        text: Option<String>,
    ) -> PyResult<Self> {
        let reference = yikatong::InstructionId::parse(reference).map_err(PyYikatongError)?;
        let amount = Amount::from_python(amount)?;
        Ok(Self(formats::AgencyResultLine {
            reference,
            name,
            account,
            amount: amount.0,
            sequence,
            text,
        }))
    }

    /// The reference echoed.
    #[getter]
    fn reference(&self) -> String {
        self.0.reference.to_string()
    }

    /// The failure text, or `None` for a success line.
    #[getter]
    fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }

    /// The amount, in yuan.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    fn __repr__(&self) -> String {
        format!(
            "AgencyResultLine({}, {:?}, {} yuan{})",
            self.0.reference,
            self.0.name,
            self.0.amount,
            self.0
                .text
                .as_deref()
                .map_or_else(String::new, |text| format!(", failed: {text}"))
        )
    }
}

/// Writes a bank's success and failure result files (dated `date`) in `profile`'s
/// layout: returns `(success_bytes, failure_bytes)`.
#[pyfunction]
#[pyo3(signature = (*, success, failure, date, profile = None))]
pub(crate) fn write_agency_results<'py>(
    py: Python<'py>,
    success: Vec<AgencyResultLine>,
    failure: Vec<AgencyResultLine>,
    date: CivilDate,
    profile: Option<&AgencyProfile>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let profile = profile_or_common(profile);
    let success: Vec<_> = success.into_iter().map(|line| line.0).collect();
    let failure: Vec<_> = failure.into_iter().map(|line| line.0).collect();
    let written = py.detach(|| formats::write_agency_results(&success, &failure, &profile, date.0));
    let (ok, failed) = written.map_err(bank_file_error)?;
    Ok((PyBytes::new(py, &ok), PyBytes::new(py, &failed)))
}

/// Answers a pain.001 the way a bank does, with a pain.002 status report (for tests
/// and bank-side systems): every transaction is paid (ACSC) except those whose
/// payment id is in `failed`, refused (RJCT) with the ISO reason code given (e.g.
/// "AC04" for a closed account). Returns the report's bytes.
#[pyfunction]
#[pyo3(signature = (content, *, created_at, failed = BTreeMap::new()))]
pub(crate) fn answer_pain001<'py>(
    py: Python<'py>,
    content: &[u8],
    created_at: PrimitiveDateTime,
    failed: BTreeMap<String, String>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut refused = BTreeMap::new();
    for (payment_id, code) in failed {
        let id: CoreResult<PaymentId> = PaymentId::parse(&payment_id).map_err(Into::into);
        refused.insert(id?, code);
    }
    let written = py.detach(|| -> Result<Vec<u8>, formats::FormatError> {
        let file = formats::read_pain001(content)?;
        formats::write_pain002(&formats::answer_pain001(&file, &refused, created_at))
    });
    Ok(PyBytes::new(py, &written.map_err(bank_file_error)?))
}
