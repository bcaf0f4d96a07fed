//! The daily disclosure feed and payment reports as Apache Arrow record batches, for
//! analysts reading them with pyarrow, pandas, polars or DuckDB. The columns are
//! documented in docs/arrow-tables.md.
//!
//! Money is whole fen as `int64` (`*_fen`) for arithmetic without rounding, and,
//! where people read the table as published, the amount in yuan as
//! `decimal128(18, 2)`, as in the ledger's tables. Region codes are 12 digits; dates
//! are `date32`. Nothing here goes through a float.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, StringBuilder, UInt64Builder};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray, UInt32Array,
    UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use time::Date;
use yikatong_core::{DisclosureRow, FeedTotals, PaymentReport, ReportRow, Tally};

use crate::FormatError;
use crate::arrow_ledger::yuan_array;

/// Precision and scale of the on-time rate column: four decimals, at most `1.0000`.
const RATE_PRECISION: u8 = 5;
const RATE_SCALE: i8 = 4;

fn arrow_error(error: impl std::fmt::Display) -> FormatError {
    FormatError::Arrow {
        message: error.to_string(),
    }
}

fn text<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(values.map(Some).collect::<StringArray>())
}

fn owned_text(values: impl Iterator<Item = String>) -> ArrayRef {
    Arc::new(values.map(Some).collect::<StringArray>())
}

/// Days from the Unix epoch, as Arrow's `Date32` counts them.
fn epoch_days(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY
}

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// The rows of a daily feed ([`yikatong_core::DailyFeed::rows`]), one per payment in
/// the feed's order, already masked by the core: `name`, `resident_id` (masked,
/// empty when hidden), `village`, `township` (names), `township_code`, `county`
/// (12-digit codes), `project`, `project_name`, `period`, `amount` (yuan, decimal
/// text), `amount_fen` (int64), `settled_on` (date32), `account` (masked; null when
/// hidden), `roster_id` and `line` (uint32).
///
/// ```
/// use yikatong_formats::feed_rows_to_arrow;
///
/// let batch = feed_rows_to_arrow(&[])?;
/// assert_eq!(batch.num_rows(), 0);
/// assert_eq!(batch.schema().field(10).name(), "amount_fen");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`FormatError::Arrow`] if Arrow refuses the columns (it does not for rows the
/// core built).
pub fn feed_rows_to_arrow(rows: &[DisclosureRow]) -> Result<RecordBatch, FormatError> {
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("name", text(rows.iter().map(|r| r.name.as_str())), false),
        (
            "resident_id",
            text(rows.iter().map(|r| r.resident_id.as_str())),
            false,
        ),
        (
            "village",
            text(rows.iter().map(|r| r.village.as_str())),
            false,
        ),
        (
            "township",
            text(rows.iter().map(|r| r.township.as_str())),
            false,
        ),
        (
            "township_code",
            owned_text(rows.iter().map(|r| r.township_code.to_string())),
            false,
        ),
        (
            "county",
            owned_text(rows.iter().map(|r| r.county.to_string())),
            false,
        ),
        (
            "project",
            text(rows.iter().map(|r| r.project.as_str())),
            false,
        ),
        (
            "project_name",
            text(rows.iter().map(|r| r.project_name.as_str())),
            false,
        ),
        (
            "period",
            owned_text(rows.iter().map(|r| r.period.to_string())),
            false,
        ),
        (
            "amount",
            yuan_array(rows.iter().map(|r| r.amount.to_fen()))?,
            false,
        ),
        (
            "amount_fen",
            Arc::new(
                rows.iter()
                    .map(|r| r.amount.to_fen())
                    .collect::<Int64Array>(),
            ),
            false,
        ),
        (
            "settled_on",
            Arc::new(Date32Array::from(
                rows.iter()
                    .map(|r| epoch_days(r.settled_on))
                    .collect::<Vec<_>>(),
            )),
            false,
        ),
        (
            "account",
            Arc::new(
                rows.iter()
                    .map(|r| r.account.as_deref())
                    .collect::<StringArray>(),
            ),
            true,
        ),
        (
            "roster_id",
            text(rows.iter().map(|r| r.roster_id.as_str())),
            false,
        ),
        (
            "line",
            Arc::new(rows.iter().map(|r| r.line).collect::<UInt32Array>()),
            false,
        ),
    ];
    RecordBatch::try_from_iter_with_nullable(columns).map_err(arrow_error)
}

/// A feed's totals ([`FeedTotals::rows`]): one row overall, then by project,
/// prefecture and county, with `level` (`all`, `project`, `prefecture`, `county`),
/// `code` (the project's code or the region's short code; empty overall), `name`,
/// `count` (uint64), `amount` (yuan, `decimal128(18, 2)`) and `amount_fen` (int64).
///
/// # Errors
///
/// [`FormatError::Arrow`] if Arrow refuses the columns (it does not for totals the
/// core built).
pub fn feed_totals_to_arrow(totals: &FeedTotals) -> Result<RecordBatch, FormatError> {
    let rows: Vec<(&str, &yikatong_core::FeedTotal)> = totals.rows().collect();
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("level", text(rows.iter().map(|(level, _)| *level)), false),
        (
            "code",
            text(rows.iter().map(|(_, t)| t.code.as_str())),
            false,
        ),
        (
            "name",
            text(rows.iter().map(|(_, t)| t.name.as_str())),
            false,
        ),
        (
            "count",
            Arc::new(rows.iter().map(|(_, t)| t.count).collect::<UInt64Array>()),
            false,
        ),
        (
            "amount",
            yuan_array(rows.iter().map(|(_, t)| t.amount.to_fen()))?,
            false,
        ),
        (
            "amount_fen",
            Arc::new(
                rows.iter()
                    .map(|(_, t)| t.amount.to_fen())
                    .collect::<Int64Array>(),
            ),
            false,
        ),
    ];
    RecordBatch::try_from_iter_with_nullable(columns).map_err(arrow_error)
}

/// The column stems of a report row's tallies, in the order of [`tallies`] (the CSV's).
const TALLY_STEMS: [&str; 6] = [
    "approved",
    "paid",
    "failed",
    "pending",
    "cancelled",
    "not_batched",
];

/// The six tallies of a report row, in the order of [`TALLY_STEMS`].
fn tallies(row: &ReportRow) -> [Tally; 6] {
    [
        row.approved,
        row.paid,
        row.failed,
        row.pending,
        row.cancelled,
        row.not_batched,
    ]
}

/// A payment report's rows in its order (each project and period's region rows, then
/// their total): `project`, `period`, `region_code` (12 digits; null on a total
/// row), `region_name` (empty on a total row), `is_total` (bool), `beneficiaries`,
/// then `<stem>_count` (uint64) and `<stem>_fen` (int64) for `approved`, `paid`,
/// `failed`, `pending`, `cancelled` and `not_batched`, then `on_time_count`,
/// `late_count` (uint64) and `on_time_rate` (`decimal128(5, 4)`, the core's
/// four-decimal fraction; null when nothing is paid).
///
/// ```
/// use yikatong_core::{Grouping, PaymentLedger, PaymentReport, RegionTree};
/// use yikatong_formats::report_rows_to_arrow;
///
/// let report = PaymentReport::build(&[], &PaymentLedger::new(), Grouping::County, RegionTree::bundled()?);
/// let batch = report_rows_to_arrow(&report)?;
/// assert_eq!(batch.num_rows(), 0);
/// assert_eq!(batch.num_columns(), 21);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`FormatError::Arrow`] if Arrow refuses the columns (it does not for a report the
/// core built).
pub fn report_rows_to_arrow(report: &PaymentReport) -> Result<RecordBatch, FormatError> {
    let rows = &report.rows;
    let n = rows.len();
    let mut region_codes = StringBuilder::with_capacity(n, n * 12);
    let mut rates = Decimal128Builder::with_capacity(n)
        .with_precision_and_scale(RATE_PRECISION, RATE_SCALE)
        .map_err(arrow_error)?;
    for row in rows {
        region_codes.append_option(row.region.map(|code| code.to_string()));
        rates.append_option(row.on_time_rate().map(|mut rate| {
            rate.rescale(RATE_SCALE.unsigned_abs().into());
            rate.mantissa()
        }));
    }
    let mut fields = vec![
        Field::new("project", DataType::Utf8, false),
        Field::new("period", DataType::Utf8, false),
        Field::new("region_code", DataType::Utf8, true),
        Field::new("region_name", DataType::Utf8, false),
        Field::new("is_total", DataType::Boolean, false),
        Field::new("beneficiaries", DataType::UInt64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        text(rows.iter().map(|r| r.project.as_str())),
        owned_text(rows.iter().map(|r| r.period.to_string())),
        Arc::new(region_codes.finish()),
        text(rows.iter().map(|r| r.region_name.as_str())),
        Arc::new(
            rows.iter()
                .map(|r| Some(r.is_total()))
                .collect::<BooleanArray>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.beneficiaries)
                .collect::<UInt64Array>(),
        ),
    ];
    for (index, stem) in TALLY_STEMS.iter().enumerate() {
        let mut counts = UInt64Builder::with_capacity(n);
        let mut fen = Vec::with_capacity(n);
        for row in rows {
            let tally = tallies(row)[index];
            counts.append_value(tally.count);
            fen.push(tally.fen);
        }
        fields.push(Field::new(format!("{stem}_count"), DataType::UInt64, false));
        fields.push(Field::new(format!("{stem}_fen"), DataType::Int64, false));
        columns.push(Arc::new(counts.finish()));
        columns.push(Arc::new(Int64Array::from(fen)));
    }
    fields.push(Field::new("on_time_count", DataType::UInt64, false));
    fields.push(Field::new("late_count", DataType::UInt64, false));
    fields.push(Field::new(
        "on_time_rate",
        DataType::Decimal128(RATE_PRECISION, RATE_SCALE),
        true,
    ));
    columns.push(Arc::new(
        rows.iter().map(|r| r.on_time).collect::<UInt64Array>(),
    ));
    columns.push(Arc::new(
        rows.iter().map(|r| r.late).collect::<UInt64Array>(),
    ));
    columns.push(Arc::new(rates.finish()));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_error)
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Decimal128Type, Int64Type, UInt32Type, UInt64Type};
    use arrow_array::{Array, RecordBatch};
    use time::macros::date;
    use yikatong_core::disclosure::daily_feed;
    use yikatong_core::{
        AccountMasking, Grouping, IdMasking, MaskingPolicy, NameMasking, PaymentLedger,
        PaymentReport, RegionLevel, RegionTree,
    };

    use super::*;
    // The same paid township as the feed's own tests.
    use crate::disclosure::tests::{PAID_ON, paid_township};

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

    fn strings(batch: &RecordBatch, name: &str) -> Fallible<Vec<Option<String>>> {
        let column = batch.column_by_name(name).ok_or(format!("no {name}"))?;
        let column = column
            .as_string_opt::<i32>()
            .ok_or(format!("{name} not utf8"))?;
        Ok(column.iter().map(|v| v.map(str::to_owned)).collect())
    }

    fn texts(batch: &RecordBatch, name: &str) -> Fallible<Vec<String>> {
        Ok(strings(batch, name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// A `decimal128(18, 2)` column as text ("250.00").
    fn yuan_texts(batch: &RecordBatch, name: &str) -> Fallible<Vec<String>> {
        let column = batch.column_by_name(name).ok_or(format!("no {name}"))?;
        let column = column
            .as_primitive_opt::<Decimal128Type>()
            .ok_or(format!("{name} not decimal128"))?;
        assert_eq!((column.precision(), column.scale()), (18, 2));
        Ok((0..column.len())
            .map(|i| column.value_as_string(i))
            .collect())
    }

    fn int64s(batch: &RecordBatch, name: &str) -> Fallible<Vec<i64>> {
        let column = batch.column_by_name(name).ok_or(format!("no {name}"))?;
        let column = column
            .as_primitive_opt::<Int64Type>()
            .ok_or(format!("{name} not int64"))?;
        Ok(column.values().to_vec())
    }

    fn uint64s(batch: &RecordBatch, name: &str) -> Fallible<Vec<u64>> {
        let column = batch.column_by_name(name).ok_or(format!("no {name}"))?;
        let column = column
            .as_primitive_opt::<UInt64Type>()
            .ok_or(format!("{name} not uint64"))?;
        Ok(column.values().to_vec())
    }

    #[test]
    fn feed_rows_hold_every_paid_payment_masked() -> TestResult {
        let (town, catalog, roster, _, ledger) = paid_township()?;
        let feed = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            PAID_ON,
            None,
            &MaskingPolicy::default(),
        )?;
        let lines = roster.lines().len();
        assert!(lines > 100, "{lines} lines");
        assert_eq!(feed.rows.len(), lines - lines / 10, "each 10th failed");

        let batch = feed_rows_to_arrow(&feed.rows)?;
        assert_eq!(batch.num_rows(), feed.rows.len());
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "resident_id",
                "village",
                "township",
                "township_code",
                "county",
                "project",
                "project_name",
                "period",
                "amount",
                "amount_fen",
                "settled_on",
                "account",
                "roster_id",
                "line"
            ]
        );
        // Every cell is the row's own, in the feed's order.
        let (name, id, village, township) = (
            texts(&batch, "name")?,
            texts(&batch, "resident_id")?,
            texts(&batch, "village")?,
            texts(&batch, "township")?,
        );
        let (codes, counties, amounts) = (
            texts(&batch, "township_code")?,
            texts(&batch, "county")?,
            yuan_texts(&batch, "amount")?,
        );
        let fen = int64s(&batch, "amount_fen")?;
        let accounts = strings(&batch, "account")?;
        let settled = batch
            .column_by_name("settled_on")
            .ok_or("no settled_on")?
            .as_primitive_opt::<Date32Type>()
            .ok_or("settled_on not date32")?
            .values()
            .to_vec();
        let line_numbers = batch
            .column_by_name("line")
            .ok_or("no line")?
            .as_primitive_opt::<UInt32Type>()
            .ok_or("line not uint32")?
            .values()
            .to_vec();
        for (i, row) in feed.rows.iter().enumerate() {
            assert_eq!(name[i], row.name);
            assert_eq!(id[i], row.resident_id);
            assert!(id[i].contains("********"), "masked: {}", id[i]);
            assert_eq!(village[i], row.village);
            assert_eq!(township[i], row.township);
            assert_eq!(codes[i], row.township_code.to_string());
            assert_eq!(codes[i].len(), 12);
            assert_eq!(counties[i], row.county.to_string());
            assert_eq!(amounts[i], row.amount.to_string());
            assert_eq!(fen[i], row.amount.to_fen());
            assert!(fen[i] > 0);
            assert_eq!(accounts[i], row.account);
            assert!(accounts[i].as_deref().is_some_and(|a| a.contains('*')));
            assert_eq!(settled[i], epoch_days(PAID_ON));
            assert_eq!(line_numbers[i], row.line);
        }
        // 2026-03-24 is day 20536 of the Unix epoch, as pyarrow counts it.
        assert_eq!(epoch_days(PAID_ON), 20_536);
        assert_eq!(
            fen.iter().sum::<i64>(),
            feed.totals.all.amount.to_fen(),
            "the column sums to the feed's total"
        );
        Ok(())
    }

    #[test]
    fn hidden_masking_leaves_ids_empty_and_accounts_null() -> TestResult {
        let (town, catalog, _, _, ledger) = paid_township()?;
        let masking = MaskingPolicy {
            name: NameMasking::Full,
            resident_id: IdMasking::Hidden,
            account: AccountMasking::Hidden,
        };
        let feed = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            PAID_ON,
            None,
            &masking,
        )?;
        let batch = feed_rows_to_arrow(&feed.rows)?;
        assert!(batch.num_rows() > 0);
        assert!(texts(&batch, "resident_id")?.iter().all(String::is_empty));
        let accounts = batch.column_by_name("account").ok_or("no account")?;
        assert_eq!(accounts.null_count(), batch.num_rows());
        // Full names: as registered.
        let names = texts(&batch, "name")?;
        let registered: Vec<&str> = town
            .register
            .beneficiaries()
            .map(|person| person.name.as_str())
            .collect();
        assert!(names.iter().all(|name| registered.contains(&name.as_str())));
        Ok(())
    }

    #[test]
    fn feed_totals_list_all_then_projects_prefectures_counties() -> TestResult {
        let (town, catalog, _, _, ledger) = paid_township()?;
        let feed = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            PAID_ON,
            None,
            &MaskingPolicy::default(),
        )?;
        let batch = feed_totals_to_arrow(&feed.totals)?;
        let levels = texts(&batch, "level")?;
        assert_eq!(levels, ["all", "project", "prefecture", "county"]);
        let counts = uint64s(&batch, "count")?;
        let fen = int64s(&batch, "amount_fen")?;
        let amounts = yuan_texts(&batch, "amount")?;
        let codes = texts(&batch, "code")?;
        assert_eq!(counts, [feed.rows.len() as u64; 4]);
        let all = feed.totals.all.amount.to_fen();
        assert_eq!(fen, [all; 4]);
        assert_eq!(amounts[0], feed.totals.all.amount.to_string());
        assert_eq!(codes[0], "");
        assert_eq!(codes[1], "CYSTBH-CXPH");
        assert_eq!(
            codes[3],
            town.township
                .truncate(RegionLevel::County)
                .to_short_string()
        );
        // An empty feed has its one all-row, at zero.
        let empty = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            date!(2026 - 03 - 25),
            None,
            &MaskingPolicy::default(),
        )?;
        let batch = feed_totals_to_arrow(&empty.totals)?;
        assert_eq!(texts(&batch, "level")?, ["all"]);
        assert_eq!(uint64s(&batch, "count")?, [0]);
        assert_eq!(yuan_texts(&batch, "amount")?, ["0.00"]);
        assert_eq!(feed_rows_to_arrow(&empty.rows)?.num_rows(), 0);
        Ok(())
    }

    #[test]
    fn report_rows_carry_every_tally_and_the_rate() -> TestResult {
        let (town, _, roster, review, ledger) = paid_township()?;
        let regions = RegionTree::bundled()?;
        for grouping in [Grouping::Township, Grouping::County, Grouping::Prefecture] {
            let report = PaymentReport::build(&[(&roster, &review)], &ledger, grouping, regions);
            // One region row and the total of the one project and period.
            assert_eq!(report.rows.len(), 2);
            let batch = report_rows_to_arrow(&report)?;
            assert_eq!(batch.num_rows(), 2);
            assert_eq!(batch.num_columns(), 21);
            let region_codes = strings(&batch, "region_code")?;
            let level = grouping.level();
            assert_eq!(
                region_codes,
                [Some(town.township.truncate(level).to_string()), None]
            );
            let totals = batch
                .column_by_name("is_total")
                .ok_or("no is_total")?
                .as_boolean_opt()
                .ok_or("is_total not bool")?
                .iter()
                .collect::<Vec<_>>();
            assert_eq!(totals, [Some(false), Some(true)]);
            for (i, row) in report.rows.iter().enumerate() {
                assert!(row.balances());
                for (stem, tally) in TALLY_STEMS.iter().zip(tallies(row)) {
                    assert_eq!(uint64s(&batch, &format!("{stem}_count"))?[i], tally.count);
                    assert_eq!(int64s(&batch, &format!("{stem}_fen"))?[i], tally.fen);
                }
                assert_eq!(uint64s(&batch, "beneficiaries")?[i], row.beneficiaries);
                assert_eq!(uint64s(&batch, "on_time_count")?[i], row.on_time);
                assert_eq!(uint64s(&batch, "late_count")?[i], row.late);
            }
        }
        let report =
            PaymentReport::build(&[(&roster, &review)], &ledger, Grouping::County, regions);
        let total = report.totals().next().ok_or("no total")?;
        let lines = roster.lines().len() as u64;
        assert_eq!(total.approved.count, lines);
        assert_eq!(total.failed.count, lines / 10, "each 10th failed and waits");
        assert_eq!(total.paid.count, lines - lines / 10);
        assert!(total.paid.fen > 0 && total.failed.fen > 0);
        let batch = report_rows_to_arrow(&report)?;
        let rates = batch
            .column_by_name("on_time_rate")
            .ok_or("no on_time_rate")?
            .as_primitive_opt::<Decimal128Type>()
            .ok_or("on_time_rate not decimal128")?;
        assert_eq!(rates.precision(), 5);
        assert_eq!(rates.scale(), 4);
        let rate = total.on_time_rate().ok_or("nothing paid")?;
        assert_eq!(rates.value_as_string(1), rate.to_string());
        assert_eq!(texts(&batch, "region_name")?[1], "");
        assert_eq!(texts(&batch, "period")?, ["2026", "2026"]);
        Ok(())
    }

    #[test]
    fn rate_is_null_when_nothing_is_paid() -> TestResult {
        let (_, _, roster, review, _) = paid_township()?;
        let report = PaymentReport::build(
            &[(&roster, &review)],
            &PaymentLedger::new(),
            Grouping::County,
            RegionTree::bundled()?,
        );
        let batch = report_rows_to_arrow(&report)?;
        let rates = batch.column_by_name("on_time_rate").ok_or("no rate")?;
        assert_eq!(rates.null_count(), 2);
        let lines = roster.lines().len() as u64;
        assert_eq!(uint64s(&batch, "not_batched_count")?, [lines, lines]);
        assert_eq!(uint64s(&batch, "paid_count")?, [0, 0]);
        Ok(())
    }
}
