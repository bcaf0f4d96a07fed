//! Files in and out for yikatong: roster files (CSV in UTF-8 or GBK, XLSX) and
//! generic tables (publicity lists, the HR department's card file, bank files).
//!
//! Reading never fails because of one bad line: a line that cannot be read is a
//! [`LineProblem`] with its line number, and the rest of the file is read. Only a
//! problem with the whole file (empty, binary, not UTF-8 or GBK, cut short, a
//! corrupt workbook, a missing 身份证号 column) is a [`FormatError`].
//!
//! ```
//! use yikatong_core::{Language, RosterField};
//! use yikatong_formats::{read_roster, write_roster_xlsx, ReadOptions};
//!
//! let csv = "身份证号,姓名,金额（元）\n150102199001011234,张三,120.00\n1,2,3,4\n";
//! let file = read_roster(csv.as_bytes(), &ReadOptions::default())?;
//! assert_eq!(file.records.len(), 1);
//! assert_eq!(file.problems[0].line, 3);
//!
//! let xlsx = write_roster_xlsx(&file.records, &file.columns, Language::Zh)?;
//! let again = read_roster(&xlsx, &ReadOptions::default())?;
//! assert_eq!(again.records[0].get(&RosterField::Amount), Some("120.00"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod agency;
mod arrow;
mod arrow_disclosure;
mod arrow_ledger;
mod bank;
mod disclosure;
mod encoding;
mod error;
mod iso20022;
mod publicity;
mod report;
mod roster;
mod table;
mod write;

pub use agency::{
    AgencyFile, AgencyLine, AgencyProfile, AgencyResultLine, AmountFormat, DateFormat,
    InstructionField, ResultField, SummaryField, read_agency_file, read_agency_results,
    write_agency_file, write_agency_file_to, write_agency_results,
};
pub use arrow::{
    audit_rows_from_arrow, audit_rows_from_batches, audit_rows_schema, audit_rows_to_arrow,
    deaths_from_arrow, exclusions_from_arrow, findings_to_arrow, problems_to_arrow,
    roster_lines_to_arrow, timeliness_to_arrow,
};
pub use arrow_disclosure::{feed_rows_to_arrow, feed_totals_to_arrow, report_rows_to_arrow};
pub use arrow_ledger::{
    bank_results_to_arrow, batches_to_arrow, corrections_to_arrow, payments_to_arrow,
    reconciliation_findings_to_arrow, reconciliation_tallies_to_arrow,
};
pub use bank::{BankFile, WrittenFile};
pub use disclosure::{write_feed_csv, write_feed_json, write_feed_totals_csv};
pub use encoding::{CsvEncoding, InputEncoding, TextEncoding};
pub use error::FormatError;
pub use iso20022::{
    Pain001, Pain001Transaction, Pain002Report, Pain002Transaction, answer_pain001, read_pain001,
    read_pain002, write_pain001, write_pain001_to, write_pain002,
};
pub use publicity::{write_publicity_csv, write_publicity_xlsx};
pub use report::{
    NATIONAL_SCHEMA, NATIONAL_SCHEMA_VERSION, write_national_jsonl, write_report_csv,
    write_report_json, write_report_xlsx,
};
pub use roster::{
    RosterFile, read_roster, read_roster_arrow, read_roster_into, write_roster_csv,
    write_roster_xlsx,
};
pub use table::{FileFormat, InputFormat, LineProblem, ReadOptions, Table, TableRow, read_table};
pub use write::{write_table_csv, write_table_xlsx};
