//! The auditor's checks over Arrow tables. Tables cross the boundary through the
//! Arrow C stream interface (the `__arrow_c_stream__` PyCapsule protocol), so rows
//! come from pyarrow, polars, pandas or DuckDB without going through Python objects,
//! and findings go back the same way.

use std::collections::BTreeMap;
use std::ffi::CStr;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};
use yikatong::formats::{self, FormatError};
use yikatong::{AuditInput, CheckConfig, References, ResidentId};

use crate::convert::{CivilDate, type_name};
use crate::error::{CoreResult, table_error};
use crate::progress::PyProgress;

const STREAM: &CStr = c"arrow_array_stream";

/// An Arrow table made by yikatong (findings, timeliness). Hand it to
/// `pyarrow.table()`, `polars.DataFrame()` or any reader of the Arrow PyCapsule
/// stream interface; `to_pyarrow()` and `to_pandas()` are shortcuts.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct ArrowTable {
    batch: RecordBatch,
}

impl ArrowTable {
    /// Wraps a record batch for Python.
    pub(crate) fn new(batch: RecordBatch) -> ArrowTable {
        ArrowTable { batch }
    }
}

#[pymethods]
impl ArrowTable {
    /// The Arrow C stream of this table, in a PyCapsule (the PyCapsule interface).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is fixed; a reader that wants another casts afterwards.
        let _ = requested_schema;
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM)
    }

    /// How many rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|field| field.name().clone())
            .collect()
    }

    /// The table as a `pyarrow.Table` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.getattr("table")?.call1((slf,))
    }

    /// The table as a `pandas.DataFrame` (needs pyarrow and pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_pyarrow(slf)?.call_method0("to_pandas")
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows: {})",
            self.batch.num_rows(),
            self.column_names().join(", ")
        )
    }
}

/// What the checks found: findings and timeliness as Arrow tables, tallies as lists.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct AuditReport {
    report: yikatong::AuditReport,
    findings: Py<ArrowTable>,
    timeliness: Py<ArrowTable>,
}

#[pymethods]
impl AuditReport {
    /// Every finding, one row each (check, check_zh, severity, beneficiary,
    /// project, period, region, county, amount_fen, evidence as JSON, action).
    #[getter]
    fn findings(&self, py: Python<'_>) -> Py<ArrowTable> {
        self.findings.clone_ref(py)
    }

    /// On-time, late, missed and not-yet-due counts by county and project.
    #[getter]
    fn timeliness(&self, py: Python<'_>) -> Py<ArrowTable> {
        self.timeliness.clone_ref(py)
    }

    /// Findings and money at stake (fen) by check: `{check: (findings, fen)}`.
    #[getter]
    fn by_check(&self) -> BTreeMap<String, (u64, i64)> {
        self.report
            .by_check
            .iter()
            .map(|tally| (check_name(tally.check), (tally.findings, tally.amount_fen)))
            .collect()
    }

    /// The day of the check.
    #[getter]
    fn as_of(&self) -> time::Date {
        self.report.as_of
    }

    fn __len__(&self) -> usize {
        self.report.findings.len()
    }

    fn __repr__(&self) -> String {
        let tallies: Vec<String> = self
            .report
            .by_check
            .iter()
            .map(|tally| format!("{}={}", check_name(tally.check), tally.findings))
            .collect();
        format!(
            "AuditReport(as_of={}, {} findings: {})",
            self.report.as_of,
            self.report.findings.len(),
            tallies.join(", ")
        )
    }
}

fn check_name(check: yikatong::CheckKind) -> String {
    match serde_json::to_value(check) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{check:?}"),
    }
}

/// Reads every batch of an object that offers `__arrow_c_stream__`.
pub(crate) fn read_stream(source: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<RecordBatch>> {
    if !source.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(format!(
            "{argument} must be an Arrow table (pyarrow.Table, polars.DataFrame, pandas.DataFrame \
             with pyarrow, or anything with __arrow_c_stream__), got {}",
            type_name(&source.as_borrowed())
        )));
    }
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the PyCapsule interface
    // it holds a valid, initialised FFI_ArrowArrayStream, which `from_raw` moves out
    // (leaving a released stream for the capsule's destructor) while the capsule
    // object is alive.
    #[allow(unsafe_code)]
    let reader = unsafe { ArrowArrayStreamReader::from_raw(pointer.cast().as_ptr()) }
        .map_err(|error| PyTypeError::new_err(format!("{argument}: {error}")))?;
    let py = source.py();
    py.detach(|| reader.collect::<Result<Vec<_>, _>>())
        .map_err(|error| {
            table_error(FormatError::Arrow {
                message: format!("{argument}: {error}"),
            })
        })
}

/// Runs every audit check over the payment rows in `rows` (an Arrow table with the
/// columns of docs/arrow-tables.md) against reference lists, on `as_of`.
///
/// `deaths` pairs resident IDs with dates of death and `exclusions` IDs with list
/// tags: each an Arrow table (`resident_id` and `died_on` / `tag` columns) or an
/// iterable of pairs. `exclusion_rules` says which projects each tag excludes (an
/// empty list: every project). The work runs without the GIL; `progress`, if given,
/// is called with `(step, done, total)` as it goes (`"reading rows"`, `"checking
/// rows"`, `"grouping rows"`), from worker threads, a few hundred times at most.
#[pyfunction]
#[pyo3(signature = (
    rows,
    *,
    as_of,
    deaths = None,
    exclusions = None,
    exclusion_rules = None,
    exclusive_pairs = Vec::new(),
    households_per_account = 2,
    progress = None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_checks(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    as_of: CivilDate,
    deaths: Option<&Bound<'_, PyAny>>,
    exclusions: Option<&Bound<'_, PyAny>>,
    exclusion_rules: Option<BTreeMap<String, Vec<String>>>,
    exclusive_pairs: Vec<(String, String)>,
    households_per_account: usize,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<AuditReport> {
    let progress = PyProgress::new(progress)?;
    let batches = read_stream(rows, "rows")?;
    let mut references = References::default();
    if let Some(deaths) = deaths {
        let pairs = reference_pairs(
            deaths,
            "deaths",
            "died_on",
            formats::deaths_from_arrow,
            |v| Ok(v.extract::<CivilDate>()?.0),
        )?;
        for (person, died_on) in pairs {
            references.deaths.insert(person, died_on);
        }
    }
    if let Some(exclusions) = exclusions {
        let pairs = reference_pairs(
            exclusions,
            "exclusions",
            "tag",
            formats::exclusions_from_arrow,
            |v| v.extract::<String>(),
        )?;
        for (person, tag) in pairs {
            references.exclusions.tag(person, tag);
        }
    }
    for (tag, projects) in exclusion_rules.unwrap_or_default() {
        references.exclusions.exclude(tag, projects);
    }
    let mut config = CheckConfig::new(as_of.0);
    config.households_per_account = households_per_account;
    for (a, b) in exclusive_pairs {
        config = config.with_exclusive_pair(a, b);
    }
    let report = py.detach(|| -> Result<_, FormatError> {
        let input = formats::audit_rows_from_batches(&batches, &progress)?;
        let report = yikatong::run_checks_with_progress(
            &AuditInput::from_rows(input),
            &references,
            &config,
            &progress,
        );
        let findings = formats::findings_to_arrow(&report)?;
        let timeliness = formats::timeliness_to_arrow(&report.timeliness)?;
        Ok((report, findings, timeliness))
    });
    progress.finish()?;
    let (report, findings, timeliness) = report.map_err(table_error)?;
    Ok(AuditReport {
        report,
        findings: Py::new(py, ArrowTable::new(findings))?,
        timeliness: Py::new(py, ArrowTable::new(timeliness))?,
    })
}

/// Reads the pairs of one batch of a reference table.
type ReadPairs<T> = fn(&RecordBatch, u64) -> Result<Vec<(ResidentId, T)>, FormatError>;

/// The (resident ID, value) pairs of an Arrow table (read by `from_arrow`) or of
/// an iterable of pairs (each value taken by `extract`).
fn reference_pairs<T>(
    source: &Bound<'_, PyAny>,
    argument: &str,
    value_column: &str,
    from_arrow: ReadPairs<T>,
    extract: impl Fn(&Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<(ResidentId, T)>> {
    if source.hasattr("__arrow_c_stream__")? {
        let mut pairs = Vec::new();
        let mut first_row = 1u64;
        for batch in read_stream(source, argument)? {
            pairs.extend(from_arrow(&batch, first_row).map_err(table_error)?);
            first_row += batch.num_rows() as u64;
        }
        return Ok(pairs);
    }
    let items = source.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be an Arrow table or an iterable of (resident_id, {value_column}) pairs, got {}",
            type_name(&source.as_borrowed())
        ))
    })?;
    let mut pairs = Vec::new();
    for item in items {
        let (id, value): (String, Bound<'_, PyAny>) = item?.extract()?;
        let person: CoreResult<ResidentId> = ResidentId::parse(&id).map_err(Into::into);
        pairs.push((person?, extract(&value)?));
    }
    Ok(pairs)
}
