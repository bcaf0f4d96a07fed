//! Disclosure (公开公示): the daily feed of payments (每日发放信息), the masking it
//! applies, and each person's look-up of their own payments (self-query).
//!
//! The feed and the self-query read the store's ledger and register; the work runs
//! without the GIL, and the store's lock is taken without it too, so another thread
//! waiting for the store never holds the GIL this thread needs back.

use std::collections::BTreeMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rust_decimal::Decimal;
use time::Date;
use yikatong::formats::{self, CsvEncoding};
use yikatong::{AccountMasking, IdMasking, NameMasking};

use crate::account::AccountNumber;
use crate::catalog::PolicyCatalog;
use crate::checks::ArrowTable;
use crate::convert::{CivilDate, type_name};
use crate::error::{CoreResult, PyYikatongError, write_error};
use crate::facts::ResidentIdArg;
use crate::period::Period;
use crate::policy::language;
use crate::region::{CodeArg, RegionCode, RegionTree};
use crate::resident_id::ResidentId;
use crate::store::Store;

/// Reads the `encoding` argument of a CSV writer: "utf-8-sig" (UTF-8 with a byte order
/// mark, which Excel needs), "utf-8" or "gbk" (older Chinese systems).
pub(crate) fn csv_encoding(text: &str) -> PyResult<CsvEncoding> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8-sig" | "utf8-sig" => Ok(CsvEncoding::Utf8WithBom),
        "utf-8" | "utf8" => Ok(CsvEncoding::Utf8),
        "gbk" | "cp936" => Ok(CsvEncoding::Gbk),
        _ => Err(PyValueError::new_err(format!(
            "encoding {text:?} is not supported: pass \"utf-8-sig\" (UTF-8 with a byte order \
             mark, for Excel), \"utf-8\" or \"gbk\""
        ))),
    }
}

/// A unit enum's serde name (`in_correction`, `account_closed`). A macro: the binding
/// names `serde_json`, not `serde`, so it cannot spell the `Serialize` bound.
macro_rules! snake {
    ($value:expr) => {
        match serde_json::to_value($value) {
            Ok(serde_json::Value::String(name)) => name,
            _ => format!("{:?}", $value),
        }
    };
}

/// Fen as yuan, a `decimal.Decimal` with two decimals (exact, never a float).
pub(crate) fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

// ---------------------------------------------------------------------------
// Masking

/// What a public list shows of a person (DESIGN.md invariant 6). No option shows a
/// full ID number or account number, and phone numbers never appear.
///
/// `MaskingPolicy()` is the safe default: `name="mask_given_name"` (张*丰; or
/// `"full"` where local rules post full names, digits still hidden),
/// `resident_id="first_six_last_four"` (or `"hidden"`), `account="last_four"` (or
/// `"hidden"`). An unknown option raises `ValueError` naming the allowed ones.
#[pyclass(module = "yikatong._native", frozen, eq, hash, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaskingPolicy(pub(crate) yikatong::MaskingPolicy);

fn name_masking(text: &str) -> PyResult<NameMasking> {
    match text {
        "mask_given_name" => Ok(NameMasking::MaskGivenName),
        "full" => Ok(NameMasking::Full),
        _ => Err(PyValueError::new_err(format!(
            "name masking {text:?} is not known: pass \"mask_given_name\" (张*丰) or \"full\""
        ))),
    }
}

fn id_masking(text: &str) -> PyResult<IdMasking> {
    match text {
        "first_six_last_four" => Ok(IdMasking::FirstSixLastFour),
        "hidden" => Ok(IdMasking::Hidden),
        _ => Err(PyValueError::new_err(format!(
            "resident_id masking {text:?} is not known: pass \"first_six_last_four\" \
             (110105********002X) or \"hidden\"; a full ID number is never shown"
        ))),
    }
}

fn account_masking(text: &str) -> PyResult<AccountMasking> {
    match text {
        "last_four" => Ok(AccountMasking::LastFour),
        "hidden" => Ok(AccountMasking::Hidden),
        _ => Err(PyValueError::new_err(format!(
            "account masking {text:?} is not known: pass \"last_four\" or \"hidden\"; a full \
             account number is never shown"
        ))),
    }
}

#[pymethods]
impl MaskingPolicy {
    #[new]
    #[pyo3(signature = (
        *,
        name = "mask_given_name",
        resident_id = "first_six_last_four",
        account = "last_four",
    ))]
    fn new(name: &str, resident_id: &str, account: &str) -> PyResult<Self> {
        Ok(Self(yikatong::MaskingPolicy {
            name: name_masking(name)?,
            resident_id: id_masking(resident_id)?,
            account: account_masking(account)?,
        }))
    }

    /// How names appear: "mask_given_name" or "full".
    #[getter]
    fn name(&self) -> String {
        snake!(&self.0.name)
    }

    /// How ID numbers appear: "first_six_last_four" or "hidden".
    #[getter]
    fn resident_id(&self) -> String {
        snake!(&self.0.resident_id)
    }

    /// How account numbers appear: "last_four" or "hidden".
    #[getter]
    fn account(&self) -> String {
        snake!(&self.0.account)
    }

    /// A name as the public list shows it (digits always hidden).
    fn mask_name(&self, name: &str) -> String {
        self.0.mask_name(name)
    }

    /// An ID number as the public list shows it ("" when hidden).
    fn mask_resident_id(&self, resident_id: ResidentIdArg) -> String {
        self.0.mask_resident_id(&resident_id.0)
    }

    /// An account number as the public list shows it (`None` when hidden).
    fn mask_account(&self, account: &AccountNumber) -> Option<String> {
        self.0.mask_account(&account.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "MaskingPolicy(name='{}', resident_id='{}', account='{}')",
            self.name(),
            self.resident_id(),
            self.account()
        )
    }
}

// ---------------------------------------------------------------------------
// The daily feed

/// A number of payments and their sum, for the whole feed, a project or a region.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTotal {
    level: &'static str,
    total: yikatong::FeedTotal,
}

#[pymethods]
impl FeedTotal {
    /// "all", "project", "prefecture" or "county".
    #[getter]
    fn level(&self) -> &'static str {
        self.level
    }

    /// The project's code or the region's short code ("1504", "150422"); "" for all.
    #[getter]
    fn code(&self) -> &str {
        &self.total.code
    }

    /// The project's or region's name (合计 for all).
    #[getter]
    fn name(&self) -> &str {
        &self.total.name
    }

    /// How many payments.
    #[getter]
    fn count(&self) -> u64 {
        self.total.count
    }

    /// Their sum in yuan, a `decimal.Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.total.amount.as_decimal()
    }

    fn __repr__(&self) -> String {
        format!(
            "FeedTotal(level='{}', code='{}', name='{}', count={}, amount='{}')",
            self.level, self.total.code, self.total.name, self.total.count, self.total.amount
        )
    }
}

/// Everything paid on one day (每日发放信息), masked, with totals by project,
/// prefecture and county. Made by `daily_feed(...)`.
///
/// `to_arrow()` gives the rows as an Arrow table (columns in docs/arrow-tables.md);
/// `to_csv()`, `to_totals_csv()` and `to_json()` give the documents to publish.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct DailyFeed(yikatong::DailyFeed);

impl DailyFeed {
    fn totals_of(&self, level: &str) -> BTreeMap<String, FeedTotal> {
        self.0
            .totals
            .rows()
            .filter(|(at, _)| *at == level)
            .map(|(level, total)| {
                (
                    total.code.clone(),
                    FeedTotal {
                        level,
                        total: total.clone(),
                    },
                )
            })
            .collect()
    }
}

#[pymethods]
impl DailyFeed {
    /// The day whose payments are listed.
    #[getter]
    fn date(&self) -> Date {
        self.0.date
    }

    /// The region the feed is limited to, or `None` for all.
    #[getter]
    fn region(&self) -> Option<RegionCode> {
        self.0.region.map(RegionCode)
    }

    /// Every payment of the feed.
    #[getter]
    fn total(&self) -> FeedTotal {
        FeedTotal {
            level: "all",
            total: self.0.totals.all.clone(),
        }
    }

    /// Totals by project code.
    #[getter]
    fn by_project(&self) -> BTreeMap<String, FeedTotal> {
        self.totals_of("project")
    }

    /// Totals by prefecture (盟市), keyed by short code ("1504").
    #[getter]
    fn by_prefecture(&self) -> BTreeMap<String, FeedTotal> {
        self.totals_of("prefecture")
    }

    /// Totals by county (旗县), keyed by short code ("150422").
    #[getter]
    fn by_county(&self) -> BTreeMap<String, FeedTotal> {
        self.totals_of("county")
    }

    /// Every total, as the totals document lists them: all, then by project,
    /// prefecture and county.
    #[getter]
    fn totals(&self) -> Vec<FeedTotal> {
        self.0
            .totals
            .rows()
            .map(|(level, total)| FeedTotal {
                level,
                total: total.clone(),
            })
            .collect()
    }

    /// The rows as an Arrow table: name, resident_id (masked), village, township,
    /// township_code, county, project, project_name, period, amount (yuan text),
    /// amount_fen, settled_on, account (masked), roster_id, line.
    fn to_arrow(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let batch = py.detach(|| formats::feed_rows_to_arrow(&self.0.rows));
        Ok(ArrowTable::new(batch.map_err(crate::error::table_error)?))
    }

    /// The totals as an Arrow table: level, code, name, count, amount (yuan text),
    /// amount_fen.
    fn totals_to_arrow(&self) -> PyResult<ArrowTable> {
        let batch = formats::feed_totals_to_arrow(&self.0.totals);
        Ok(ArrowTable::new(batch.map_err(crate::error::table_error)?))
    }

    /// The rows as CSV: headers in `language` ("zh" or "en"), `encoding` "utf-8-sig"
    /// (for Excel), "utf-8" or "gbk". GBK fails on names it cannot write (Mongolian
    /// script): use UTF-8 then.
    #[pyo3(signature = (language = "zh", encoding = "utf-8-sig"))]
    fn to_csv<'py>(
        &self,
        py: Python<'py>,
        language: &str,
        encoding: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (language, encoding) = (self::language(language)?, csv_encoding(encoding)?);
        let bytes = py.detach(|| formats::write_feed_csv(&self.0, language, encoding));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    /// The totals as CSV (level, code, name, count, amount), as `to_csv`.
    #[pyo3(signature = (language = "zh", encoding = "utf-8-sig"))]
    fn to_totals_csv<'py>(
        &self,
        py: Python<'py>,
        language: &str,
        encoding: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (language, encoding) = (self::language(language)?, csv_encoding(encoding)?);
        let bytes = formats::write_feed_totals_csv(&self.0, language, encoding);
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    /// The feed as JSON (UTF-8): date, region, rows and totals; amounts as strings
    /// with two decimals, dates as "YYYY-MM-DD".
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| formats::write_feed_json(&self.0));
        Ok(PyBytes::new(py, &bytes.map_err(write_error)?))
    }

    fn __len__(&self) -> usize {
        self.0.rows.len()
    }

    fn __repr__(&self) -> String {
        let region = self
            .0
            .region
            .map_or_else(String::new, |code| format!(", region='{code}'"));
        format!(
            "DailyFeed(date={}{region}, {} payments, {} yuan)",
            self.0.date, self.0.totals.all.count, self.0.totals.all.amount
        )
    }
}

/// The public feed of `day`: every payment the banks reported paid that day, in the
/// store's ledger, within `region` when given (a prefecture, county or township
/// code), masked by `masking` (default `MaskingPolicy()`). Names and villages come
/// from the store's register, place names from `regions`, project names from
/// `catalog`. Runs without the GIL.
#[pyfunction]
#[pyo3(signature = (store, *, day, catalog, regions, region = None, masking = None))]
pub(crate) fn daily_feed(
    py: Python<'_>,
    store: &Bound<'_, Store>,
    day: CivilDate,
    catalog: &Bound<'_, PolicyCatalog>,
    regions: &Bound<'_, RegionTree>,
    region: Option<CodeArg>,
    masking: Option<MaskingPolicy>,
) -> PyResult<DailyFeed> {
    let (store, catalog, regions) = (store.get(), catalog.get(), regions.get());
    let masking = masking.map(|m| m.0).unwrap_or_default();
    let region = region.map(|code| code.0);
    let feed = py.detach(|| {
        store.with_core(|core| {
            let catalog = catalog.read();
            Ok(yikatong::disclosure::daily_feed(
                core.ledger(),
                core.register(),
                &catalog,
                regions.tree(),
                day.0,
                region,
                &masking,
            ))
        })
    })?;
    Ok(DailyFeed(feed.map_err(PyYikatongError)?))
}

// ---------------------------------------------------------------------------
// Self-query

/// One sending of a payment, unmasked: for the person it pays only.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct OwnAttempt(yikatong::OwnAttempt);

#[pymethods]
impl OwnAttempt {
    /// 1 for the first sending, one more per reissue (补发).
    #[getter]
    fn attempt(&self) -> u8 {
        self.0.attempt
    }

    /// The batch that carried it.
    #[getter]
    fn batch_id(&self) -> &str {
        &self.0.batch_id
    }

    /// The day the batch was prepared.
    #[getter]
    fn prepared_on(&self) -> Date {
        self.0.prepared_on
    }

    /// The day the bank was asked to pay.
    #[getter]
    fn requested_execution_date(&self) -> Date {
        self.0.requested_execution_date
    }

    /// The agent bank's code.
    #[getter]
    fn bank_code(&self) -> &str {
        &self.0.account.bank_code
    }

    /// The account paid onto, in full.
    #[getter]
    fn account(&self) -> AccountNumber {
        AccountNumber(self.0.account.number.clone())
    }

    /// The account holder's name as the bank has it.
    #[getter]
    fn holder_name(&self) -> &str {
        &self.0.account.holder_name
    }

    /// The amount in yuan, a `decimal.Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    /// What became of it: "paid", "paid_again" (a duplicate being recovered),
    /// "failed", "pending" or "withdrawn".
    #[getter]
    fn outcome(&self) -> String {
        snake!(&self.0.outcome)
    }

    fn __repr__(&self) -> String {
        format!(
            "OwnAttempt(attempt={}, batch_id='{}', amount='{}', outcome='{}')",
            self.0.attempt,
            self.0.batch_id,
            self.0.amount,
            self.outcome()
        )
    }
}

/// One payment of the person who asked, unmasked: what `self_query` returns.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct OwnPayment(yikatong::OwnPayment);

impl OwnPayment {
    fn correction_status(&self) -> Option<&yikatong::CorrectionStatus> {
        match &self.0.status {
            yikatong::OwnPaymentStatus::InCorrection { correction, .. } => Some(correction),
            _ => None,
        }
    }

    fn reason(&self) -> Option<&yikatong::FailureReason> {
        match &self.0.status {
            yikatong::OwnPaymentStatus::InCorrection { reason, .. } => Some(reason),
            _ => None,
        }
    }

    fn status_name(&self) -> &'static str {
        match self.0.status {
            yikatong::OwnPaymentStatus::Paid { .. } => "paid",
            yikatong::OwnPaymentStatus::InCorrection { .. } => "in_correction",
            yikatong::OwnPaymentStatus::Pending => "pending",
            yikatong::OwnPaymentStatus::NotPaid => "not_paid",
        }
    }
}

#[pymethods]
impl OwnPayment {
    /// The payment's id, 32 upper-case hex digits.
    #[getter]
    fn payment_id(&self) -> String {
        self.0.payment_id.to_string()
    }

    /// The project's code.
    #[getter]
    fn project(&self) -> &str {
        &self.0.project
    }

    /// The project's name (its code when the catalogue lacks it).
    #[getter]
    fn project_name(&self) -> &str {
        &self.0.project_name
    }

    /// The period.
    #[getter]
    fn period(&self) -> Period {
        Period(self.0.period)
    }

    /// The roster.
    #[getter]
    fn roster_id(&self) -> &str {
        &self.0.roster_id
    }

    /// The roster line.
    #[getter]
    fn line(&self) -> u32 {
        self.0.line
    }

    /// The township whose roster it is: where to ask about it.
    #[getter]
    fn township(&self) -> RegionCode {
        RegionCode(self.0.township)
    }

    /// The amount due in yuan, a `decimal.Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    /// The purpose as sent to the bank, e.g. 2026年11月高龄津贴.
    #[getter]
    fn purpose(&self) -> &str {
        &self.0.purpose
    }

    /// Where it stands: "paid", "in_correction" (not paid; the township is
    /// correcting it, or stopped it), "pending" (no result yet) or "not_paid".
    #[getter]
    fn status(&self) -> &'static str {
        self.status_name()
    }

    /// The day the bank reported it paid; `None` unless paid (or not known).
    #[getter]
    fn settled_on(&self) -> Option<Date> {
        match self.0.status {
            yikatong::OwnPaymentStatus::Paid { settled_on } => settled_on,
            _ => None,
        }
    }

    /// Why it is in correction, as a kind ("account_closed", "name_mismatch", …);
    /// `None` unless in correction.
    #[getter]
    fn failure_kind(&self) -> Option<String> {
        self.reason().map(|reason| snake!(&reason.kind))
    }

    /// Why it is in correction, as the bank said it (code and text); `None` unless in
    /// correction.
    #[getter]
    fn failure_reason(&self) -> Option<String> {
        self.reason().map(ToString::to_string)
    }

    /// What the township has done: "open" (waiting), "ready" (to be paid again onto
    /// `correction_account`) or "cancelled" (will not be paid; see
    /// `cancelled_because`); `None` unless in correction.
    #[getter]
    fn correction(&self) -> Option<&'static str> {
        self.correction_status().map(|status| match status {
            yikatong::CorrectionStatus::Open => "open",
            yikatong::CorrectionStatus::Ready { .. } => "ready",
            yikatong::CorrectionStatus::Cancelled { .. } => "cancelled",
        })
    }

    /// The account the payment will be reissued onto, when ready.
    #[getter]
    fn correction_account(&self) -> Option<AccountNumber> {
        match self.correction_status() {
            Some(yikatong::CorrectionStatus::Ready { account }) => {
                Some(AccountNumber(account.number.clone()))
            }
            _ => None,
        }
    }

    /// Why the township cancelled it, when it did.
    #[getter]
    fn cancelled_because(&self) -> Option<&str> {
        match self.correction_status() {
            Some(yikatong::CorrectionStatus::Cancelled { reason }) => Some(reason.as_str()),
            _ => None,
        }
    }

    /// Every sending, oldest first (none when it could never be sent).
    #[getter]
    fn attempts(&self) -> Vec<OwnAttempt> {
        self.0.attempts.iter().cloned().map(OwnAttempt).collect()
    }

    /// The payment as JSON, as the core writes it (for a web service answering the
    /// person): amounts as strings, dates as "YYYY-MM-DD".
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(|error| PyValueError::new_err(error.to_string()))
    }

    fn __repr__(&self) -> String {
        let settled = self
            .settled_on()
            .map_or_else(String::new, |day| format!(", settled_on={day}"));
        format!(
            "OwnPayment(project='{}', period='{}', amount='{}', status='{}'{settled}, {} attempts)",
            self.0.project,
            self.0.period,
            self.0.amount,
            self.status_name(),
            self.0.attempts.len()
        )
    }
}

/// Every payment to the person with ID number `resident_id` (a `str` or
/// `ResidentId`), unmasked, when `name` is their name as registered in the store
/// (spaces around it ignored): paid, in correction, pending and queued, each with
/// every sending, ordered by period, project, roster and line.
///
/// Raises `InvalidResidentId` when the number is not valid, and `NoMatchingPerson` —
/// the same error and message — whether the number is not registered or the name
/// does not match, so the answer does not tell who is registered. Runs without the
/// GIL.
#[pyfunction]
#[pyo3(signature = (store, *, catalog, resident_id, name))]
pub(crate) fn self_query(
    py: Python<'_>,
    store: &Bound<'_, Store>,
    catalog: &Bound<'_, PolicyCatalog>,
    resident_id: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<Vec<OwnPayment>> {
    let resident_id = if let Ok(id) = resident_id.cast::<ResidentId>() {
        id.get().0.as_str().to_owned()
    } else if let Ok(text) = resident_id.cast::<PyString>() {
        text.to_cow()?.into_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected a ResidentId or str for resident_id, got {}",
            type_name(&resident_id.as_borrowed())
        )));
    };
    let (store, catalog) = (store.get(), catalog.get());
    let payments = py.detach(|| {
        store.with_core(|core| {
            let catalog = catalog.read();
            Ok(yikatong::disclosure::self_query(
                core.ledger(),
                core.register(),
                &catalog,
                &resident_id,
                name,
            ))
        })
    })?;
    let payments: CoreResult<_> = payments.map_err(PyYikatongError);
    Ok(payments?.into_iter().map(OwnPayment).collect())
}
