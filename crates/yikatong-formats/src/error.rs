//! The one error type of the formats crate.

/// A problem with a whole file (reading) or with what was asked to be written.
///
/// Problems with single lines of an otherwise readable file are not errors: they are
/// returned as [`LineProblem`](crate::LineProblem)s next to the lines that were read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The file has no bytes, or only blank lines: there is no header line.
    #[error("the file is empty: it has no header line")]
    Empty,
    /// The chosen sheet of a workbook has no non-blank cell.
    #[error("the sheet {sheet:?} is empty: it has no header row")]
    EmptySheet {
        /// The sheet's name.
        sheet: String,
    },
    /// The bytes are some other kind of file, not a table this crate reads.
    #[error("this is not a CSV or XLSX table: it looks like {looks_like}")]
    NotATable {
        /// What the file looks like, with what to do about it.
        looks_like: String,
    },
    /// Detected encoding: the bytes are neither UTF-8 nor GBK text.
    #[error(
        "the file is not valid UTF-8 or GBK text (first bad byte at offset {offset}, line {line}); \
         save it again as CSV (UTF-8) or CSV (GBK)"
    )]
    NotText {
        /// Zero-based byte offset of the first byte that is not GBK text.
        offset: usize,
        /// One-based line of that byte.
        line: u64,
    },
    /// Declared encoding: the bytes are not valid in the encoding the caller chose.
    #[error(
        "the file is not valid {encoding} text (first bad byte at offset {offset}, line {line}); \
         choose the other encoding or let it be detected"
    )]
    BadEncoding {
        /// The declared encoding.
        encoding: crate::TextEncoding,
        /// Zero-based byte offset of the first bad byte.
        offset: usize,
        /// One-based line of that byte.
        line: u64,
    },
    /// A quoted cell is still open at the end of the file.
    #[error(
        "line {line}: a quoted cell (starting with \") is not closed before the end of the file; \
         the file looks cut short or a quote mark is missing"
    )]
    UnclosedQuote {
        /// The line where the unclosed record starts.
        line: u64,
    },
    /// The last line has fewer cells than the header and no line break: the file was
    /// cut short (an interrupted download or copy).
    #[error(
        "line {line}: the last line has {cells} cells but the header has {expected} and the \
         file does not end with a line break; the file looks cut short"
    )]
    Truncated {
        /// The last line.
        line: u64,
        /// Cells it has.
        cells: usize,
        /// Cells the header has.
        expected: usize,
    },
    /// A value in a column of an Arrow table breaks a rule.
    #[error("row {row}, column {column}: {value:?} {rule}")]
    Column {
        /// The row, from 1.
        row: u64,
        /// The column's name.
        column: String,
        /// The value as text.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// An Arrow column has a type that cannot hold its values.
    #[error("column {column} is {found}; it must hold {expected}")]
    ColumnType {
        /// The column's name.
        column: String,
        /// The type found.
        found: String,
        /// What it must hold.
        expected: String,
    },
    /// An Arrow table lacks a required column.
    #[error("the table has no column {column}; found: {found}")]
    NoColumn {
        /// The column wanted.
        column: String,
        /// The columns found, comma-separated.
        found: String,
    },
    /// Arrow refused to build a table (a bug in how this crate builds it).
    #[error("cannot build the Arrow table: {message}")]
    Arrow {
        /// Arrow's message.
        message: String,
    },
    /// A roster file without a resident ID column (or another required column).
    #[error("line {line}: no column for {expected}; found: {found}")]
    MissingColumn {
        /// The header line.
        line: u64,
        /// The column wanted and the headers that name it.
        expected: String,
        /// The headers found, comma-separated.
        found: String,
    },
    /// Two columns of a roster file name the same field.
    #[error(
        "line {line}: columns {first} ({first_header:?}) and {second} ({second_header:?}) are \
         both {field}; delete or rename one"
    )]
    DuplicateColumn {
        /// The header line.
        line: u64,
        /// The field both name (Chinese header and English name).
        field: String,
        /// One-based column number of the first.
        first: usize,
        /// Its header text.
        first_header: String,
        /// One-based column number of the second.
        second: usize,
        /// Its header text.
        second_header: String,
    },
    /// A workbook that cannot be opened or read.
    #[error("the file is not a readable XLSX workbook: {reason}")]
    Xlsx {
        /// What the XLSX reader said.
        reason: String,
    },
    /// A sheet name that the workbook does not have.
    #[error("the workbook has no sheet {wanted:?}; its sheets are: {available}")]
    NoSuchSheet {
        /// The sheet asked for.
        wanted: String,
        /// The workbook's sheet names, comma-separated.
        available: String,
    },
    /// An option that cannot work, such as a quote mark as the delimiter.
    #[error("invalid option: {reason}")]
    InvalidOption {
        /// What is wrong with it.
        reason: String,
    },
    /// Writing GBK: a character that GBK has no code for.
    #[error(
        "line {line}: the character {character:?} (U+{code:04X}) cannot be written in GBK; \
         write the file as UTF-8 instead",
        code = u32::from(*character)
    )]
    Unencodable {
        /// The character.
        character: char,
        /// One-based line of the output where it occurs.
        line: u64,
    },
    /// Writing: a row whose number of cells differs from the number of headers.
    #[error("row {row}: {cells} cells for {expected} headers")]
    RowWidth {
        /// One-based data row (the first row after the header is 1).
        row: usize,
        /// Cells given.
        cells: usize,
        /// Headers given.
        expected: usize,
    },
    /// Writing a roster: the same field twice in the columns.
    #[error("the column {field} is listed twice")]
    ColumnTwice {
        /// The field (Chinese header and English name).
        field: String,
    },
    /// Writing a roster: a record has a value for a field that is not a column, so it
    /// would be lost.
    #[error("line {line}: the record has a value for {field} but there is no column for it")]
    FieldNotInColumns {
        /// The record's line.
        line: u64,
        /// The field (Chinese header and English name).
        field: String,
    },
    /// Writing: the CSV or XLSX writer failed (too many rows for a sheet, a bad sheet
    /// name, …).
    #[error("cannot write the file: {reason}")]
    Write {
        /// What the writer said.
        reason: String,
    },
    /// A bank file (instruction file or result file) that breaks its layout or whose
    /// summary disagrees with its lines. The whole file is refused: a bank rejects it
    /// whole, and the ledger records nothing from it.
    #[error("{file}, line {line}: {problem}")]
    BankFile {
        /// Which file: e.g. `instruction file`, `success file`, `failure file`, `pain.002`.
        file: String,
        /// One-based line (for XML, the line where the element starts; 0 for the file as a whole).
        line: u64,
        /// What is wrong: the field, the value and the rule.
        problem: String,
    },
}
