//! Audit rows and findings as Apache Arrow record batches, so that the checks read
//! payments from and hand findings to any Arrow-based engine (pyarrow, pandas,
//! polars, DuckDB, Spark). The columns are documented in docs/arrow-tables.md.
//!
//! Reading accepts what engines commonly produce: text as `Utf8`, `LargeUtf8` or
//! `Utf8View`, whole numbers of any integer type, dates as `Date32` or `Date64`.
//! A value that does not fit is a [`FormatError::Column`] naming the row (from 1),
//! the column, the value and the rule.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Int64Builder, StringBuilder, UInt8Builder, UInt32Builder,
    UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Int64Array, LargeStringArray, PrimitiveArray, RecordBatch,
    StringArray, StringViewArray, UInt32Array, UInt64Array,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use time::Date;
use yikatong_core::progress::{Counter, Progress, Silent};
use yikatong_core::{
    ApprovedLine, AuditReport, CompactString, PaidRow, PaymentId, Period, RegionCode, ResidentId,
    Timeliness,
};

use crate::FormatError;

/// The columns of an audit-rows table, in order: name, type, nullable.
const ROW_COLUMNS: [(&str, DataType, bool); 26] = [
    ("payment_id", DataType::Utf8, false),
    ("attempt", DataType::UInt8, false),
    ("beneficiary", DataType::Utf8, false),
    ("payee", DataType::Utf8, false),
    ("household_id", DataType::Utf8, true),
    ("registered_name", DataType::Utf8, true),
    ("holder_name", DataType::Utf8, true),
    ("account", DataType::Utf8, true),
    ("project", DataType::Utf8, false),
    ("period", DataType::Utf8, false),
    ("township", DataType::Utf8, false),
    ("county", DataType::Utf8, false),
    ("batch_id", DataType::Utf8, true),
    ("amount_fen", DataType::Int64, false),
    ("entitled_fen", DataType::Int64, true),
    ("recovered_fen", DataType::Int64, true),
    ("settled_on", DataType::Date32, true),
    ("counted", DataType::Boolean, false),
    ("deadline", DataType::Date32, true),
    ("on_hold", DataType::Boolean, true),
    ("ineligible", DataType::Utf8, true),
    ("approved_roster_id", DataType::Utf8, true),
    ("approved_line_no", DataType::UInt32, true),
    ("approved_payee", DataType::Utf8, true),
    ("approved_account", DataType::Utf8, true),
    ("approved_amount_fen", DataType::Int64, true),
];

fn schema_of(columns: &[(&str, DataType, bool)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, data_type, nullable)| Field::new(*name, data_type.clone(), *nullable))
            .collect::<Vec<_>>(),
    ))
}

/// The schema of an audit-rows table ([`audit_rows_to_arrow`] writes it; reading
/// also accepts the other text, integer and date types listed in the module doc).
pub fn audit_rows_schema() -> SchemaRef {
    schema_of(&ROW_COLUMNS)
}

/// Days from the Unix epoch, as Arrow's `Date32` counts them.
fn epoch_days(date: Date) -> i32 {
    date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY
}

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Audit rows as one record batch.
pub fn audit_rows_to_arrow(rows: &[PaidRow]) -> Result<RecordBatch, FormatError> {
    let n = rows.len();
    let text = |value: &dyn Fn(&PaidRow) -> Option<&str>| -> ArrayRef {
        let mut builder = StringBuilder::with_capacity(n, n * 8);
        for row in rows {
            builder.append_option(value(row));
        }
        Arc::new(builder.finish())
    };
    let fen = |value: &dyn Fn(&PaidRow) -> Option<i64>| -> ArrayRef {
        let mut builder = Int64Builder::with_capacity(n);
        for row in rows {
            builder.append_option(value(row));
        }
        Arc::new(builder.finish())
    };
    let day = |value: &dyn Fn(&PaidRow) -> Option<Date>| -> ArrayRef {
        let mut builder = Date32Builder::with_capacity(n);
        for row in rows {
            builder.append_option(value(row).map(epoch_days));
        }
        Arc::new(builder.finish())
    };
    let flag = |value: &dyn Fn(&PaidRow) -> bool| -> ArrayRef {
        let mut builder = BooleanBuilder::with_capacity(n);
        for row in rows {
            builder.append_value(value(row));
        }
        Arc::new(builder.finish())
    };
    let mut attempts = UInt8Builder::with_capacity(n);
    let mut line_numbers = UInt32Builder::with_capacity(n);
    for row in rows {
        attempts.append_value(row.attempt);
        line_numbers.append_option(row.approved.as_ref().map(|line| line.line_no));
    }
    let ids: Vec<String> = rows.iter().map(|row| row.payment_id.to_string()).collect();
    let periods: Vec<String> = rows.iter().map(|row| row.period.to_string()).collect();
    let codes = |code: &dyn Fn(&PaidRow) -> RegionCode| -> ArrayRef {
        let mut builder = StringBuilder::with_capacity(n, n * 12);
        for row in rows {
            builder.append_value(code(row).to_string());
        }
        Arc::new(builder.finish())
    };
    let columns: Vec<ArrayRef> = vec![
        {
            let mut builder = StringBuilder::with_capacity(n, n * 32);
            for id in &ids {
                builder.append_value(id);
            }
            Arc::new(builder.finish())
        },
        Arc::new(attempts.finish()),
        text(&|row| Some(row.beneficiary.as_str())),
        text(&|row| Some(row.payee.as_str())),
        text(&|row| Some(row.household_id.as_str())),
        text(&|row| Some(row.registered_name.as_str())),
        text(&|row| Some(row.holder_name.as_str())),
        text(&|row| Some(row.account.as_str())),
        text(&|row| Some(&row.project)),
        {
            let mut builder = StringBuilder::with_capacity(n, n * 7);
            for period in &periods {
                builder.append_value(period);
            }
            Arc::new(builder.finish())
        },
        codes(&|row| row.township),
        codes(&|row| row.county),
        text(&|row| row.batch_id.as_deref()),
        fen(&|row| Some(row.amount_fen)),
        fen(&|row| row.entitled_fen),
        fen(&|row| Some(row.recovered_fen)),
        day(&|row| row.settled_on),
        flag(&|row| row.counted),
        day(&|row| row.deadline),
        flag(&|row| row.on_hold),
        text(&|row| row.ineligible.as_deref()),
        text(&|row| row.approved.as_ref().map(|line| &*line.roster_id)),
        Arc::new(line_numbers.finish()),
        text(&|row| row.approved.as_ref().map(|line| line.payee.as_str())),
        text(&|row| row.approved.as_ref().map(|line| line.account.as_str())),
        fen(&|row| row.approved.as_ref().map(|line| line.amount_fen)),
    ];
    RecordBatch::try_new(audit_rows_schema(), columns).map_err(|error| FormatError::Arrow {
        message: error.to_string(),
    })
}

/// One column of a batch being read, whatever its Arrow type.
struct Column<'a> {
    name: &'static str,
    array: Option<&'a dyn Array>,
    // Resolved once: reading a value is then a match on this, not a downcast.
    values: Values<'a>,
    nulls: Option<NullBuffer>,
}

/// The typed array behind a column.
#[derive(Clone, Copy)]
enum Values<'a> {
    Missing,
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Int8(&'a PrimitiveArray<Int8Type>),
    Int16(&'a PrimitiveArray<Int16Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Int64(&'a PrimitiveArray<Int64Type>),
    UInt8(&'a PrimitiveArray<UInt8Type>),
    UInt16(&'a PrimitiveArray<UInt16Type>),
    UInt32(&'a PrimitiveArray<UInt32Type>),
    UInt64(&'a PrimitiveArray<UInt64Type>),
    Boolean(&'a BooleanArray),
    Date32(&'a PrimitiveArray<Date32Type>),
    Date64(&'a PrimitiveArray<Date64Type>),
    /// A type no reader accepts; an error when a value is read.
    Other,
}

impl<'a> Values<'a> {
    fn of(array: &'a dyn Array) -> Values<'a> {
        match array.data_type() {
            DataType::Utf8 => Values::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Values::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Values::Utf8View(array.as_string_view()),
            DataType::Int8 => Values::Int8(array.as_primitive()),
            DataType::Int16 => Values::Int16(array.as_primitive()),
            DataType::Int32 => Values::Int32(array.as_primitive()),
            DataType::Int64 => Values::Int64(array.as_primitive()),
            DataType::UInt8 => Values::UInt8(array.as_primitive()),
            DataType::UInt16 => Values::UInt16(array.as_primitive()),
            DataType::UInt32 => Values::UInt32(array.as_primitive()),
            DataType::UInt64 => Values::UInt64(array.as_primitive()),
            DataType::Boolean => Values::Boolean(array.as_boolean()),
            DataType::Date32 => Values::Date32(array.as_primitive()),
            DataType::Date64 => Values::Date64(array.as_primitive()),
            _ => Values::Other,
        }
    }
}

impl<'a> Column<'a> {
    fn find(batch: &'a RecordBatch, name: &'static str) -> Column<'a> {
        let array = batch.column_by_name(name).map(|array| array.as_ref());
        Column {
            name,
            array,
            values: array.map_or(Values::Missing, Values::of),
            // Logical: a column of Arrow's null type has no buffer but every value null.
            nulls: array.and_then(|array| array.logical_nulls()),
        }
    }

    fn problem(&self, row: usize, first_row: u64, value: String, rule: &str) -> FormatError {
        FormatError::Column {
            row: first_row + row as u64,
            column: self.name.to_owned(),
            value,
            rule: rule.to_owned(),
        }
    }

    fn type_problem(&self, expected: &str) -> FormatError {
        FormatError::ColumnType {
            column: self.name.to_owned(),
            found: self
                .array
                .map_or_else(|| "nothing".to_owned(), |a| a.data_type().to_string()),
            expected: expected.to_owned(),
        }
    }

    /// Whether there is no value at `row` (a null, or no such column).
    #[inline]
    fn is_absent(&self, row: usize) -> bool {
        matches!(self.values, Values::Missing)
            || self.nulls.as_ref().is_some_and(|nulls| nulls.is_null(row))
    }

    /// Text, or `None` for a null or missing column.
    #[inline]
    fn text(&self, row: usize) -> Result<Option<&'a str>, FormatError> {
        if self.is_absent(row) {
            return Ok(None);
        }
        Ok(Some(match self.values {
            Values::Utf8(array) => array.value(row),
            Values::LargeUtf8(array) => array.value(row),
            Values::Utf8View(array) => array.value(row),
            _ => return Err(self.type_problem("text (utf8)")),
        }))
    }

    /// Text that must be there.
    #[inline]
    fn required(&self, row: usize, first_row: u64) -> Result<&'a str, FormatError> {
        self.text(row)?
            .ok_or_else(|| self.problem(row, first_row, "null".to_owned(), "is required"))
    }

    /// A whole number, or `None` for a null or missing column.
    #[inline]
    fn integer(&self, row: usize) -> Result<Option<i128>, FormatError> {
        if self.is_absent(row) {
            return Ok(None);
        }
        Ok(Some(match self.values {
            Values::Int8(array) => array.value(row).into(),
            Values::Int16(array) => array.value(row).into(),
            Values::Int32(array) => array.value(row).into(),
            Values::Int64(array) => array.value(row).into(),
            Values::UInt8(array) => array.value(row).into(),
            Values::UInt16(array) => array.value(row).into(),
            Values::UInt32(array) => array.value(row).into(),
            Values::UInt64(array) => array.value(row).into(),
            _ => return Err(self.type_problem("a whole number (int64)")),
        }))
    }

    #[inline]
    fn flag(&self, row: usize) -> Result<Option<bool>, FormatError> {
        if self.is_absent(row) {
            return Ok(None);
        }
        match self.values {
            Values::Boolean(array) => Ok(Some(array.value(row))),
            _ => Err(self.type_problem("true or false (bool)")),
        }
    }

    fn date(&self, row: usize, first_row: u64) -> Result<Option<Date>, FormatError> {
        if self.is_absent(row) {
            return Ok(None);
        }
        let days: i64 = match self.values {
            Values::Date32(array) => array.value(row).into(),
            Values::Date64(array) => array.value(row) / 86_400_000,
            _ => return Err(self.type_problem("a date (date32)")),
        };
        i32::try_from(days + i64::from(UNIX_EPOCH_JULIAN_DAY))
            .ok()
            .and_then(|julian| Date::from_julian_day(julian).ok())
            .map(Some)
            .ok_or_else(|| {
                self.problem(
                    row,
                    first_row,
                    days.to_string(),
                    "is not a date time can hold",
                )
            })
    }
}

/// The columns of an audit-rows batch, found once.
struct RowColumns<'a>([Column<'a>; 26]);

impl<'a> RowColumns<'a> {
    fn of(batch: &'a RecordBatch) -> Result<RowColumns<'a>, FormatError> {
        let columns = ROW_COLUMNS
            .each_ref()
            .map(|(name, _, _)| Column::find(batch, name));
        for (column, (_, _, nullable)) in columns.iter().zip(&ROW_COLUMNS) {
            if column.array.is_none() && !nullable {
                let found: Vec<String> = batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|field| field.name().clone())
                    .collect();
                return Err(FormatError::NoColumn {
                    column: column.name.to_owned(),
                    found: found.join(", "),
                });
            }
        }
        Ok(RowColumns(columns))
    }
}

/// Below this many rows one thread reads them all.
const ROWS_PER_THREAD: usize = 100_000;

/// The audit rows of one batch; `first_row` numbers its first row in errors (1 for
/// the first batch of a table, then on from there). A large batch is read in parts
/// on up to four threads (each part is a zero-copy slice).
///
/// # Errors
///
/// [`FormatError::NoColumn`] when a required column is missing,
/// [`FormatError::ColumnType`] when a column has a type that cannot hold its values,
/// [`FormatError::Column`] for the first value (in row order) that breaks a rule
/// (row, column, value, rule).
pub fn audit_rows_from_arrow(
    batch: &RecordBatch,
    first_row: u64,
) -> Result<Vec<PaidRow>, FormatError> {
    let counter = Counter::new(&Silent, "reading rows", batch.num_rows() as u64);
    let mut all = Vec::new();
    read_parts(batch, first_row, &counter, &mut all)?;
    Ok(all)
}

/// The audit rows of every batch of a table, in order, rows numbered from 1 across
/// the batches; reports `"reading rows"` to `progress`. Each large batch is read in
/// parts on up to four threads, as [`audit_rows_from_arrow`] does.
///
/// # Errors
///
/// As [`audit_rows_from_arrow`]: the first problem in row order.
pub fn audit_rows_from_batches(
    batches: &[RecordBatch],
    progress: &dyn Progress,
) -> Result<Vec<PaidRow>, FormatError> {
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let counter = Counter::new(progress, "reading rows", total as u64);
    let mut all = Vec::new();
    let mut first_row = 1;
    for batch in batches {
        read_parts(batch, first_row, &counter, &mut all)?;
        if all.capacity() < total {
            all.reserve(total - all.len());
        }
        first_row += batch.num_rows() as u64;
    }
    Ok(all)
}

/// Reads `batch` onto the end of `all`, in parts on up to four threads.
fn read_parts(
    batch: &RecordBatch,
    first_row: u64,
    counter: &Counter<'_>,
    all: &mut Vec<PaidRow>,
) -> Result<(), FormatError> {
    let rows = batch.num_rows();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 4)
        .min(rows / ROWS_PER_THREAD)
        .max(1);
    let part = rows.div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<PaidRow>, FormatError>> = std::thread::scope(|scope| {
        let started: Vec<_> = (0..rows)
            .step_by(part)
            .map(|offset| {
                let slice = batch.slice(offset, part.min(rows - offset));
                let first = first_row + offset as u64;
                let mine = slice.clone();
                if offset == 0 {
                    // The first part is read on this thread, after the others start.
                    return Err((slice, first));
                }
                // A part whose thread cannot start is read here.
                std::thread::Builder::new()
                    .name("yikatong-arrow".to_owned())
                    .spawn_scoped(scope, move || read_rows(&mine, first, counter))
                    .map_err(|_| (slice, first))
            })
            .collect();
        started
            .into_iter()
            .map(|part| match part {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err((slice, first)) => read_rows(&slice, first, counter),
            })
            .collect()
    });
    for part in parts {
        let part = part?;
        // Grow the first part in place (a large reallocation moves no pages) rather
        // than copying every part into a new vector.
        if all.is_empty() {
            *all = part;
        } else {
            all.extend(part);
        }
    }
    Ok(())
}

/// [`audit_rows_from_arrow`] on one thread.
fn read_rows<'a>(
    batch: &'a RecordBatch,
    first_row: u64,
    counter: &Counter<'_>,
) -> Result<Vec<PaidRow>, FormatError> {
    let RowColumns(
        [
            payment_id,
            attempt,
            beneficiary,
            payee,
            household_id,
            registered_name,
            holder_name,
            account,
            project,
            period,
            township,
            county,
            batch_id,
            amount_fen,
            entitled_fen,
            recovered_fen,
            settled_on,
            counted,
            deadline,
            on_hold,
            ineligible,
            approved_roster_id,
            approved_line_no,
            approved_payee,
            approved_account,
            approved_amount_fen,
        ],
    ) = RowColumns::of(batch)?;
    // Rows of one roster share these: one allocation per distinct value.
    let mut projects: Vec<Arc<str>> = Vec::new();
    let mut batches: Vec<Arc<str>> = Vec::new();
    let mut rosters: Vec<Arc<str>> = Vec::new();
    // Only the last few values are looked at, so only those are kept.
    let shared = |pool: &mut Vec<Arc<str>>, text: &str| -> Arc<str> {
        if let Some(found) = pool.iter().rev().find(|p| &***p == text) {
            return Arc::clone(found);
        }
        if pool.len() == 8 {
            pool.remove(0);
        }
        let new: Arc<str> = Arc::from(text);
        pool.push(Arc::clone(&new));
        new
    };
    let mut last_township: Option<(&str, RegionCode)> = None;
    let mut last_county: Option<(&str, RegionCode)> = None;
    let mut last_period: Option<(&str, Period)> = None;
    let mut rows = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        if (row + 1) as u64 % Counter::EVERY == 0 {
            counter.add(Counter::EVERY);
        }
        let required = |column: &Column<'a>| column.required(row, first_row);
        let person = |column: &Column<'_>, text: &str| {
            ResidentId::parse(text).map_err(|error| {
                column.problem(row, first_row, text.to_owned(), &error.to_string())
            })
        };
        // Rows of one roster repeat their township, county and period: parse a text
        // only when it differs from the row before.
        let region = |column: &Column<'a>,
                      last: &mut Option<(&'a str, RegionCode)>|
         -> Result<RegionCode, FormatError> {
            let text = required(column)?;
            if let Some((seen, code)) = *last
                && seen == text
            {
                return Ok(code);
            }
            let code = RegionCode::parse(text).map_err(|error| {
                column.problem(row, first_row, text.to_owned(), &error.to_string())
            })?;
            *last = Some((text, code));
            Ok(code)
        };
        let fen = |column: &Column<'_>| -> Result<Option<i64>, FormatError> {
            column
                .integer(row)?
                .map(|value| {
                    i64::try_from(value).map_err(|_| {
                        column.problem(row, first_row, value.to_string(), "is out of range for fen")
                    })
                })
                .transpose()
        };
        let id_text = required(&payment_id)?;
        let id = PaymentId::parse(id_text).map_err(|error| {
            payment_id.problem(row, first_row, id_text.to_owned(), &error.to_string())
        })?;
        let attempt_number = attempt.integer(row)?.unwrap_or(0);
        let attempt_number = u8::try_from(attempt_number).map_err(|_| {
            attempt.problem(
                row,
                first_row,
                attempt_number.to_string(),
                "must be 0 to 255",
            )
        })?;
        let period_text = required(&period)?;
        let period_value = match last_period {
            Some((seen, value)) if seen == period_text => value,
            _ => {
                let value = Period::parse(period_text).map_err(|error| {
                    period.problem(row, first_row, period_text.to_owned(), &error.to_string())
                })?;
                last_period = Some((period_text, value));
                value
            }
        };
        let amount = fen(&amount_fen)?
            .ok_or_else(|| amount_fen.problem(row, first_row, "null".to_owned(), "is required"))?;
        let approved = match approved_roster_id.text(row)? {
            None => None,
            Some(roster) => {
                let line_no = approved_line_no.integer(row)?.unwrap_or(0);
                let line_no = u32::try_from(line_no).map_err(|_| {
                    approved_line_no.problem(
                        row,
                        first_row,
                        line_no.to_string(),
                        "must be a line number",
                    )
                })?;
                let approved_person = match approved_payee.text(row)? {
                    Some(text) => person(&approved_payee, text)?,
                    None => {
                        return Err(approved_payee.problem(
                            row,
                            first_row,
                            "null".to_owned(),
                            "is required with an approved roster line",
                        ));
                    }
                };
                Some(ApprovedLine {
                    roster_id: shared(&mut rosters, roster),
                    line_no,
                    payee: approved_person,
                    account: approved_account.text(row)?.unwrap_or_default().into(),
                    amount_fen: fen(&approved_amount_fen)?.unwrap_or(amount),
                })
            }
        };
        let counted_flag = counted
            .flag(row)?
            .ok_or_else(|| counted.problem(row, first_row, "null".to_owned(), "is required"))?;
        rows.push(PaidRow {
            payment_id: id,
            attempt: attempt_number,
            beneficiary: person(&beneficiary, required(&beneficiary)?)?,
            payee: person(&payee, required(&payee)?)?,
            household_id: CompactString::from(household_id.text(row)?.unwrap_or_default()),
            registered_name: CompactString::from(registered_name.text(row)?.unwrap_or_default()),
            holder_name: CompactString::from(holder_name.text(row)?.unwrap_or_default()),
            account: CompactString::from(account.text(row)?.unwrap_or_default()),
            project: shared(&mut projects, required(&project)?),
            period: period_value,
            township: region(&township, &mut last_township)?,
            county: region(&county, &mut last_county)?,
            batch_id: batch_id.text(row)?.map(|text| shared(&mut batches, text)),
            amount_fen: amount,
            entitled_fen: fen(&entitled_fen)?,
            recovered_fen: fen(&recovered_fen)?.unwrap_or(0),
            settled_on: settled_on.date(row, first_row)?,
            counted: counted_flag,
            deadline: deadline.date(row, first_row)?,
            on_hold: on_hold.flag(row)?.unwrap_or(false),
            ineligible: ineligible.text(row)?.map(str::to_owned),
            approved,
        });
    }
    counter.add(batch.num_rows() as u64 % Counter::EVERY);
    Ok(rows)
}

/// The findings of a report, one row each, in the report's order: `check`,
/// `check_zh`, `severity`, `beneficiary`, `project`, `period`, `region`, `county`,
/// `amount_fen`, `evidence` (a JSON array of `{"name", "value"}`) and `action`.
pub fn findings_to_arrow(report: &AuditReport) -> Result<RecordBatch, FormatError> {
    let findings = &report.findings;
    let n = findings.len();
    let mut texts: Vec<StringBuilder> = (0..10)
        .map(|_| StringBuilder::with_capacity(n, n * 16))
        .collect();
    let mut amounts = Int64Builder::with_capacity(n);
    for finding in findings {
        let evidence =
            serde_json::to_string(&finding.evidence).map_err(|error| FormatError::Arrow {
                message: error.to_string(),
            })?;
        let cells = [
            snake(&finding.check)?,
            finding.check.name_zh().to_owned(),
            snake(&finding.severity)?,
            finding.beneficiary.to_string(),
            finding.project.clone(),
            finding.period.to_string(),
            finding.region.to_string(),
            finding.county.to_string(),
            evidence,
            finding.action.clone(),
        ];
        for (builder, cell) in texts.iter_mut().zip(cells) {
            builder.append_value(cell);
        }
        amounts.append_value(finding.amount_fen);
    }
    let names = [
        "check",
        "check_zh",
        "severity",
        "beneficiary",
        "project",
        "period",
        "region",
        "county",
        "evidence",
        "action",
    ];
    let mut fields: Vec<Field> = names
        .iter()
        .map(|name| Field::new(*name, DataType::Utf8, false))
        .collect();
    let mut columns: Vec<ArrayRef> = texts
        .iter_mut()
        .map(|builder| Arc::new(builder.finish()) as ArrayRef)
        .collect();
    // amount_fen goes after county, as in the report.
    fields.insert(8, Field::new("amount_fen", DataType::Int64, false));
    columns.insert(8, Arc::new(amounts.finish()));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|error| {
        FormatError::Arrow {
            message: error.to_string(),
        }
    })
}

/// Timeliness counts by county and project: `county`, `project`, `on_time`,
/// `late`, `missed`, `not_yet_due`.
pub fn timeliness_to_arrow(timeliness: &[Timeliness]) -> Result<RecordBatch, FormatError> {
    let n = timeliness.len();
    let mut counties = StringBuilder::with_capacity(n, n * 12);
    let mut projects = StringBuilder::with_capacity(n, n * 8);
    let mut counts: [UInt64Builder; 4] = std::array::from_fn(|_| UInt64Builder::with_capacity(n));
    for row in timeliness {
        counties.append_value(row.county.to_string());
        projects.append_value(&row.project);
        for (builder, value) in
            counts
                .iter_mut()
                .zip([row.on_time, row.late, row.missed, row.not_yet_due])
        {
            builder.append_value(value);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(counties.finish()), Arc::new(projects.finish())];
    columns.extend(
        counts
            .iter_mut()
            .map(|builder| Arc::new(builder.finish()) as ArrayRef),
    );
    let schema = schema_of(&[
        ("county", DataType::Utf8, false),
        ("project", DataType::Utf8, false),
        ("on_time", DataType::UInt64, false),
        ("late", DataType::UInt64, false),
        ("missed", DataType::UInt64, false),
        ("not_yet_due", DataType::UInt64, false),
    ]);
    RecordBatch::try_new(schema, columns).map_err(|error| FormatError::Arrow {
        message: error.to_string(),
    })
}

/// A unit enum's serde name (`duplicate_payment`, `critical`).
fn snake<T: serde::Serialize>(value: &T) -> Result<String, FormatError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        Ok(other) => Ok(other.to_string()),
        Err(error) => Err(FormatError::Arrow {
            message: error.to_string(),
        }),
    }
}

/// The people and values of a reference table: a `resident_id` column and one more.
fn reference_pairs<'a, T>(
    batch: &'a RecordBatch,
    first_row: u64,
    value_column: &'static str,
    value: impl Fn(&Column<'a>, usize) -> Result<Option<T>, FormatError>,
) -> Result<Vec<(ResidentId, T)>, FormatError> {
    let ids = Column::find(batch, "resident_id");
    let values = Column::find(batch, value_column);
    for column in [&ids, &values] {
        if column.array.is_none() {
            let found: Vec<String> = batch
                .schema()
                .fields()
                .iter()
                .map(|field| field.name().clone())
                .collect();
            return Err(FormatError::NoColumn {
                column: column.name.to_owned(),
                found: found.join(", "),
            });
        }
    }
    (0..batch.num_rows())
        .map(|row| {
            let text = ids.required(row, first_row)?;
            let person = ResidentId::parse(text).map_err(|error| {
                ids.problem(row, first_row, text.to_owned(), &error.to_string())
            })?;
            let found = value(&values, row)?
                .ok_or_else(|| values.problem(row, first_row, "null".to_owned(), "is required"))?;
            Ok((person, found))
        })
        .collect()
}

/// Dates of death from a table with `resident_id` (text) and `died_on` (date)
/// columns; `first_row` numbers the first row in errors.
///
/// # Errors
///
/// As [`audit_rows_from_arrow`], for these two columns.
pub fn deaths_from_arrow(
    batch: &RecordBatch,
    first_row: u64,
) -> Result<Vec<(ResidentId, Date)>, FormatError> {
    reference_pairs(batch, first_row, "died_on", |column, row| {
        column.date(row, first_row)
    })
}

/// Tagged people from a table with `resident_id` and `tag` (text) columns.
///
/// # Errors
///
/// As [`audit_rows_from_arrow`], for these two columns.
pub fn exclusions_from_arrow(
    batch: &RecordBatch,
    first_row: u64,
) -> Result<Vec<(ResidentId, String)>, FormatError> {
    reference_pairs(batch, first_row, "tag", |column, row| {
        Ok(column.text(row)?.map(str::to_owned))
    })
}

fn arrow_error(error: impl std::fmt::Display) -> FormatError {
    FormatError::Arrow {
        message: error.to_string(),
    }
}

fn text<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(values.map(Some).collect::<StringArray>())
}

/// The problems of a validation report, one row each: `line` (in the file), `line_no`
/// (on the roster), `field` (English header), `value`, `severity` (`error` or
/// `warning`), `code`, `rule` and `message`.
pub fn problems_to_arrow(problems: &[yikatong_core::Problem]) -> Result<RecordBatch, FormatError> {
    let fields: Vec<Option<String>> = problems
        .iter()
        .map(|p| p.field.as_ref().map(yikatong_core::RosterField::header_en))
        .collect();
    let rules: Vec<String> = problems.iter().map(|p| p.rule.to_string()).collect();
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        (
            "line",
            Arc::new(problems.iter().map(|p| p.line).collect::<UInt64Array>()),
            true,
        ),
        (
            "line_no",
            Arc::new(problems.iter().map(|p| p.line_no).collect::<UInt32Array>()),
            true,
        ),
        (
            "field",
            Arc::new(fields.iter().map(Option::as_deref).collect::<StringArray>()),
            true,
        ),
        (
            "value",
            text(problems.iter().map(|p| p.value.as_str())),
            false,
        ),
        (
            "severity",
            text(problems.iter().map(|p| match p.severity {
                yikatong_core::Severity::Error => "error",
                yikatong_core::Severity::Warning => "warning",
            })),
            false,
        ),
        ("code", text(problems.iter().map(|p| p.rule.code())), false),
        ("rule", text(rules.iter().map(String::as_str)), false),
        ("message", text(messages.iter().map(String::as_str)), false),
    ];
    RecordBatch::try_from_iter_with_nullable(columns).map_err(arrow_error)
}

/// A roster's lines, one row each: `line_no`, `resident_id`, `payee`, `name`,
/// `household_id`, `amount` (yuan, `decimal128(18, 2)`), `amount_fen`, `bank_code`,
/// `account_number`, `policy_document` and `source_line`.
pub fn roster_lines_to_arrow(
    lines: &[yikatong_core::RosterLine],
) -> Result<RecordBatch, FormatError> {
    let ids: Vec<String> = lines.iter().map(|l| l.beneficiary().to_string()).collect();
    let payees: Vec<String> = lines.iter().map(|l| l.payee.to_string()).collect();
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        (
            "line_no",
            Arc::new(lines.iter().map(|l| l.line_no).collect::<UInt32Array>()),
            false,
        ),
        ("resident_id", text(ids.iter().map(String::as_str)), false),
        ("payee", text(payees.iter().map(String::as_str)), false),
        ("name", text(lines.iter().map(|l| l.name.as_str())), false),
        (
            "household_id",
            text(lines.iter().map(yikatong_core::RosterLine::household_id)),
            false,
        ),
        (
            "amount",
            crate::arrow_ledger::yuan_array(lines.iter().map(|l| l.amount.to_fen()))?,
            false,
        ),
        (
            "amount_fen",
            Arc::new(
                lines
                    .iter()
                    .map(|l| l.amount.to_fen())
                    .collect::<Int64Array>(),
            ),
            false,
        ),
        (
            "bank_code",
            Arc::new(
                lines
                    .iter()
                    .map(|l| l.account.as_ref().map(|a| a.bank_code.as_str()))
                    .collect::<StringArray>(),
            ),
            true,
        ),
        (
            "account_number",
            Arc::new(
                lines
                    .iter()
                    .map(|l| l.account.as_ref().map(|a| a.number.as_str()))
                    .collect::<StringArray>(),
            ),
            true,
        ),
        (
            "policy_document",
            text(lines.iter().map(|l| &*l.policy_document)),
            false,
        ),
        (
            "source_line",
            Arc::new(lines.iter().map(|l| l.source_line).collect::<UInt64Array>()),
            true,
        ),
    ];
    RecordBatch::try_from_iter_with_nullable(columns).map_err(arrow_error)
}
