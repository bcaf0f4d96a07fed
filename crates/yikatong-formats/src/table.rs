//! Reading a table (a header row and data rows) from CSV or XLSX bytes: the shared
//! layer under every file reader of this crate.
//!
//! Rules for every table: blank lines are skipped; the first non-blank line is the
//! header; cells are trimmed. A data line with a non-blank cell beyond the header, or
//! with fewer cells than the header, is a [`LineProblem`] and is not read; the rest of
//! the file still is. Only problems with the whole file are errors.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::FormatError;
use crate::encoding::{self, InputEncoding, TextEncoding};

/// Which kind of file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InputFormat {
    /// XLSX if the bytes are a zip archive (`PK\x03\x04`), CSV otherwise.
    #[default]
    Detect,
    /// Comma- (or other delimiter-) separated text.
    Csv,
    /// An Excel 2007+ workbook.
    Xlsx,
}

/// The kind of file that was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Delimited text.
    Csv,
    /// An Excel 2007+ workbook.
    Xlsx,
    /// An Arrow table handed over in memory (pyarrow, polars, pandas).
    Arrow,
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// CSV, XLSX or detect.
    pub format: InputFormat,
    /// The text encoding of a CSV file.
    pub encoding: InputEncoding,
    /// The sheet of a workbook to read; the first sheet when `None`.
    pub sheet: Option<String>,
    /// The CSV cell separator, `b','` by default (`b'\t'` for tab-separated text).
    pub delimiter: u8,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Detect,
            encoding: InputEncoding::Detect,
            sheet: None,
            delimiter: b',',
        }
    }
}

/// A problem with one line of a file; the line was not read, the others were.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LineProblem {
    /// One-based line (CSV, header = 1) or row number (XLSX, as Excel shows it).
    pub line: u64,
    /// What is wrong and what to do, for a clerk.
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One data line of a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableRow {
    /// One-based line (CSV: physical line where the record starts) or row number (XLSX).
    pub line: u64,
    /// The trimmed cells, one per header.
    pub cells: Vec<String>,
    /// Indexes of cells a workbook stored as numbers (their text is the number's
    /// shortest decimal form). A reader of ID or account columns must reject them:
    /// Excel keeps only 15 significant digits. Always empty for CSV.
    pub number_cells: Vec<usize>,
}

/// A table read from a file: its header and its readable data lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header line's line number.
    pub header_line: u64,
    /// The trimmed headers, without trailing blank ones.
    pub headers: Vec<String>,
    /// The data lines that could be read, in file order.
    pub rows: Vec<TableRow>,
    /// The data lines that could not, with the reason.
    pub problems: Vec<LineProblem>,
    /// CSV or XLSX.
    pub format: FileFormat,
    /// The text encoding of a CSV file; `None` for XLSX.
    pub encoding: Option<TextEncoding>,
}

/// Reads a table from `bytes`: the first non-blank line is the header.
///
/// ```
/// use yikatong_formats::{read_table, ReadOptions};
///
/// let table = read_table("姓名,卡号\n\n张三,622848\n李四\n".as_bytes(), &ReadOptions::default())?;
/// assert_eq!(table.headers, ["姓名", "卡号"]);
/// assert_eq!(table.rows[0].line, 3);
/// assert_eq!(table.rows[0].cells, ["张三", "622848"]);
/// assert_eq!(table.problems[0].line, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// File-level problems: see [`FormatError`].
pub fn read_table(bytes: &[u8], options: &ReadOptions) -> Result<Table, FormatError> {
    let mut sink = TableSink::default();
    let scanned = scan(bytes, options, &mut sink)?;
    Ok(Table {
        header_line: scanned.header_line,
        headers: sink.headers,
        rows: sink.rows,
        problems: scanned.problems,
        format: scanned.format,
        encoding: scanned.encoding,
    })
}

#[derive(Default)]
struct TableSink {
    headers: Vec<String>,
    rows: Vec<TableRow>,
}

impl RowSink for TableSink {
    fn header(&mut self, _line: u64, headers: &[String]) -> Result<(), FormatError> {
        self.headers = headers.to_vec();
        Ok(())
    }

    fn row<R: RowCells + ?Sized>(
        &mut self,
        line: u64,
        row: &R,
        width: usize,
    ) -> Result<(), String> {
        let mut cells = Vec::with_capacity(width);
        let mut number_cells = Vec::new();
        for index in 0..width {
            let cell = row.cell(index);
            if cell.kind == CellKind::Number {
                number_cells.push(index);
            }
            cells.push(cell.text.into_owned());
        }
        self.rows.push(TableRow {
            line,
            cells,
            number_cells,
        });
        Ok(())
    }
}

/// What a cell held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// Text (every CSV cell).
    Text,
    /// A number in a workbook.
    Number,
    /// An Excel error value such as `#N/A`.
    Error,
}

/// One cell, trimmed.
#[derive(Debug)]
pub(crate) struct Cell<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) kind: CellKind,
}

/// The cells of one line, converted lazily so unused columns cost nothing.
pub(crate) trait RowCells {
    /// How many cells the line has.
    fn len(&self) -> usize;
    /// The cell at `index` (blank when out of range).
    fn cell(&self, index: usize) -> Cell<'_>;
    /// Whether the cell at `index` is blank, without converting it.
    fn is_blank(&self, index: usize) -> bool;
    /// Whether a cell may be an error value ([`CellKind::Error`]); never in CSV.
    fn may_hold_errors(&self) -> bool {
        true
    }
    /// Whether a cell may be a number ([`CellKind::Number`]); never in CSV.
    fn may_hold_numbers(&self) -> bool {
        true
    }
    /// The text the cells were read from and each cell's byte range in it (empty when
    /// blank), when the cells are plain text there, as in CSV.
    fn spans(&self) -> Option<(&str, &[(usize, usize)])> {
        None
    }
}

/// Receives the header and the well-formed data lines of a table.
pub(crate) trait RowSink {
    /// The trimmed headers (trailing blank ones dropped); an error rejects the file.
    fn header(&mut self, line: u64, headers: &[String]) -> Result<(), FormatError>;
    /// A non-blank data line with at least `width` cells, none beyond `width` non-blank
    /// and no error cell; `Err` is a problem with this line.
    fn row<R: RowCells + ?Sized>(&mut self, line: u64, row: &R, width: usize)
    -> Result<(), String>;
}

/// Where the header was and what the file was.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub(crate) header_line: u64,
    pub(crate) problems: Vec<LineProblem>,
    pub(crate) format: FileFormat,
    pub(crate) encoding: Option<TextEncoding>,
}

/// Decodes `bytes` and feeds its header and data lines to `sink`.
pub(crate) fn scan<S: RowSink>(
    bytes: &[u8],
    options: &ReadOptions,
    sink: &mut S,
) -> Result<Scanned, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Empty);
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let format = match options.format {
        InputFormat::Detect if is_zip => FileFormat::Xlsx,
        InputFormat::Detect | InputFormat::Csv => FileFormat::Csv,
        InputFormat::Xlsx => FileFormat::Xlsx,
    };
    match format {
        // Never chosen above: Arrow tables are read by `read_roster_arrow`.
        FileFormat::Xlsx | FileFormat::Arrow => {
            if !is_zip {
                encoding::sniff_not_text(bytes)?;
                return Err(FormatError::Xlsx {
                    reason: "it is not a zip archive (an XLSX file starts with \"PK\"); \
                             if it is CSV text, read it as CSV"
                        .to_owned(),
                });
            }
            let mut lines = Lines::default();
            scan_xlsx(bytes, options.sheet.as_deref(), sink, &mut lines)?;
            Ok(lines.finish(FileFormat::Xlsx, None))
        }
        FileFormat::Csv => {
            check_delimiter(options.delimiter)?;
            encoding::sniff_not_text(bytes)?;
            let (text, encoding) = encoding::decode(bytes, options.encoding)?;
            let mut lines = Lines::default();
            scan_csv(&text, options.delimiter, sink, &mut lines)?;
            Ok(lines.finish(FileFormat::Csv, Some(encoding)))
        }
    }
}

fn check_delimiter(delimiter: u8) -> Result<(), FormatError> {
    if matches!(delimiter, b'"' | b'\r' | b'\n') || !delimiter.is_ascii() {
        return Err(FormatError::InvalidOption {
            reason: format!(
                "the delimiter {:?} cannot separate cells; use an ASCII character such as ',' or tab",
                char::from(delimiter)
            ),
        });
    }
    Ok(())
}

/// The header-then-rows state shared by the CSV and XLSX scanners.
#[derive(Default)]
struct Lines {
    header_line: Option<u64>,
    width: usize,
    problems: Vec<LineProblem>,
}

/// What became of one line.
enum Fed {
    Blank,
    Header,
    Row,
    Short(usize),
    Bad,
}

impl Lines {
    fn feed<R: RowCells + ?Sized, S: RowSink>(
        &mut self,
        line: u64,
        row: &R,
        sink: &mut S,
    ) -> Result<Fed, FormatError> {
        let len = row.len();
        if (0..len).all(|index| row.is_blank(index)) {
            return Ok(Fed::Blank);
        }
        if self.header_line.is_none() {
            let mut headers: Vec<String> = (0..len)
                .map(|index| row.cell(index).text.into_owned())
                .collect();
            while headers.last().is_some_and(String::is_empty) {
                headers.pop();
            }
            self.width = headers.len();
            self.header_line = Some(line);
            sink.header(line, &headers)?;
            return Ok(Fed::Header);
        }
        let width = self.width;
        if len < width {
            self.problem(
                line,
                format!(
                    "{len} cells but the header has {width}: a separator is missing or the \
                     line was cut; fix the line and import it again"
                ),
            );
            return Ok(Fed::Short(len));
        }
        if let Some(extra) = (width..len).find(|&index| !row.is_blank(index)) {
            let text = row.cell(extra).text.into_owned();
            self.problem(
                line,
                format!(
                    "more cells than the {width} headers: column {} holds {text:?} but has no \
                     header; a separator too many, or an unquoted {}",
                    extra + 1,
                    if text.contains(',') {
                        "comma"
                    } else {
                        "separator"
                    },
                ),
            );
            return Ok(Fed::Bad);
        }
        let error = if row.may_hold_errors() {
            (0..width).find(|&index| row.cell(index).kind == CellKind::Error)
        } else {
            None
        };
        if let Some(index) = error {
            let text = row.cell(index).text.into_owned();
            self.problem(
                line,
                format!(
                    "column {} holds the Excel error {text}; correct the formula or type the value",
                    index + 1
                ),
            );
            return Ok(Fed::Bad);
        }
        match sink.row(line, row, width) {
            Ok(()) => Ok(Fed::Row),
            Err(message) => {
                self.problem(line, message);
                Ok(Fed::Bad)
            }
        }
    }

    fn problem(&mut self, line: u64, message: String) {
        self.problems.push(LineProblem { line, message });
    }

    fn finish(self, format: FileFormat, encoding: Option<TextEncoding>) -> Scanned {
        Scanned {
            header_line: self.header_line.unwrap_or_default(),
            problems: self.problems,
            format,
            encoding,
        }
    }
}

/// The cells of one CSV record: its text (the record's fields one after another)
/// and each cell's trimmed byte range in it.
struct CsvRow<'r> {
    text: &'r str,
    cells: &'r [(usize, usize)],
}

impl RowCells for CsvRow<'_> {
    fn len(&self) -> usize {
        self.cells.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        let text = self
            .cells
            .get(index)
            .and_then(|&(start, end)| self.text.get(start..end))
            .unwrap_or_default();
        Cell {
            text: Cow::Borrowed(text),
            kind: CellKind::Text,
        }
    }

    fn is_blank(&self, index: usize) -> bool {
        self.cells
            .get(index)
            .is_none_or(|(start, end)| start == end)
    }

    fn may_hold_errors(&self) -> bool {
        false
    }

    fn may_hold_numbers(&self) -> bool {
        false
    }

    fn spans(&self) -> Option<(&str, &[(usize, usize)])> {
        Some((self.text, self.cells))
    }
}

fn scan_csv<S: RowSink>(
    text: &str,
    delimiter: u8,
    sink: &mut S,
    lines: &mut Lines,
) -> Result<(), FormatError> {
    scan_csv_lines(text, delimiter, sink, lines, true)
}

/// Reads CSV records. A line without quotes or stray carriage returns — most lines
/// of most files — is one record whose cells lie between delimiters: with
/// `plain_lines`, such lines are split where they are. From any other line on, the
/// CSV reader reads records (quoted cells may hold delimiters and line breaks) until
/// a plain line follows again.
fn scan_csv_lines<S: RowSink>(
    text: &str,
    delimiter: u8,
    sink: &mut S,
    lines: &mut Lines,
    plain_lines: bool,
) -> Result<(), FormatError> {
    let mut scanner = CsvScanner {
        text,
        delimiter,
        plain_lines,
        cells: Vec::new(),
        record: csv::ByteRecord::new(),
        last: None,
    };
    // Where the next record (or blank lines before it) starts, and its line.
    let (mut at, mut line) = (0, 1);
    while at < text.len() {
        (at, line) = match plain_line(text.as_bytes(), at).filter(|_| plain_lines) {
            Some((end, next)) => {
                scanner.split_line(at, end, line, lines, sink)?;
                (next, line + 1)
            }
            None => scanner.read_records(at, line, lines, sink)?,
        };
    }
    let Some((start, line, fed)) = scanner.last else {
        return Err(FormatError::Empty);
    };
    if quote_left_open(text.get(start..).unwrap_or_default(), delimiter) {
        return Err(FormatError::UnclosedQuote { line });
    }
    if lines.header_line.is_none() {
        return Err(FormatError::Empty);
    }
    if let Fed::Short(cells) = fed {
        if !text.ends_with(['\n', '\r']) {
            return Err(FormatError::Truncated {
                line,
                cells,
                expected: lines.width,
            });
        }
    }
    Ok(())
}

/// If the line starting at `at` holds neither a quote nor a carriage return (but
/// one before its line feed), where its content ends and where the next line starts.
fn plain_line(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = bytes.get(at..)?;
    let (mut end, next) = match memchr::memchr(b'\n', rest) {
        Some(feed) => (at + feed, at + feed + 1),
        None => (bytes.len(), bytes.len()),
    };
    if end > at && bytes.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    let content = bytes.get(at..end)?;
    memchr::memchr2(b'"', b'\r', content)
        .is_none()
        .then_some((end, next))
}

/// What reading a CSV text keeps between records.
struct CsvScanner<'t> {
    text: &'t str,
    delimiter: u8,
    plain_lines: bool,
    /// The cells of the current record, as ranges; reused, so a line allocates nothing.
    cells: Vec<(usize, usize)>,
    /// The CSV reader's copy of the current record, reused likewise.
    record: csv::ByteRecord,
    /// The last record read: its start and line, and what became of it.
    last: Option<(usize, u64, Fed)>,
}

impl CsvScanner<'_> {
    /// Feeds the plain line `text[at..end]`, on `line`, split at its delimiters.
    fn split_line<S: RowSink>(
        &mut self,
        at: usize,
        end: usize,
        line: u64,
        lines: &mut Lines,
        sink: &mut S,
    ) -> Result<(), FormatError> {
        if end == at {
            return Ok(());
        }
        let text = self.text;
        // Filled as a local: pushing through `self` reloads the vector every cell.
        let mut cells = std::mem::take(&mut self.cells);
        cells.clear();
        let mut start = at;
        let content = text.as_bytes().get(at..end).unwrap_or_default();
        for split in memchr::memchr_iter(self.delimiter, content) {
            cells.push(trimmed(text, start, at + split));
            start = at + split + 1;
        }
        cells.push(trimmed(text, start, end));
        let fed = lines.feed(
            line,
            &CsvRow {
                text,
                cells: &cells,
            },
            sink,
        );
        self.cells = cells;
        self.last = Some((at, line, fed?));
        Ok(())
    }

    /// Reads records with the CSV reader from `at` (on `line`) until a plain line
    /// follows (with `plain_lines`) or the text ends; returns where and on which line
    /// it stopped.
    fn read_records<S: RowSink>(
        &mut self,
        at: usize,
        line: u64,
        lines: &mut Lines,
        sink: &mut S,
    ) -> Result<(usize, u64), FormatError> {
        let text = self.text;
        let rest = text.get(at..).unwrap_or_default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(rest.as_bytes());
        loop {
            match reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok((text.len(), line)),
                Err(error) => {
                    return Err(FormatError::NotATable {
                        looks_like: format!("text the CSV reader cannot read ({error})"),
                    });
                }
            }
            let record = &self.record;
            let (start, record_line) = record_start(rest, record.position());
            let (start, record_line) = (at + start, line + record_line - 1);
            // Unless the record held quotes, its cells are the file's own text between
            // single-byte delimiters: slice them there rather than check the reader's
            // copy for UTF-8 again. (Before its first quote, the copy is the text byte
            // for byte.)
            let width = record.as_slice().len() + record.len().saturating_sub(1);
            let unquoted = text
                .get(start..start.saturating_add(width))
                .filter(|raw| memchr::memchr(b'"', raw.as_bytes()).is_none());
            // Where the cells are: in the text, one delimiter after each; else in the copy.
            let (fields, in_text) = match unquoted {
                Some(raw) => (raw, true),
                None => match simdutf8::basic::from_utf8(record.as_slice()) {
                    Ok(copy) => (copy, false),
                    // The text was valid UTF-8 and cells split at ASCII bytes.
                    Err(_) => {
                        return Err(FormatError::NotATable {
                            looks_like: "text the CSV reader split inside a character".to_owned(),
                        });
                    }
                },
            };
            self.cells.clear();
            self.cells.extend((0..record.len()).map(|index| {
                let range = record.range(index).unwrap_or_default();
                let delimiters_before = if in_text { index } else { 0 };
                trimmed(
                    fields,
                    range.start + delimiters_before,
                    range.end + delimiters_before,
                )
            }));
            let row = CsvRow {
                text: fields,
                cells: &self.cells,
            };
            let fed = lines.feed(record_line, &row, sink)?;
            self.last = Some((start, record_line, fed));
            // Back to splitting lines once the reader stands at the start of a plain one.
            let position = reader.position();
            let next = at.saturating_add(usize::try_from(position.byte()).unwrap_or(usize::MAX));
            let next_line = line + position.line() - 1;
            let at_line_start = next == 0 || text.as_bytes().get(next - 1) == Some(&b'\n');
            if self.plain_lines && at_line_start && plain_line(text.as_bytes(), next).is_some() {
                return Ok((next, next_line));
            }
        }
    }
}

/// The range of `text[start..end]` without surrounding whitespace (as `str::trim`).
fn trimmed(text: &str, start: usize, end: usize) -> (usize, usize) {
    if end > start && surely_untrimmed(text.as_bytes(), start, end) {
        return (start, end);
    }
    let cell = text.get(start..end).unwrap_or_default();
    let without_leading = cell.trim_start();
    let from = start + (cell.len() - without_leading.len());
    (from, from + without_leading.trim_end().len())
}

/// Whether the cell `bytes[start..end]` (not empty, at character boundaries) surely
/// neither starts nor ends with whitespace, judged from a few bytes without decoding:
/// most cells, Chinese ones included, are settled here. Beyond ASCII, whitespace
/// characters are encoded starting with 0xC2 (U+0085, U+00A0) or 0xE1 to 0xE3
/// (U+1680, U+2000 to U+205F, U+3000); no character of four bytes is whitespace.
fn surely_untrimmed(bytes: &[u8], start: usize, end: usize) -> bool {
    let ascii_visible = |b: u8| b > b' ' && b < 0x80;
    let may_start_space = |b: u8| b == 0xC2 || (0xE1..=0xE3).contains(&b);
    let first_ok = bytes
        .get(start)
        .is_some_and(|&b| ascii_visible(b) || (b >= 0xC0 && !may_start_space(b)));
    let last_ok = match end.checked_sub(1).and_then(|last| bytes.get(last)) {
        Some(&b) if ascii_visible(b) => true,
        // The last character is multi-byte: its lead byte is one, two or three back.
        Some(&b) if (0x80..0xC0).contains(&b) => {
            let back = |n: usize| end.checked_sub(n).and_then(|at| bytes.get(at)).copied();
            back(2).is_some_and(|b| b != 0xC2) && back(3).is_none_or(|b| !may_start_space(b))
        }
        _ => false,
    };
    first_ok && last_ok
}

/// The byte offset and physical line where a record starts. The reader's position
/// can point at line breaks skipped before the record, so step over them.
fn record_start(text: &str, position: Option<&csv::Position>) -> (usize, u64) {
    let (mut byte, mut line) = position.map_or((0, 1), |position| {
        (
            usize::try_from(position.byte()).unwrap_or(usize::MAX),
            position.line(),
        )
    });
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(byte) {
        match b {
            b'\n' => line += 1,
            b'\r' => {}
            _ => break,
        }
        byte += 1;
    }
    (byte, line)
}

/// Whether a CSV record starting at the beginning of `rest` and running to the end of
/// the file ends inside a quoted cell (the reader itself accepts that silently).
fn quote_left_open(rest: &str, delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in rest.as_bytes() {
        state = match state {
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted | State::QuoteInQuoted
                if b == delimiter || b == b'\n' || b == b'\r' =>
            {
                State::FieldStart
            }
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Unquoted,
        };
    }
    state == State::Quoted
}

struct XlsxRow<'r>(&'r [Data]);

impl RowCells for XlsxRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        let Some(data) = self.0.get(index) else {
            return Cell {
                text: Cow::Borrowed(""),
                kind: CellKind::Text,
            };
        };
        let (text, kind) = match data {
            Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
                (Cow::Borrowed(text.trim()), CellKind::Text)
            }
            Data::Empty => (Cow::Borrowed(""), CellKind::Text),
            // `{}` of an f64 is its shortest round-trip decimal, never an exponent.
            Data::Float(number) => (Cow::Owned(format!("{number}")), CellKind::Number),
            Data::Int(number) => (Cow::Owned(number.to_string()), CellKind::Number),
            Data::Bool(value) => (
                Cow::Borrowed(if *value { "TRUE" } else { "FALSE" }),
                CellKind::Text,
            ),
            Data::DateTime(value) => (Cow::Owned(value.to_string()), CellKind::Number),
            Data::Error(error) => (Cow::Owned(error.to_string()), CellKind::Error),
        };
        Cell { text, kind }
    }

    fn is_blank(&self, index: usize) -> bool {
        match self.0.get(index) {
            None | Some(Data::Empty) => true,
            Some(Data::String(text)) => text.trim().is_empty(),
            Some(_) => false,
        }
    }
}

fn scan_xlsx<S: RowSink>(
    bytes: &[u8],
    sheet: Option<&str>,
    sink: &mut S,
    lines: &mut Lines,
) -> Result<(), FormatError> {
    let xlsx_error = |error: calamine::XlsxError| FormatError::Xlsx {
        reason: error.to_string(),
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|name| name.as_str() == wanted || name.trim() == wanted.trim())
            .cloned()
            .ok_or_else(|| FormatError::NoSuchSheet {
                wanted: wanted.to_owned(),
                available: names.join(", "),
            })?,
        None => names.first().cloned().ok_or_else(|| FormatError::Xlsx {
            reason: "it has no sheets".to_owned(),
        })?,
    };
    let range = workbook.worksheet_range(&name).map_err(xlsx_error)?;
    // The range starts at its first used cell; line numbers are the sheet's own.
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    for (index, cells) in range.rows().enumerate() {
        let line = first_row + index as u64 + 1;
        lines.feed(line, &XlsxRow(cells), sink)?;
    }
    if lines.header_line.is_none() {
        return Err(FormatError::EmptySheet { sheet: name });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Table, FormatError> {
        read_table(text.as_bytes(), &ReadOptions::default())
    }

    #[test]
    fn quoted_newlines_keep_physical_line_numbers() -> Result<(), FormatError> {
        let table = csv("a,b\r\n\"x\ny\",1\r\n\r\n  ,  \r\nz,\"2\"\"\"\r\n")?;
        let lines: Vec<u64> = table.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 6]);
        assert_eq!(table.rows[0].cells, ["x\ny", "1"]);
        assert_eq!(table.rows[1].cells, ["z", "2\""]);
        Ok(())
    }

    type ReadText = (Vec<String>, Vec<(u64, Vec<String>)>, String);

    /// What `scan_csv_lines` makes of `text`, errors as their messages.
    fn read_csv_text(text: &str, plain_lines: bool) -> Result<ReadText, String> {
        let mut sink = TableSink::default();
        let mut lines = Lines::default();
        scan_csv_lines(text, b',', &mut sink, &mut lines, plain_lines)
            .map_err(|error| error.to_string())?;
        let rows = sink.rows.into_iter().map(|row| (row.line, row.cells));
        Ok((
            sink.headers,
            rows.collect(),
            format!("{:?}", lines.problems),
        ))
    }

    #[test]
    fn cells_with_and_without_quotes_read_the_same() -> Result<(), FormatError> {
        let table = csv("a,b,c\n1,张三 ,x\n\"2\",\"王,五\",\"\"\n3,\"say \"\"hi\"\"\",\n")?;
        let cells: Vec<&[String]> = table.rows.iter().map(|row| &row.cells[..]).collect();
        assert_eq!(
            cells,
            [
                &["1", "张三", "x"][..],
                &["2", "王,五", ""],
                &["3", "say \"hi\"", ""]
            ]
        );
        Ok(())
    }

    proptest::proptest! {
        /// The quick look at a cell's end bytes never disagrees with `str::trim`.
        #[test]
        fn trimmed_is_str_trim(
            before in "[a,]{0,2}",
            cell in "[a张 \t\u{3000}\u{a0}\u{85}\u{2003}\u{205f}\u{1680}é\u{1f600}\u{3001}\u{2010}]{0,6}",
            after in "[a,]{0,2}",
        ) {
            let text = format!("{before}{cell}{after}");
            let (start, end) = trimmed(&text, before.len(), before.len() + cell.len());
            proptest::prop_assert_eq!(text.get(start..end), Some(cell.trim()));
        }

        /// Splitting plain lines where they are reads any text exactly as the CSV
        /// reader alone does: the same header, rows, lines, problems and errors.
        #[test]
        fn plain_lines_read_as_the_csv_reader_reads_them(
            text in "[a张 ,\"\r\n]{0,40}",
        ) {
            proptest::prop_assert_eq!(read_csv_text(&text, true), read_csv_text(&text, false));
        }

        /// Whatever the cells hold, reading what a CSV writer wrote gives them back
        /// trimmed, whether the writer quoted them or not.
        #[test]
        fn written_cells_read_back_trimmed(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-c张 ,\"\u{3000}\t]{0,5}", 3),
                1..8,
            )
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let header = ["h1", "h2", "h3"];
            let written = writer
                .write_record(header)
                .and_then(|()| rows.iter().try_for_each(|row| writer.write_record(row)));
            proptest::prop_assume!(written.is_ok());
            let bytes = writer.into_inner().unwrap_or_default();
            let table = read_table(&bytes, &ReadOptions::default());
            proptest::prop_assert!(table.is_ok(), "{table:?}");
            let expected: Vec<Vec<String>> = rows
                .iter()
                .map(|row| row.iter().map(|cell| cell.trim().to_owned()).collect::<Vec<_>>())
                .filter(|row| row.iter().any(|cell| !cell.is_empty()))
                .collect();
            let read: Vec<Vec<String>> = table
                .map(|table| table.rows.into_iter().map(|row| row.cells).collect())
                .unwrap_or_default();
            proptest::prop_assert_eq!(read, expected);
        }
    }

    #[test]
    fn leading_blank_lines_move_the_header() -> Result<(), FormatError> {
        let table = csv("\n\n a , b ,,\nc,d,,\n")?;
        assert_eq!(table.header_line, 3);
        assert_eq!(table.headers, ["a", "b"]);
        assert_eq!(table.rows[0].line, 4);
        assert_eq!(table.rows[0].cells, ["c", "d"]);
        Ok(())
    }

    #[test]
    fn extra_and_missing_cells_are_line_problems() -> Result<(), FormatError> {
        let table = csv("a,b\n1,2,3\n4\n5,6\n")?;
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].line, 4);
        let lines: Vec<u64> = table.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(table.problems[0].message.contains("column 3 holds \"3\""));
        assert!(
            table.problems[1]
                .message
                .contains("1 cells but the header has 2")
        );
        Ok(())
    }

    #[test]
    fn an_unclosed_quote_is_a_truncated_file() {
        let error = csv("a,b\n1,2\n3,\"abc\n4,5\n").err();
        assert_eq!(error, Some(FormatError::UnclosedQuote { line: 3 }));
        assert!(error.is_some_and(|e| e.to_string().contains("not closed")));
    }

    #[test]
    fn a_short_last_line_without_newline_is_a_truncated_file() {
        assert_eq!(
            csv("a,b,c\n1,2,3\n4,5").err(),
            Some(FormatError::Truncated {
                line: 3,
                cells: 2,
                expected: 3
            })
        );
    }

    #[test]
    fn a_blank_file_is_empty() {
        assert_eq!(csv("").err(), Some(FormatError::Empty));
        assert_eq!(csv("\u{feff}\r\n ,\n\n").err(), Some(FormatError::Empty));
    }

    #[test]
    fn tab_delimiter_and_bad_delimiter() -> Result<(), FormatError> {
        let options = ReadOptions {
            delimiter: b'\t',
            ..ReadOptions::default()
        };
        let table = read_table("a\tb\n1,5\t2\n".as_bytes(), &options)?;
        assert_eq!(table.rows[0].cells, ["1,5", "2"]);
        let options = ReadOptions {
            delimiter: b'"',
            ..ReadOptions::default()
        };
        assert!(matches!(
            read_table(b"a", &options),
            Err(FormatError::InvalidOption { .. })
        ));
        Ok(())
    }

    #[test]
    fn xlsx_declared_for_text_is_refused() {
        let options = ReadOptions {
            format: InputFormat::Xlsx,
            ..ReadOptions::default()
        };
        let error = read_table(b"a,b\n", &options).err();
        assert!(error.is_some_and(|e| e.to_string().contains("not a zip archive")));
    }

    #[test]
    fn cells_are_trimmed_of_any_whitespace_once() -> Result<(), FormatError> {
        // A full-width space (U+3000) is common in Chinese files.
        let table = read_table(
            "名, 户 \n\u{3000}张三\u{3000},\t\n".as_bytes(),
            &ReadOptions::default(),
        )?;
        assert_eq!(table.headers, ["名", "户"]);
        assert_eq!(table.rows[0].cells, ["张三", ""]);
        assert_eq!(trimmed(" a b ", 0, 5), (1, 4));
        assert_eq!(trimmed("  ", 0, 2), (2, 2));
        Ok(())
    }
}
