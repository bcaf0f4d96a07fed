//! `PaymentReport` (发放统计): per project, period and region, what finance approved
//! and where each approved line stands in the ledger, from the store's rosters,
//! reviews and ledger.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyString, PyType};
use rust_decimal::Decimal;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use yikatong::formats;
use yikatong::{Grouping, Review, Roster};

use crate::checks::ArrowTable;
use crate::convert::type_name;
use crate::credit_code::CreditCode;
use crate::disclosure::{csv_encoding, yuan};
use crate::error::{PyYikatongError, table_error, write_error};
use crate::notice::PeriodArg;
use crate::period::Period;
use crate::policy::language;
use crate::region::{RegionCode, RegionTree};
use crate::store::Store;

fn grouping(text: &str) -> PyResult<Grouping> {
    match text {
        "township" => Ok(Grouping::Township),
        "county" => Ok(Grouping::County),
        "prefecture" => Ok(Grouping::Prefecture),
        _ => Err(PyValueError::new_err(format!(
            "grouping {text:?} is not known: pass \"township\" (苏木乡镇), \"county\" (旗县) \
             or \"prefecture\" (盟市)"
        ))),
    }
}

fn grouping_name(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::Township => "township",
        Grouping::County => "county",
        Grouping::Prefecture => "prefecture",
    }
}

/// A number of lines and their sum in yuan.
fn tally(tally: yikatong::Tally) -> (u64, Decimal) {
    (tally.count, yuan(tally.fen))
}

/// One row of a `PaymentReport`: one project, period and region, or (`region` is
/// `None`) the total of one project and period. Each tally is `(count, Decimal
/// yuan)`, and approved = paid + failed + pending + cancelled + not batched.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct ReportRow(yikatong::ReportRow);

#[pymethods]
impl ReportRow {
    /// The project's code.
    #[getter]
    fn project(&self) -> &str {
        &self.0.project
    }

    /// The period.
    #[getter]
    fn period(&self) -> Period {
        Period(self.0.period)
    }

    /// The region (at the report's grouping level); `None` on a total row.
    #[getter]
    fn region(&self) -> Option<RegionCode> {
        self.0.region.map(RegionCode)
    }

    /// The region's name; "" when the region table lacks it and on a total row.
    #[getter]
    fn region_name(&self) -> &str {
        &self.0.region_name
    }

    /// Whether this is the total row of its project and period.
    #[getter]
    fn is_total(&self) -> bool {
        self.0.is_total()
    }

    /// Distinct payees (on a total row, a payee in two regions counts once).
    #[getter]
    fn beneficiaries(&self) -> u64 {
        self.0.beneficiaries
    }

    /// The lines finance approved (not on hold, not 0.00): `(count, yuan)`.
    #[getter]
    fn approved(&self) -> (u64, Decimal) {
        tally(self.0.approved)
    }

    /// Paid: `(count, yuan)`.
    #[getter]
    fn paid(&self) -> (u64, Decimal) {
        tally(self.0.paid)
    }

    /// Not paid, waiting in the correction queue: `(count, yuan)`.
    #[getter]
    fn failed(&self) -> (u64, Decimal) {
        tally(self.0.failed)
    }

    /// In a batch with no final result yet: `(count, yuan)`.
    #[getter]
    fn pending(&self) -> (u64, Decimal) {
        tally(self.0.pending)
    }

    /// Cancelled by the township: `(count, yuan)`.
    #[getter]
    fn cancelled(&self) -> (u64, Decimal) {
        tally(self.0.cancelled)
    }

    /// In no batch yet: `(count, yuan)`.
    #[getter]
    fn not_batched(&self) -> (u64, Decimal) {
        tally(self.0.not_batched)
    }

    /// Paid by the deadline of the first batch that carried the payment.
    #[getter]
    fn on_time(&self) -> u64 {
        self.0.on_time
    }

    /// Paid after that deadline (迟发).
    #[getter]
    fn late(&self) -> u64 {
        self.0.late
    }

    /// On time / paid, a `decimal.Decimal` with four decimals (0.9667); `None` when
    /// nothing is paid.
    #[getter]
    fn on_time_rate(&self) -> Option<Decimal> {
        self.0.on_time_rate()
    }

    /// Whether approved = paid + failed + pending + cancelled + not batched (count
    /// and sum) and on time + late = paid. Always true for a report the library built.
    fn balances(&self) -> bool {
        self.0.balances()
    }

    fn __repr__(&self) -> String {
        let region = self
            .0
            .region
            .map_or_else(|| "total".to_owned(), |code| format!("region='{code}'"));
        format!(
            "ReportRow(project='{}', period='{}', {region}, approved={}, paid={}, failed={}, pending={})",
            self.0.project,
            self.0.period,
            self.0.approved.count,
            self.0.paid.count,
            self.0.failed.count,
            self.0.pending.count
        )
    }
}

/// A payment report (发放统计): rows per project, period and region, each project and
/// period followed by its total row. Built from the store with
/// `PaymentReport.build(store, grouping="county", regions=...)`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct PaymentReport(yikatong::PaymentReport);

/// `reported_at` as an `OffsetDateTime`: a `datetime` that knows its offset from UTC
/// (a fixed `timezone` or a `zoneinfo.ZoneInfo`).
fn offset_date_time(value: &Bound<'_, PyAny>) -> PyResult<OffsetDateTime> {
    if !value.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "reported_at must be a datetime.datetime with a time zone, got {}",
            type_name(&value.as_borrowed())
        )));
    }
    let offset = value.call_method0("utcoffset")?;
    if offset.is_none() {
        return Err(PyTypeError::new_err(
            "reported_at has no time zone: pass e.g. \
             datetime.now(zoneinfo.ZoneInfo(\"Asia/Shanghai\")), so the national platform \
             knows when it was",
        ));
    }
    let seconds = offset.extract::<Duration>()?.whole_seconds();
    let offset = i32::try_from(seconds)
        .ok()
        .and_then(|seconds| UtcOffset::from_whole_seconds(seconds).ok())
        .ok_or_else(|| PyValueError::new_err("reported_at has an offset from UTC out of range"))?;
    let kwargs = pyo3::types::PyDict::new(value.py());
    kwargs.set_item("tzinfo", value.py().None())?;
    let local: PrimitiveDateTime = value.call_method("replace", (), Some(&kwargs))?.extract()?;
    Ok(local.assume_offset(offset))
}

#[pymethods]
impl PaymentReport {
    /// Builds the report of every finance-approved roster in the store (with its
    /// review) against the store's ledger, with rows per `grouping` ("township",
    /// "county" or "prefecture") and region names from `regions`. Runs without the GIL.
    #[classmethod]
    #[pyo3(signature = (store, *, grouping = "county", regions))]
    fn build(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        store: &Bound<'_, Store>,
        grouping: &str,
        regions: &Bound<'_, RegionTree>,
    ) -> PyResult<Self> {
        let group = self::grouping(grouping)?;
        let (store, regions) = (store.get(), regions.get());
        let report = py.detach(|| {
            store.with_core(|core| {
                let state = core.state();
                let approved: Vec<(&Roster, &Review)> = state
                    .rosters()
                    .filter_map(|roster| Some((roster, state.review(roster.id())?)))
                    .collect();
                Ok(yikatong::PaymentReport::build(
                    &approved,
                    core.ledger(),
                    group,
                    regions.tree(),
                ))
            })
        })?;
        Ok(Self(report))
    }

    /// The regions the rows are per: "township", "county" or "prefecture".
    #[getter]
    fn grouping(&self) -> &'static str {
        grouping_name(self.0.grouping)
    }

    /// Every row, in order: each project and period's region rows, then its total.
    #[getter]
    fn rows(&self) -> Vec<ReportRow> {
        self.0.rows.iter().cloned().map(ReportRow).collect()
    }

    /// The total rows, one per project and period.
    #[getter]
    fn totals(&self) -> Vec<ReportRow> {
        self.0.totals().cloned().map(ReportRow).collect()
    }

    /// The total row of `project` and `period` (a `Period` or its text), if any.
    fn total(&self, project: &str, period: PeriodArg) -> Option<ReportRow> {
        self.0.total(project, period.0).cloned().map(ReportRow)
    }

    /// The rows as an Arrow table: project, period, region_code, region_name,
    /// is_total, beneficiaries, `<tally>_count` and `<tally>_fen` for approved, paid,
    /// failed, pending, cancelled and not_batched, on_time_count, late_count and
    /// on_time_rate (decimal128(5, 4)).
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| formats::report_rows_to_arrow(&self.0));
        Ok(ArrowTable::new(batch.map_err(table_error)?))
    }

    /// The report as CSV: headers in `language` ("zh" or "en"), amounts in yuan, the
    /// on-time rate as a percentage; `encoding` "utf-8-sig" (for Excel), "utf-8" or
    /// "gbk".
    #[pyo3(signature = (language = "zh", encoding = "utf-8-sig"))]
    fn to_csv<'py>(
        &self,
        py: Python<'py>,
        language: &str,
        encoding: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (language, encoding) = (self::language(language)?, csv_encoding(encoding)?);
        let bytes = py.detach(|| formats::write_report_csv(&self.0, language, encoding));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    /// The report as an XLSX workbook: bold frozen header, amounts as numbers
    /// formatted 0.00, the rate as 0.00%, total rows in bold.
    #[pyo3(signature = (language = "zh"))]
    fn to_xlsx<'py>(&self, py: Python<'py>, language: &str) -> PyResult<Bound<'py, PyBytes>> {
        let language = self::language(language)?;
        let bytes = py.detach(|| formats::write_report_xlsx(&self.0, language));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    /// The report as JSON (UTF-8); amounts as strings with two decimals.
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| formats::write_report_json(&self.0));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    /// The report as JSON Lines for the national platform (docs/reporting-format.md):
    /// one record per row, each with the schema, the reporting unit's credit code (a
    /// `CreditCode` or its text) and `reported_at` (a `datetime` with a time zone).
    #[pyo3(signature = (*, reporting_unit, reported_at))]
    fn to_national_jsonl<'py>(
        &self,
        py: Python<'py>,
        reporting_unit: &Bound<'py, PyAny>,
        reported_at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let unit = if let Ok(code) = reporting_unit.cast::<CreditCode>() {
            code.get().0
        } else if let Ok(text) = reporting_unit.cast::<PyString>() {
            yikatong::CreditCode::parse(&text.to_cow()?).map_err(PyYikatongError)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "reporting_unit must be a CreditCode or str, got {}",
                type_name(&reporting_unit.as_borrowed())
            )));
        };
        let reported_at = offset_date_time(reported_at)?;
        let bytes = py.detach(|| formats::write_national_jsonl(&self.0, &unit, reported_at));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    fn __len__(&self) -> usize {
        self.0.rows.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "PaymentReport(grouping='{}', {} rows, {} totals)",
            self.grouping(),
            self.0.rows.len(),
            self.0.totals().count()
        )
    }
}
