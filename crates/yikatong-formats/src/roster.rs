//! Roster files (补贴底册) in and out: a table whose headers name
//! [`RosterField`]s, in Chinese or English.

use std::borrow::Cow;
use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use yikatong_core::roster_record::RosterRecordBuilder;
use yikatong_core::{Language, RosterField, RosterIntake, RosterRecord};

use crate::table::{self, Cell, CellKind, RowCells, RowSink};
use crate::write::{CsvTable, TableWriter, XlsxTable};
use crate::{CsvEncoding, FileFormat, FormatError, LineProblem, ReadOptions, TextEncoding};

/// A roster file as read: its records, and the lines that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterFile {
    /// One record per readable non-blank data line, in file order.
    pub records: Vec<RosterRecord>,
    /// The recognised columns, in file order.
    pub columns: Vec<RosterField>,
    /// Headers that name no roster field; their cells are not read.
    pub ignored_headers: Vec<String>,
    /// Data lines that were not read, each with its reason. None is dropped silently:
    /// every non-blank data line is either a record or a problem.
    pub problems: Vec<LineProblem>,
    /// CSV or XLSX.
    pub format: FileFormat,
    /// The encoding a CSV file was read in; `None` for XLSX.
    pub encoding: Option<TextEncoding>,
}

/// Reads a roster file: CSV (UTF-8 or GBK) or XLSX.
///
/// The header line must have a 身份证号 (`resident_id`) column and no field twice;
/// unknown headers are listed in [`RosterFile::ignored_headers`]. Cell contents are
/// not validated here (roster intake does that), except that ID and account numbers
/// a workbook stored as numbers are refused: Excel keeps 15 digits of them.
///
/// ```
/// use yikatong_core::RosterField;
/// use yikatong_formats::{read_roster, ReadOptions, TextEncoding};
///
/// let csv = "身份证号,姓名,面积（亩）,备注x\n\
///            150102199001011234,张三,12.5,\n";
/// let file = read_roster(csv.as_bytes(), &ReadOptions::default())?;
/// assert_eq!(file.encoding, Some(TextEncoding::Utf8));
/// assert_eq!(file.ignored_headers, ["备注x"]);
/// let record = &file.records[0];
/// assert_eq!(record.line, 2);
/// assert_eq!(record.get(&RosterField::Name), Some("张三"));
/// assert_eq!(record.get(&RosterField::Quantity("farmland_mu".into())), Some("12.5"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// File-level problems only ([`FormatError`]): an empty, binary, undecodable,
/// truncated or corrupt file, a missing 身份证号 column, a field named twice.
pub fn read_roster(bytes: &[u8], options: &ReadOptions) -> Result<RosterFile, FormatError> {
    let mut sink = RosterSink::default();
    let scanned = table::scan(bytes, options, &mut sink)?;
    Ok(RosterFile {
        records: sink.records,
        columns: sink.columns,
        ignored_headers: sink.ignored_headers,
        problems: scanned.problems,
        format: scanned.format,
        encoding: scanned.encoding,
    })
}

/// Reads a roster from an Arrow table (a pyarrow Table, a polars or pandas
/// DataFrame): column names are the headers, each row a line, numbered as in a CSV
/// file whose header is line 1 (the first row is line 2).
///
/// Text columns are read as text; whole-number and decimal columns as their digits,
/// dates as `YYYY-MM-DD`, nulls as blank cells. A whole number in an ID or account
/// column is refused on its line (as in a workbook: leading zeros and a final X are
/// lost); a floating-point column is refused whole, since a float cannot hold money
/// or areas exactly.
///
/// # Errors
///
/// As [`read_roster`] for the headers; [`FormatError::ColumnType`] for a column of a
/// type that cannot hold roster values (floats, lists, …).
pub fn read_roster_arrow(batches: &[RecordBatch]) -> Result<RosterFile, FormatError> {
    let Some(schema) = batches.first().map(RecordBatch::schema) else {
        return Err(FormatError::Empty);
    };
    let headers: Vec<String> = schema
        .fields()
        .iter()
        .map(|field| field.name().trim().to_owned())
        .collect();
    let mut sink = RosterSink::default();
    sink.header(1, &headers)?;
    let mut problems = Vec::new();
    let mut line = 1u64;
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(array, field)| ArrowCells::of(array.as_ref(), field.name()))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            line += 1;
            let cells = ArrowRow {
                columns: &columns,
                row,
            };
            if (0..columns.len()).all(|index| cells.is_blank(index)) {
                continue;
            }
            if let Err(message) = sink.row(line, &cells, columns.len()) {
                problems.push(LineProblem { line, message });
            }
        }
    }
    Ok(RosterFile {
        records: sink.records,
        columns: sink.columns,
        ignored_headers: sink.ignored_headers,
        problems,
        format: FileFormat::Arrow,
        encoding: None,
    })
}

/// One column of an Arrow roster, as the cells a file would hold.
enum ArrowCells<'a> {
    Text(&'a dyn Array),
    Number(&'a dyn Array),
    Decimal(&'a dyn Array),
    Date(&'a dyn Array),
    Blank,
}

impl<'a> ArrowCells<'a> {
    fn of(array: &'a dyn Array, name: &str) -> Result<ArrowCells<'a>, FormatError> {
        Ok(match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ArrowCells::Text(array),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => ArrowCells::Number(array),
            DataType::Decimal128(..) => ArrowCells::Decimal(array),
            DataType::Date32 | DataType::Date64 => ArrowCells::Date(array),
            DataType::Null => ArrowCells::Blank,
            other => {
                return Err(FormatError::ColumnType {
                    column: name.to_owned(),
                    found: other.to_string(),
                    expected: "text, whole numbers, decimals or dates (a float cannot hold                                money or areas exactly: pass the column as text or decimal)"
                        .to_owned(),
                });
            }
        })
    }
}

/// One row of an Arrow roster.
struct ArrowRow<'r, 'a> {
    columns: &'r [ArrowCells<'a>],
    row: usize,
}

impl RowCells for ArrowRow<'_, '_> {
    fn len(&self) -> usize {
        self.columns.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        let blank = Cell {
            text: Cow::Borrowed(""),
            kind: CellKind::Text,
        };
        let Some(column) = self.columns.get(index) else {
            return blank;
        };
        let row = self.row;
        let (array, kind) = match column {
            ArrowCells::Blank => return blank,
            ArrowCells::Text(array) | ArrowCells::Decimal(array) | ArrowCells::Date(array) => {
                (*array, CellKind::Text)
            }
            ArrowCells::Number(array) => (*array, CellKind::Number),
        };
        if array.is_null(row) {
            return blank;
        }
        let text = match column {
            ArrowCells::Text(array) => match array.data_type() {
                DataType::Utf8 => Cow::Borrowed(array.as_string::<i32>().value(row).trim()),
                DataType::LargeUtf8 => Cow::Borrowed(array.as_string::<i64>().value(row).trim()),
                _ => Cow::Borrowed(array.as_string_view().value(row).trim()),
            },
            _ => Cow::Owned(value_text(array, row)),
        };
        Cell { text, kind }
    }

    fn is_blank(&self, index: usize) -> bool {
        match self.columns.get(index) {
            None | Some(ArrowCells::Blank) => true,
            Some(ArrowCells::Text(array)) => {
                array.is_null(self.row) || self.cell(index).text.is_empty()
            }
            Some(
                ArrowCells::Number(array) | ArrowCells::Decimal(array) | ArrowCells::Date(array),
            ) => array.is_null(self.row),
        }
    }

    fn may_hold_errors(&self) -> bool {
        false
    }
}

/// A number, decimal or date cell as a file would show it.
fn value_text(array: &dyn Array, row: usize) -> String {
    match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Decimal128(..) => array.as_primitive::<Decimal128Type>().value_as_string(row),
        DataType::Date32 => day_text(i64::from(array.as_primitive::<Date32Type>().value(row))),
        DataType::Date64 => day_text(array.as_primitive::<Date64Type>().value(row) / 86_400_000),
        _ => String::new(),
    }
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (the number itself when out of range).
fn day_text(days: i64) -> String {
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|julian| time::Date::from_julian_day(julian).ok())
        .map_or_else(|| days.to_string(), |day| day.to_string())
}

/// Records taken into an intake at a time by [`read_roster_into`].
const BATCH: usize = 1024;

/// Reads a roster file as [`read_roster`] does, handing its records to `intake` a
/// batch at a time as they are read instead of keeping them: a large file is taken
/// in without holding all its records, and each record is checked while its text is
/// still in the cache. The result has no records; its columns, ignored headers and
/// line problems are those [`read_roster`] gives. Finish the intake with
/// [`RosterIntake::finish`].
///
/// ```
/// use time::macros::date;
/// use yikatong_core::{HeldProjects, IntakeMode, Period, PolicyCatalog, Register};
/// use yikatong_core::{RegionCode, RosterHeader, RosterIntake};
/// use yikatong_formats::{read_roster_into, ReadOptions};
///
/// let catalog = PolicyCatalog::from_json(
///     "cystbh.json",
///     include_str!("../../../examples/data/policies/cystbh.json"),
/// )?;
/// let township = RegionCode::parse("150422100")?;
/// let header = RosterHeader::new("R-1", "CYSTBH-CXPH", Period::year(2026)?, township);
/// let (register, held) = (Register::new(), HeldProjects::new());
/// let mut intake = RosterIntake::new(
///     header, &register, &catalog, &held, IntakeMode::Lenient, date!(2026 - 11 - 02),
/// )?;
/// let csv = "身份证号,姓名\n150102199001011234,张三\n";
/// let file = read_roster_into(csv.as_bytes(), &ReadOptions::default(), &mut intake)?;
/// assert!(file.records.is_empty() && file.problems.is_empty());
/// let (roster, report) = intake.finish()?;
/// // Not in this (empty) register: reported by line, not taken in.
/// assert_eq!((roster.lines().len(), report.rejected), (0, 1));
/// assert_eq!(report.problems[0].line, Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`read_roster`]. The records read before a file-level error have been taken
/// into `intake`; discard it.
pub fn read_roster_into(
    bytes: &[u8],
    options: &ReadOptions,
    intake: &mut RosterIntake<'_>,
) -> Result<RosterFile, FormatError> {
    if !bytes.starts_with(b"PK") {
        // A text file has at most one record per line break: room for them all at
        // once spares copying the lines as they grow.
        intake.reserve(memchr::memchr_iter(b'\n', bytes).count());
    }
    let mut sink = RosterSink {
        stream: Some(Stream { intake, filled: 0 }),
        ..RosterSink::default()
    };
    let scanned = table::scan(bytes, options, &mut sink)?;
    if let Some(stream) = &mut sink.stream {
        let rest = sink.records.get(..stream.filled).unwrap_or_default();
        stream.intake.take(rest);
    }
    Ok(RosterFile {
        records: Vec::new(),
        columns: sink.columns,
        ignored_headers: sink.ignored_headers,
        problems: scanned.problems,
        format: scanned.format,
        encoding: scanned.encoding,
    })
}

/// Where [`read_roster_into`] sends records: `records` is reused as the batch.
struct Stream<'s, 'a> {
    intake: &'s mut RosterIntake<'a>,
    /// How many of the batch's records hold this batch's lines.
    filled: usize,
}

/// What one column of the file is.
struct Column {
    field: RosterField,
    /// An ID or account number: a number cell has lost digits.
    text_only: bool,
}

#[derive(Default)]
struct RosterSink<'s, 'a> {
    /// By column index; `None` for an ignored column.
    by_index: Vec<Option<Column>>,
    columns: Vec<RosterField>,
    ignored_headers: Vec<String>,
    records: Vec<RosterRecord>,
    /// The indexes of the recognised columns, in order.
    recognised: Vec<usize>,
    /// Makes records with the recognised columns.
    builder: RosterRecordBuilder,
    /// Set to hand records over in batches instead of keeping them.
    stream: Option<Stream<'s, 'a>>,
}

/// Fields whose digits must survive exactly.
fn is_text_only(field: &RosterField) -> bool {
    matches!(
        field,
        RosterField::ResidentId | RosterField::HeadResidentId | RosterField::AccountNumber
    )
}

fn field_name(field: &RosterField) -> String {
    format!("{} ({})", field.header_zh(), field.header_en())
}

impl RowSink for RosterSink<'_, '_> {
    fn header(&mut self, line: u64, headers: &[String]) -> Result<(), FormatError> {
        let mut seen: BTreeMap<RosterField, usize> = BTreeMap::new();
        for (index, header) in headers.iter().enumerate() {
            if header.is_empty() {
                self.ignored_headers
                    .push(format!("(column {}: no header)", index + 1));
                self.by_index.push(None);
                continue;
            }
            let Some(field) = RosterField::from_header(header) else {
                self.ignored_headers.push(header.clone());
                self.by_index.push(None);
                continue;
            };
            if let Some(&first) = seen.get(&field) {
                return Err(FormatError::DuplicateColumn {
                    line,
                    field: field_name(&field),
                    first: first + 1,
                    first_header: headers.get(first).cloned().unwrap_or_default(),
                    second: index + 1,
                    second_header: header.clone(),
                });
            }
            seen.insert(field.clone(), index);
            self.recognised.push(index);
            self.columns.push(field.clone());
            self.by_index.push(Some(Column {
                text_only: is_text_only(&field),
                field,
            }));
        }
        if !seen.contains_key(&RosterField::ResidentId) {
            let found: Vec<&str> = headers
                .iter()
                .map(String::as_str)
                .filter(|header| !header.is_empty())
                .collect();
            return Err(FormatError::MissingColumn {
                line,
                expected: "身份证号 (resident ID number; header 身份证号, 身份证号码, \
                           公民身份号码 or resident_id)"
                    .to_owned(),
                found: if found.is_empty() {
                    "no headers".to_owned()
                } else {
                    found.join(", ")
                },
            });
        }
        self.builder = RosterRecordBuilder::new(self.columns.iter().cloned());
        Ok(())
    }

    fn row<R: RowCells + ?Sized>(
        &mut self,
        line: u64,
        row: &R,
        width: usize,
    ) -> Result<(), String> {
        if row.may_hold_numbers() {
            self.check_no_numbers(row, width)?;
        }
        let filled = self
            .stream
            .as_ref()
            .map_or(self.records.len(), |stream| stream.filled);
        if self.records.len() <= filled {
            self.records.push(RosterRecord::new(line));
        }
        let Some(record) = self.records.get_mut(filled) else {
            return Ok(());
        };
        // One cell per recognised column, in order (the builder's columns).
        match row.spans() {
            // Cells in one text (CSV): the stretch holding them is copied at once.
            Some((text, spans)) => {
                let present = |&index: &usize| {
                    spans
                        .get(index)
                        .filter(|(start, end)| index < width && end > start)
                };
                let (from, to) = self
                    .recognised
                    .iter()
                    .filter_map(present)
                    .fold((usize::MAX, 0), |(from, to), &(start, end)| {
                        (from.min(start), to.max(end))
                    });
                let stretch = text.get(from..to).unwrap_or_default();
                let cells = self.recognised.iter().map(|index| {
                    let (start, end) = *present(index)?;
                    Some((start.checked_sub(from)?, end.checked_sub(from)?))
                });
                self.builder
                    .record_from_text_into(record, line, stretch, cells);
            }
            None => {
                let cells = self.recognised.iter().map(|&index| {
                    if index >= width {
                        return None;
                    }
                    // Trimmed text is empty exactly when the cell is blank, except for
                    // workbook cells that are not text: ask only then.
                    let text = row.cell(index).text;
                    (!text.is_empty() || !row.is_blank(index)).then_some(text)
                });
                self.builder.record_into(record, line, cells);
            }
        }
        let Some(stream) = &mut self.stream else {
            return Ok(());
        };
        stream.filled += 1;
        if stream.filled == BATCH {
            stream.intake.take(&self.records);
            stream.filled = 0;
        }
        Ok(())
    }
}

impl RosterSink<'_, '_> {
    /// Refuses a workbook line whose ID or account numbers are number cells.
    fn check_no_numbers<R: RowCells + ?Sized>(&self, row: &R, width: usize) -> Result<(), String> {
        let mut numeric: Vec<String> = Vec::new();
        for (index, column) in self.by_index.iter().enumerate().take(width) {
            let Some(column) = column.as_ref().filter(|column| column.text_only) else {
                continue;
            };
            if row.is_blank(index) {
                continue;
            }
            let cell = row.cell(index);
            if cell.kind == CellKind::Number {
                numeric.push(format!("{} = {}", field_name(&column.field), cell.text));
            }
        }
        if !numeric.is_empty() {
            return Err(format!(
                "{} is stored as a number, which keeps only 15 digits; format the column as \
                 text (right-click, Format Cells, Text), type the numbers again, and import again",
                numeric.join(", ")
            ));
        }
        Ok(())
    }
}

/// The header of `field` in `language`.
fn header(field: &RosterField, language: Language) -> String {
    match language {
        Language::Zh => field.header_zh(),
        Language::En => field.header_en(),
    }
}

/// Checks that `columns` are distinct and cover every field of every record, so
/// nothing is lost on the way out.
fn check_columns(records: &[RosterRecord], columns: &[RosterField]) -> Result<(), FormatError> {
    let mut index = BTreeMap::new();
    for (position, field) in columns.iter().enumerate() {
        if index.insert(field, position).is_some() {
            return Err(FormatError::ColumnTwice {
                field: field_name(field),
            });
        }
    }
    for record in records {
        if let Some((field, _)) = record
            .fields()
            .find(|(field, _)| !index.contains_key(field))
        {
            return Err(FormatError::FieldNotInColumns {
                line: record.line,
                field: field_name(field),
            });
        }
    }
    Ok(())
}

fn write_roster(
    records: &[RosterRecord],
    columns: &[RosterField],
    language: Language,
    writer: &mut dyn TableWriter,
) -> Result<(), FormatError> {
    check_columns(records, columns)?;
    let headers: Vec<String> = columns
        .iter()
        .map(|field| header(field, language))
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    writer.write_row(&headers)?;
    let mut cells: Vec<&str> = Vec::with_capacity(columns.len());
    for record in records {
        cells.clear();
        cells.extend(
            columns
                .iter()
                .map(|field| record.get(field).unwrap_or_default()),
        );
        writer.write_row(&cells)?;
    }
    Ok(())
}

/// Writes a roster as CSV with `columns` in order, headers in `language`; a record's
/// missing fields are blank cells. Reading the bytes back gives the same records
/// (line numbers aside) when every record has a non-blank cell.
///
/// ```
/// use yikatong_core::{Language, RosterField, RosterRecord};
/// use yikatong_formats::{read_roster, write_roster_csv, CsvEncoding, ReadOptions};
///
/// let record = RosterRecord::from_cells(
///     2,
///     [
///         (RosterField::ResidentId, "150102199001011234"),
///         (RosterField::Name, "张三"),
///     ],
/// );
/// let columns = [RosterField::ResidentId, RosterField::Name, RosterField::Amount];
/// let bytes = write_roster_csv(&[record.clone()], &columns, Language::Zh, CsvEncoding::Gbk)?;
/// let file = read_roster(&bytes, &ReadOptions::default())?;
/// assert_eq!(file.records, [record]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`FormatError::ColumnTwice`], [`FormatError::FieldNotInColumns`], and for GBK
/// [`FormatError::Unencodable`].
pub fn write_roster_csv(
    records: &[RosterRecord],
    columns: &[RosterField],
    language: Language,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError> {
    let mut writer = CsvTable::new(columns.len());
    write_roster(records, columns, language, &mut writer)?;
    writer.finish(encoding)
}

/// Writes a roster as an XLSX workbook with one sheet (底册 / roster). ID and account
/// numbers are text cells in text-formatted columns; quantities, amounts, income and
/// head counts are number cells when their text is a plain decimal number that reads
/// back unchanged, text otherwise.
///
/// # Errors
///
/// [`FormatError::ColumnTwice`], [`FormatError::FieldNotInColumns`], and
/// [`FormatError::Write`] (more rows than a sheet holds).
pub fn write_roster_xlsx(
    records: &[RosterRecord],
    columns: &[RosterField],
    language: Language,
) -> Result<Vec<u8>, FormatError> {
    let number_columns: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, field)| {
            matches!(
                field,
                RosterField::Quantity(_)
                    | RosterField::Amount
                    | RosterField::PerCapitaIncome
                    | RosterField::HouseholdMembers
            )
        })
        .map(|(index, _)| index)
        .collect();
    let sheet = match language {
        Language::Zh => "底册",
        Language::En => "roster",
    };
    let mut writer = XlsxTable::new(sheet, columns.len(), &number_columns)?;
    write_roster(records, columns, language, &mut writer)?;
    writer.finish()
}
