//! Writing tables as CSV (UTF-8 with or without BOM, or GBK) and XLSX.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::FormatError;
use crate::encoding::{self, CsvEncoding};

/// Something that takes a table row by row, the header first.
pub(crate) trait TableWriter {
    /// Writes one row; it must have as many cells as the header.
    fn write_row(&mut self, cells: &[&str]) -> Result<(), FormatError>;
}

fn write_error(error: impl std::fmt::Display) -> FormatError {
    FormatError::Write {
        reason: error.to_string(),
    }
}

/// Checks a row's width; `rows` counts rows written so far, the header being row 0.
fn check_width(rows: usize, cells: usize, expected: usize) -> Result<(), FormatError> {
    if cells == expected {
        Ok(())
    } else {
        Err(FormatError::RowWidth {
            row: rows,
            cells,
            expected,
        })
    }
}

/// A CSV table being written as UTF-8 into memory, encoded at the end.
pub(crate) struct CsvTable {
    writer: csv::Writer<Vec<u8>>,
    width: usize,
    rows: usize,
}

impl CsvTable {
    pub(crate) fn new(width: usize) -> CsvTable {
        CsvTable {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
            width,
            rows: 0,
        }
    }

    pub(crate) fn finish(self, encoding: CsvEncoding) -> Result<Vec<u8>, FormatError> {
        let text = self.writer.into_inner().map_err(write_error)?;
        encoding::encode(text, encoding)
    }
}

impl TableWriter for CsvTable {
    fn write_row(&mut self, cells: &[&str]) -> Result<(), FormatError> {
        check_width(self.rows, cells.len(), self.width)?;
        self.writer.write_record(cells).map_err(write_error)?;
        self.rows += 1;
        Ok(())
    }
}

/// An XLSX sheet being written.
pub(crate) struct XlsxTable {
    sheet: Worksheet,
    width: usize,
    number_columns: Vec<bool>,
    rows: u32,
    bold: Format,
}

impl XlsxTable {
    pub(crate) fn new(
        name: &str,
        width: usize,
        number_columns: &[usize],
    ) -> Result<XlsxTable, FormatError> {
        let xlsx = |error: XlsxError| write_error(error);
        let mut sheet = Worksheet::new();
        sheet.set_name(name).map_err(xlsx)?;
        // Text columns keep what a clerk types later as text too (no lost digits).
        let text = Format::new().set_num_format("@");
        let mut numbers = vec![false; width];
        for &index in number_columns {
            if let Some(slot) = numbers.get_mut(index) {
                *slot = true;
            }
        }
        for (index, &number) in numbers.iter().enumerate() {
            if !number {
                sheet
                    .set_column_format(column(index)?, &text)
                    .map_err(xlsx)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        Ok(XlsxTable {
            sheet,
            width,
            number_columns: numbers,
            rows: 0,
            bold: Format::new().set_bold(),
        })
    }

    pub(crate) fn finish(self) -> Result<Vec<u8>, FormatError> {
        let mut workbook = Workbook::new();
        workbook.push_worksheet(self.sheet);
        workbook.save_to_buffer().map_err(write_error)
    }
}

fn column(index: usize) -> Result<u16, FormatError> {
    u16::try_from(index).map_err(|_| FormatError::Write {
        reason: format!("{} columns are more than a sheet holds", index + 1),
    })
}

/// The number a cell's text stands for, if writing it as a number reads back as the
/// same text: "12.5" and "3" yes; "12.50", "007", "1e3" and "NaN" no.
fn exact_number(text: &str) -> Option<f64> {
    let number: f64 = text.parse().ok()?;
    (number.is_finite() && format!("{number}") == text).then_some(number)
}

impl TableWriter for XlsxTable {
    fn write_row(&mut self, cells: &[&str]) -> Result<(), FormatError> {
        check_width(self.rows as usize, cells.len(), self.width)?;
        let row = self.rows;
        for (index, text) in cells.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let col = column(index)?;
            let written = if row == 0 {
                self.sheet
                    .write_string_with_format(row, col, *text, &self.bold)
                    .map(|_| ())
            } else if let Some(number) = self
                .number_columns
                .get(index)
                .copied()
                .unwrap_or(false)
                .then(|| exact_number(text))
                .flatten()
            {
                self.sheet.write_number(row, col, number).map(|_| ())
            } else {
                self.sheet.write_string(row, col, *text).map(|_| ())
            };
            written.map_err(write_error)?;
        }
        self.rows = self.rows.checked_add(1).ok_or_else(|| FormatError::Write {
            reason: "more rows than a sheet holds".to_owned(),
        })?;
        Ok(())
    }
}

/// Writes a table as CSV: the header line, then one line per row, CRLF line breaks.
///
/// ```
/// use yikatong_formats::{write_table_csv, CsvEncoding};
///
/// let bytes = write_table_csv(&["姓名", "金额"], &[vec!["张三", "1,000.00"]], CsvEncoding::Utf8)?;
/// assert_eq!(bytes, "姓名,金额\r\n张三,\"1,000.00\"\r\n".as_bytes());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`FormatError::RowWidth`] for a row with a different number of cells than headers;
/// [`FormatError::Unencodable`] for GBK.
pub fn write_table_csv<H, R, C>(
    headers: &[H],
    rows: R,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError>
where
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: AsRef<[C]>,
    C: AsRef<str>,
{
    let mut writer = CsvTable::new(headers.len());
    write_all(&mut writer, headers, rows)?;
    writer.finish(encoding)
}

/// Writes a table as an XLSX workbook with one sheet named `sheet_name`: a bold,
/// frozen header row, then the rows. Cells are text (so ID and account numbers keep
/// every digit) except in `number_columns` (zero-based), where a cell whose text is a
/// plain decimal number that reads back unchanged is written as a number.
///
/// # Errors
///
/// [`FormatError::RowWidth`]; [`FormatError::Write`] for an invalid sheet name (over 31
/// characters, or one of `[]:*?/\`) or more rows than a sheet holds.
pub fn write_table_xlsx<H, R, C>(
    sheet_name: &str,
    headers: &[H],
    rows: R,
    number_columns: &[usize],
) -> Result<Vec<u8>, FormatError>
where
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: AsRef<[C]>,
    C: AsRef<str>,
{
    let mut writer = XlsxTable::new(sheet_name, headers.len(), number_columns)?;
    write_all(&mut writer, headers, rows)?;
    writer.finish()
}

fn write_all<H, R, C>(
    writer: &mut dyn TableWriter,
    headers: &[H],
    rows: R,
) -> Result<(), FormatError>
where
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: AsRef<[C]>,
    C: AsRef<str>,
{
    let cells: Vec<&str> = headers.iter().map(AsRef::as_ref).collect();
    writer.write_row(&cells)?;
    for row in rows {
        // Rows are borrowed one at a time, so the cell list cannot be reused.
        let cells: Vec<&str> = row.as_ref().iter().map(AsRef::as_ref).collect();
        writer.write_row(&cells)?;
    }
    Ok(())
}
