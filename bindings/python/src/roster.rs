//! `Roster`, `RosterLine`, `ValidationReport`, `Problem` and `read_roster`: a
//! township's roster file taken in against the register and the policy catalogue.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rust_decimal::Decimal;
use yikatong::formats::{self, ReadOptions};

use crate::catalog::PolicyCatalog;
use crate::checks::ArrowTable;
use crate::convert::{CivilDate, mirror_enum};
use crate::error::{CoreResult, PyYikatongError, table_error};
use crate::period::Period;
use crate::region::{CodeArg, RegionCode};
use crate::register::Register;
use crate::resident_id::ResidentId;

mirror_enum! {
    /// Whether an intake is all or nothing.
    pub enum IntakeMode mirrors yikatong::IntakeMode {
        /// Any error rejects the whole file: `RosterRejected`, and no roster.
        Strict,
        /// Lines without errors become roster lines; the others are reported.
        Lenient,
    }
}

#[pymethods]
impl IntakeMode {
    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

mirror_enum! {
    /// How serious a problem is.
    pub enum Severity mirrors yikatong::Severity {
        /// Must be corrected: blocks submission (and rejects a file line).
        Error,
        /// Must be acknowledged with a reason before submission.
        Warning,
    }
}

#[pymethods]
impl Severity {
    fn __str__(&self) -> &'static str {
        severity_name(yikatong::Severity::from(*self))
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

fn severity_name(severity: yikatong::Severity) -> &'static str {
    match severity {
        yikatong::Severity::Error => "error",
        yikatong::Severity::Warning => "warning",
    }
}

/// One problem of a file line or roster line: where (`line` in the file, `line_no` on
/// the roster), which field, the value as given, the rule and how serious it is.
/// `str()` is the whole message, e.g. `line 3, 身份证号 "…": error: …`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct Problem(yikatong::Problem);

#[pymethods]
impl Problem {
    /// The line in the file (the header is line 1), for a record taken in from a file.
    #[getter]
    fn line(&self) -> Option<u64> {
        self.0.line
    }

    /// The roster line, when the record is on the roster.
    #[getter]
    fn line_no(&self) -> Option<u32> {
        self.0.line_no
    }

    /// The field, by its English header (e.g. "resident_id"), if one is concerned.
    #[getter]
    fn field(&self) -> Option<String> {
        self.0.field.as_ref().map(yikatong::RosterField::header_en)
    }

    /// The field by its Chinese header (e.g. "身份证号").
    #[getter]
    fn field_zh(&self) -> Option<String> {
        self.0.field.as_ref().map(yikatong::RosterField::header_zh)
    }

    /// The value as given (may be blank).
    #[getter]
    fn value(&self) -> &str {
        &self.0.value
    }

    /// The rule broken, in words, with what to do.
    #[getter]
    fn rule(&self) -> String {
        self.0.rule.to_string()
    }

    /// The rule's short stable code, e.g. "not_in_register".
    #[getter]
    fn code(&self) -> &'static str {
        self.0.rule.code()
    }

    /// Error or warning.
    #[getter]
    fn severity(&self) -> Severity {
        self.0.severity.into()
    }

    /// The whole message: line, field, value, severity and rule.
    #[getter]
    fn message(&self) -> String {
        self.0.to_string()
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("<Problem {}>", self.0)
    }
}

/// Every problem of an intake or validation, by file line then roster line, and how
/// many file lines were accepted and rejected.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct ValidationReport(pub(crate) yikatong::ValidationReport);

#[pymethods]
impl ValidationReport {
    /// The problems, as a list.
    #[getter]
    fn problems(&self) -> Vec<Problem> {
        self.0.problems.iter().cloned().map(Problem).collect()
    }

    /// File lines (or register entries) that became roster lines.
    #[getter]
    fn accepted(&self) -> usize {
        self.0.accepted
    }

    /// File lines that did not (each has at least one error).
    #[getter]
    fn rejected(&self) -> usize {
        self.0.rejected
    }

    /// How many errors.
    #[getter]
    fn error_count(&self) -> usize {
        self.0.error_count()
    }

    /// How many warnings.
    #[getter]
    fn warning_count(&self) -> usize {
        self.0.warning_count()
    }

    /// The file lines of the rejected records, in order, each once.
    fn rejected_lines(&self) -> Vec<u64> {
        self.0.rejected_lines()
    }

    /// The problems as an Arrow table: line, line_no, field, value, severity, code,
    /// rule and message (one row per problem, nulls where there is no line or field).
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| yikatong::formats::problems_to_arrow(&self.0.problems));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    fn __len__(&self) -> usize {
        self.0.problems.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<ValidationReport: {} accepted, {} rejected, {} errors, {} warnings>",
            self.0.accepted,
            self.0.rejected,
            self.0.error_count(),
            self.0.warning_count()
        )
    }
}

/// One line of a roster: who, how much, onto which account.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct RosterLine(yikatong::RosterLine);

#[pymethods]
impl RosterLine {
    /// The line number, stable within the roster.
    #[getter]
    fn line_no(&self) -> u32 {
        self.0.line_no
    }

    /// The beneficiary (for a per-household project, usually the head).
    #[getter]
    fn resident_id(&self) -> ResidentId {
        ResidentId(self.0.beneficiary())
    }

    /// Who is paid.
    #[getter]
    fn payee(&self) -> ResidentId {
        ResidentId(self.0.payee)
    }

    /// The registered name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The household.
    #[getter]
    fn household_id(&self) -> &str {
        self.0.household_id()
    }

    /// The amount the policy gives, as a `Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    /// The account number paid onto (full; publish only masked), if any.
    #[getter]
    fn account_number(&self) -> Option<&str> {
        self.0
            .account
            .as_ref()
            .map(|account| account.number.as_str())
    }

    /// The agent bank of the account, if any.
    #[getter]
    fn bank_code(&self) -> Option<&str> {
        self.0.account.as_ref().map(|account| &*account.bank_code)
    }

    /// The document number (文号) of the policy version applied.
    #[getter]
    fn policy_document(&self) -> &str {
        &self.0.policy_document
    }

    /// The version applied.
    #[getter]
    fn policy_version(&self) -> u32 {
        self.0.policy_version
    }

    /// The line of the file it came from, if it came from a file.
    #[getter]
    fn source_line(&self) -> Option<u64> {
        self.0.source_line
    }

    fn __repr__(&self) -> String {
        format!(
            "<RosterLine {} {} {}>",
            self.0.line_no,
            self.0.beneficiary().masked(),
            self.0.amount
        )
    }
}

/// A roster (补贴底册) of one project, period and township, as taken in. Read only: it
/// changes only through a `RosterCase`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct Roster(pub(crate) yikatong::Roster);

#[pymethods]
impl Roster {
    /// The roster's id.
    #[getter]
    fn id(&self) -> &str {
        self.0.id()
    }

    /// The project code.
    #[getter]
    fn project(&self) -> &str {
        self.0.project()
    }

    /// The period paid.
    #[getter]
    fn period(&self) -> Period {
        Period(self.0.period())
    }

    /// The township.
    #[getter]
    fn township(&self) -> RegionCode {
        RegionCode(self.0.township())
    }

    /// The sum of the lines' amounts, as a `Decimal`.
    #[getter]
    fn total(&self) -> CoreResult<Decimal> {
        Ok(self.0.total()?.as_decimal())
    }

    /// SHA-256 of the content (64 hex digits): what sign-offs record.
    #[getter]
    fn content_hash(&self) -> String {
        self.0.content_hash()
    }

    /// The lines, in order.
    fn lines(&self) -> Vec<RosterLine> {
        self.0.lines().iter().cloned().map(RosterLine).collect()
    }

    /// The line with this number, or `None`.
    fn line(&self, line_no: u32) -> Option<RosterLine> {
        self.0.line(line_no).cloned().map(RosterLine)
    }

    /// The lines as an Arrow table: line_no, resident_id, payee, name, household_id,
    /// amount (decimal text), amount_fen, bank_code, account_number, policy_document,
    /// source_line.
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| yikatong::formats::roster_lines_to_arrow(self.0.lines()));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    fn __len__(&self) -> usize {
        self.0.lines().len()
    }

    fn __repr__(&self) -> String {
        let total = self
            .0
            .total()
            .map_or_else(|_| "?".to_owned(), |total| total.to_string());
        format!(
            "<Roster {} {} {} {}: {} lines, total {}>",
            self.0.id(),
            self.0.project(),
            self.0.period(),
            self.0.township(),
            self.0.lines().len(),
            total
        )
    }
}

/// The file's bytes: `bytes` as given, else a path (`str` or `os.PathLike`) read.
fn file_bytes(source: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = source.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    let path: PathBuf = source.extract()?;
    Ok(std::fs::read(path)?)
}

/// Takes in a township's roster for `project`, `period` and `township` against
/// `register` and `catalog`, on the day `on`. `source` is a file (CSV in UTF-8 or GBK,
/// or XLSX: a path or the file's bytes) or a table (a pyarrow Table, polars or pandas
/// DataFrame: column names are the headers, the first row is line 2; a float column is
/// refused, since it cannot hold money or areas exactly).
///
/// Returns the roster and its `ValidationReport`. Every line is checked: resident ID,
/// registration in the township, death, household, account and agent bank, amount.
/// `IntakeMode.Lenient` takes in the lines without errors and reports the others;
/// `IntakeMode.Strict` raises `RosterRejected` (with `.report`) on any error. A file
/// that cannot be read at all (no 身份证号 column, corrupt) raises `InvalidTable`.
/// The work runs without the GIL.
#[pyfunction]
#[pyo3(signature = (
    source,
    *,
    roster_id,
    project,
    period,
    township,
    register,
    catalog,
    on,
    mode = IntakeMode::Lenient,
    sheet = None,
))]
#[allow(clippy::too_many_arguments, reason = "keyword arguments")]
pub(crate) fn read_roster(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    roster_id: String,
    project: String,
    period: Period,
    township: CodeArg,
    register: &Bound<'_, Register>,
    catalog: &Bound<'_, PolicyCatalog>,
    on: CivilDate,
    mode: IntakeMode,
    sheet: Option<String>,
) -> PyResult<(Roster, ValidationReport)> {
    let header = yikatong::RosterHeader::new(roster_id, project, period.0, township.0);
    let (register, catalog) = (register.get(), catalog.get());
    // A table (pyarrow, polars, pandas): its columns are the headers.
    let file = if source.hasattr("__arrow_c_stream__")? {
        let batches = crate::checks::read_stream(source, "source")?;
        py.detach(|| formats::read_roster_arrow(&batches))
    } else {
        let bytes = file_bytes(source)?;
        let options = ReadOptions {
            sheet,
            ..ReadOptions::default()
        };
        py.detach(|| formats::read_roster(&bytes, &options))
    };
    let file = file.map_err(table_error)?;
    let taken = py.detach(|| {
        let held = yikatong::HeldProjects::new();
        let register = register.read();
        let catalog = catalog.read();
        let mode = yikatong::IntakeMode::from(mode);
        // Lines the file reader could not read are errors of the intake too; a strict
        // intake refuses the file for them (the core's intake never sees them).
        let unread: Vec<yikatong::Problem> = file.problems.iter().map(unreadable_line).collect();
        let lenient = yikatong::IntakeMode::Lenient;
        let result = yikatong::Roster::intake(
            header,
            &file.records,
            &register,
            &catalog,
            &held,
            if unread.is_empty() { mode } else { lenient },
            on.0,
        );
        match result {
            Ok((roster, mut report)) if !unread.is_empty() => {
                report.rejected += unread.len();
                report.problems.extend(unread);
                report.problems.sort_by_key(|p| (p.line, p.line_no));
                if mode == yikatong::IntakeMode::Strict {
                    return Err(yikatong::Error::Roster {
                        rule: yikatong::RosterRule::Rejected {
                            report: Box::new(report),
                        },
                    });
                }
                Ok((roster, report))
            }
            other => other,
        }
    });
    let (roster, report) = taken.map_err(PyYikatongError)?;
    Ok((Roster(roster), ValidationReport(report)))
}

/// A file line the reader could not read, as a problem of the intake.
fn unreadable_line(problem: &formats::LineProblem) -> yikatong::Problem {
    let rule = yikatong::ProblemRule::Unreadable {
        reason: problem.message.clone(),
    };
    yikatong::Problem {
        line: Some(problem.line),
        line_no: None,
        field: None,
        value: String::new(),
        severity: rule.severity(),
        rule,
    }
}
