//! Domestic agency-payment files (代发 / 批量代付): the instruction file a batch is
//! sent in, and the success and failure files (回盘) the bank sends back.
//!
//! There is no national layout: each bank has its own, described by an
//! [`AgencyProfile`] (read from JSON, or [`AgencyProfile::common`] for the usual
//! shape: GBK text, `|` between fields, a summary line `date|payer unit|count|sum`,
//! then `serial|name|amount|account|unit code|ID type|ID number|sequence` per line).
//!
//! A bank refuses a file whole when it breaks the layout or its summary disagrees
//! with its lines, so every reader here does the same: one bad line is a
//! [`FormatError::BankFile`] naming the file, the line, the field, the value and the
//! rule, and nothing of the file is used.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::{Amount, PaymentId, ResultStatus};
//! use yikatong_formats::{
//!     AgencyProfile, AgencyResultLine, read_agency_results, write_agency_results,
//! };
//!
//! let profile = AgencyProfile::from_json(r#"{"name": "农信社", "encoding": "utf8"}"#)?;
//! let line = |attempt, text: Option<&str>| -> Result<AgencyResultLine, Box<dyn std::error::Error>> {
//!     Ok(AgencyResultLine {
//!         reference: PaymentId::from_bytes([7; 16]).instruction_id(attempt),
//!         name: "张三".into(),
//!         account: "6228480000000000018".into(),
//!         amount: Amount::parse("120.00")?,
//!         sequence: 3,
//!         text: text.map(str::to_owned),
//!     })
//! };
//! let (success, failure) =
//!     write_agency_results(&[line(1, None)?], &[line(2, Some("已销户"))?], &profile, date!(2026 - 11 - 26))?;
//! let back = read_agency_results(&success, &failure, &profile, "回盘")?;
//! assert_eq!(back.results.len(), 2);
//! assert_eq!(back.results[0].status, ResultStatus::Settled);
//! assert!(matches!(&back.results[1].status, ResultStatus::Failed { reason } if reason.text == "已销户"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use encoding_rs::{EncoderResult, GBK};
use time::{Date, Month};
use yikatong_core::{
    Amount, BankResult, BankReturn, CompactString, FailureReason, InstructionId, PaymentBatch,
    PaymentId, ResultStatus, sha256_hex,
};

use crate::bank::{CHUNK_CAPACITY, Digesting};
use crate::encoding::{InputEncoding, decode};
use crate::{BankFile, FormatError, TextEncoding, WrittenFile};

/// The label of an instruction file in error messages.
const INSTRUCTION_FILE: &str = "instruction file";
/// The label of a success file in error messages.
const SUCCESS_FILE: &str = "success file";
/// The label of a failure file in error messages.
const FAILURE_FILE: &str = "failure file";

// ---------------------------------------------------------------------------
// The profile

/// A field of a summary line (汇总行).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryField {
    /// The payment date (the batch's requested execution date).
    Date,
    /// The payer's unit code (单位编号).
    PayerUnit,
    /// The number of detail lines (总笔数).
    Count,
    /// The sum of the amounts (总金额).
    Sum,
    /// The batch id (批次号).
    BatchId,
    /// The payer's account (付款账号).
    PayerAccount,
}

/// A field of an instruction file's detail line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstructionField {
    /// The agency serial (流水号): the instruction id `<32 hex>-<attempt>`.
    Serial,
    /// The account holder's name (户名).
    Name,
    /// The amount (金额).
    Amount,
    /// The payee's account number (账号).
    Account,
    /// The payer's unit code (单位编号), repeated on every line.
    PayerUnit,
    /// The ID type (证件类型), the profile's `id_type` code.
    IdType,
    /// The payee's resident ID number (证件号码).
    IdNumber,
    /// The per-account sequence number (序号).
    Sequence,
    /// The purpose (用途/摘要).
    Purpose,
}

/// A field of a success or failure file's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultField {
    /// The agency serial echoed back.
    Serial,
    /// The account holder's name.
    Name,
    /// The account number.
    Account,
    /// The amount.
    Amount,
    /// The per-account sequence number.
    Sequence,
    /// The bank's result text (e.g. 已销户).
    ResultText,
}

/// How dates are written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `20261126`.
    #[default]
    Compact,
    /// `2026-11-26`.
    Dashed,
}

/// How amounts are written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AmountFormat {
    /// Yuan with exactly two decimals: `120.50`.
    #[default]
    Yuan,
    /// Whole fen: `12050`.
    Fen,
}

/// The serde form of [`TextEncoding`] (`"utf8"` or `"gbk"`), kept here so the
/// encoding module stays free of serde.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(remote = "TextEncoding", rename_all = "snake_case")]
enum TextEncodingDef {
    #[serde(alias = "utf-8", alias = "UTF-8")]
    Utf8,
    #[serde(alias = "GBK")]
    Gbk,
}

/// One bank's layout of agency-payment files.
///
/// In JSON every field but `name` may be left out; the defaults are those of
/// [`AgencyProfile::common`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyProfile {
    /// The bank or layout's name, for messages.
    pub name: String,
    /// The text encoding (`"gbk"` by default, or `"utf8"`).
    #[serde(with = "TextEncodingDef", default = "default_encoding")]
    pub encoding: TextEncoding,
    /// The character between fields: ASCII punctuation or a tab, not `.` `-` `"`.
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    /// What ends a line when writing: `"\r\n"` (default) or `"\n"`. Reading accepts both.
    #[serde(default = "default_line_ending")]
    pub line_ending: String,
    /// The instruction file's summary line; it must hold `date`, `count` and `sum`.
    #[serde(default = "default_summary")]
    pub summary: Vec<SummaryField>,
    /// The instruction file's detail line; it must hold `serial`, `amount` and `account`.
    #[serde(default = "default_fields")]
    pub fields: Vec<InstructionField>,
    /// The ID type code written for a resident ID (身份证), e.g. `"01"`.
    #[serde(default = "default_id_type")]
    pub id_type: String,
    /// How dates are written.
    #[serde(default)]
    pub date_format: DateFormat,
    /// How amounts are written.
    #[serde(default)]
    pub amount_format: AmountFormat,
    /// A success file's line; it must hold `serial` and `amount`.
    #[serde(default = "default_success_fields")]
    pub success_fields: Vec<ResultField>,
    /// A failure file's line; it must hold `serial`, `amount` and `result_text`.
    #[serde(default = "default_failure_fields")]
    pub failure_fields: Vec<ResultField>,
    /// The summary line result files start with; empty when they have none. It may
    /// hold `date`, `count`, `sum` and `batch_id`; when it has `count` or `sum` they
    /// are checked against the lines.
    #[serde(default = "default_result_summary")]
    pub result_summary: Vec<SummaryField>,
}

fn default_encoding() -> TextEncoding {
    TextEncoding::Gbk
}

fn default_delimiter() -> char {
    '|'
}

fn default_line_ending() -> String {
    "\r\n".to_owned()
}

fn default_summary() -> Vec<SummaryField> {
    vec![
        SummaryField::Date,
        SummaryField::PayerUnit,
        SummaryField::Count,
        SummaryField::Sum,
    ]
}

fn default_fields() -> Vec<InstructionField> {
    vec![
        InstructionField::Serial,
        InstructionField::Name,
        InstructionField::Amount,
        InstructionField::Account,
        InstructionField::PayerUnit,
        InstructionField::IdType,
        InstructionField::IdNumber,
        InstructionField::Sequence,
    ]
}

fn default_id_type() -> String {
    "01".to_owned()
}

fn default_success_fields() -> Vec<ResultField> {
    vec![
        ResultField::Serial,
        ResultField::Name,
        ResultField::Account,
        ResultField::Amount,
        ResultField::Sequence,
    ]
}

fn default_failure_fields() -> Vec<ResultField> {
    vec![
        ResultField::Serial,
        ResultField::Name,
        ResultField::Account,
        ResultField::Amount,
        ResultField::Sequence,
        ResultField::ResultText,
    ]
}

fn default_result_summary() -> Vec<SummaryField> {
    vec![SummaryField::Count, SummaryField::Sum]
}

impl AgencyProfile {
    /// The common layout: GBK, `|`, CRLF, summary `date|payer unit|count|sum` with a
    /// compact date and the sum in yuan, details
    /// `serial|name|amount|account|unit code|ID type (01)|ID number|sequence`,
    /// result files with a `count|sum` summary.
    pub fn common() -> AgencyProfile {
        AgencyProfile {
            name: "common".to_owned(),
            encoding: default_encoding(),
            delimiter: default_delimiter(),
            line_ending: default_line_ending(),
            summary: default_summary(),
            fields: default_fields(),
            id_type: default_id_type(),
            date_format: DateFormat::Compact,
            amount_format: AmountFormat::Yuan,
            success_fields: default_success_fields(),
            failure_fields: default_failure_fields(),
            result_summary: default_result_summary(),
        }
    }

    /// Reads a profile from JSON and checks it. The error names the JSON path of a
    /// bad value, or the rule the layout breaks.
    pub fn from_json(json: &str) -> Result<AgencyProfile, FormatError> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let profile: AgencyProfile =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
                let path = error.path().to_string();
                invalid(format!(
                    "agency profile JSON, at {path}: {}",
                    error.into_inner()
                ))
            })?;
        profile.check()?;
        Ok(profile)
    }

    /// Checks the layout can be written and read back unambiguously.
    pub fn check(&self) -> Result<(), FormatError> {
        let name = &self.name;
        let d = self.delimiter;
        if !(d == '\t' || d.is_ascii_punctuation()) || matches!(d, '.' | '-' | '"') {
            return Err(invalid(format!(
                "agency profile {name}: the delimiter {d:?} cannot be used; use ASCII \
                 punctuation such as '|' or a tab, but not '.', '-' or '\"', which occur in \
                 amounts, dates and serials"
            )));
        }
        if self.line_ending != "\r\n" && self.line_ending != "\n" {
            return Err(invalid(format!(
                "agency profile {name}: the line ending {:?} is not \"\\r\\n\" or \"\\n\"",
                self.line_ending
            )));
        }
        check_text(name, "id_type", &self.id_type, d)?;
        require(
            name,
            "summary",
            &self.summary,
            &[SummaryField::Date, SummaryField::Count, SummaryField::Sum],
        )?;
        require(
            name,
            "fields",
            &self.fields,
            &[
                InstructionField::Serial,
                InstructionField::Amount,
                InstructionField::Account,
            ],
        )?;
        require(
            name,
            "success_fields",
            &self.success_fields,
            &[ResultField::Serial, ResultField::Amount],
        )?;
        require(
            name,
            "failure_fields",
            &self.failure_fields,
            &[
                ResultField::Serial,
                ResultField::Amount,
                ResultField::ResultText,
            ],
        )?;
        require(name, "result_summary", &self.result_summary, &[])?;
        if let Some(field) = self
            .result_summary
            .iter()
            .find(|f| matches!(f, SummaryField::PayerUnit | SummaryField::PayerAccount))
        {
            return Err(invalid(format!(
                "agency profile {name}: result_summary cannot hold {field:?}; it may hold \
                 Date, Count, Sum and BatchId"
            )));
        }
        Ok(())
    }
}

fn invalid(reason: String) -> FormatError {
    FormatError::InvalidOption { reason }
}

/// Checks a list of fields has no field twice and holds every required one.
fn require<F: Copy + PartialEq + fmt::Debug>(
    profile: &str,
    list: &str,
    fields: &[F],
    required: &[F],
) -> Result<(), FormatError> {
    for (i, field) in fields.iter().enumerate() {
        if fields[..i].contains(field) {
            return Err(invalid(format!(
                "agency profile {profile}: {list} lists {field:?} twice"
            )));
        }
    }
    if let Some(missing) = required.iter().find(|f| !fields.contains(f)) {
        return Err(invalid(format!(
            "agency profile {profile}: {list} must hold {missing:?}"
        )));
    }
    Ok(())
}

/// Checks a profile's own text is safe to write.
fn check_text(profile: &str, what: &str, text: &str, delimiter: char) -> Result<(), FormatError> {
    if text.contains(delimiter) || text.contains(['\r', '\n']) {
        return Err(invalid(format!(
            "agency profile {profile}: {what} {text:?} contains the delimiter or a line break"
        )));
    }
    Ok(())
}

fn instruction_label(field: InstructionField) -> &'static str {
    match field {
        InstructionField::Serial => "serial (流水号)",
        InstructionField::Name => "name (户名)",
        InstructionField::Amount => "amount (金额)",
        InstructionField::Account => "account (账号)",
        InstructionField::PayerUnit => "unit code (单位编号)",
        InstructionField::IdType => "ID type (证件类型)",
        InstructionField::IdNumber => "ID number (证件号码)",
        InstructionField::Sequence => "sequence (序号)",
        InstructionField::Purpose => "purpose (用途)",
    }
}

fn result_label(field: ResultField) -> &'static str {
    match field {
        ResultField::Serial => "serial (流水号)",
        ResultField::Name => "name (户名)",
        ResultField::Account => "account (账号)",
        ResultField::Amount => "amount (金额)",
        ResultField::Sequence => "sequence (序号)",
        ResultField::ResultText => "result text (处理结果)",
    }
}

fn summary_label(field: SummaryField) -> &'static str {
    match field {
        SummaryField::Date => "date (日期)",
        SummaryField::PayerUnit => "unit code (单位编号)",
        SummaryField::Count => "count (总笔数)",
        SummaryField::Sum => "sum (总金额)",
        SummaryField::BatchId => "batch id (批次号)",
        SummaryField::PayerAccount => "payer account (付款账号)",
    }
}

fn bank_error(file: &str, line: u64, problem: String) -> FormatError {
    FormatError::BankFile {
        file: file.to_owned(),
        line,
        problem,
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Writes lines into one buffer, encoding only the text that is not ASCII.
struct LineWriter<'p> {
    out: Vec<u8>,
    profile: &'p AgencyProfile,
    delimiter: u8,
    encoder: encoding_rs::Encoder,
    file: &'static str,
}

impl<'p> LineWriter<'p> {
    fn new(profile: &'p AgencyProfile, capacity: usize, file: &'static str) -> Self {
        // `check` has made the delimiter ASCII.
        let delimiter = u8::try_from(u32::from(profile.delimiter)).unwrap_or(b'|');
        LineWriter {
            out: Vec::with_capacity(capacity),
            profile,
            delimiter,
            encoder: GBK.new_encoder(),
            file,
        }
    }

    fn separate(&mut self, index: usize) {
        if index > 0 {
            self.out.push(self.delimiter);
        }
    }

    fn end_line(&mut self) {
        self.out
            .extend_from_slice(self.profile.line_ending.as_bytes());
    }

    /// Writes a text field, refusing the delimiter, line breaks and (for GBK)
    /// characters GBK lacks.
    fn text(&mut self, text: &str, line: u64, field: &str) -> Result<(), FormatError> {
        let bytes = text.as_bytes();
        // The delimiter is ASCII, and UTF-8 never uses ASCII bytes inside a
        // multi-byte character, so a byte search is exact.
        if let Some(&found) = bytes
            .iter()
            .find(|&&b| b == self.delimiter || b == b'\r' || b == b'\n')
        {
            let what = if found == self.delimiter {
                format!("the delimiter {:?}", self.profile.delimiter)
            } else {
                "a line break".to_owned()
            };
            return Err(bank_error(
                self.file,
                line,
                format!("{field} {text:?} contains {what}; a field cannot hold it"),
            ));
        }
        if self.profile.encoding == TextEncoding::Utf8 || text.is_ascii() {
            self.out.extend_from_slice(bytes);
            return Ok(());
        }
        let mut rest = text;
        loop {
            let room = self
                .encoder
                .max_buffer_length_from_utf8_without_replacement(rest.len())
                .unwrap_or(rest.len() * 2);
            self.out.reserve(room);
            let (result, read) =
                self.encoder
                    .encode_from_utf8_to_vec_without_replacement(rest, &mut self.out, true);
            rest = rest.get(read..).unwrap_or_default();
            match result {
                EncoderResult::InputEmpty => return Ok(()),
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(character) => {
                    return Err(bank_error(
                        self.file,
                        line,
                        format!(
                            "{field} {text:?}: the character {character:?} (U+{:04X}) cannot \
                             be written in GBK; use a UTF-8 profile or the name as the bank \
                             has it",
                            u32::from(character)
                        ),
                    ));
                }
            }
        }
    }

    fn number(&mut self, value: u64) {
        push_u64(&mut self.out, value);
    }

    fn amount(&mut self, amount: Amount) {
        // An amount is never negative.
        let fen = amount.to_fen().unsigned_abs();
        match self.profile.amount_format {
            AmountFormat::Fen => push_u64(&mut self.out, fen),
            AmountFormat::Yuan => {
                push_u64(&mut self.out, fen / 100);
                let cents = (fen % 100) as u8;
                self.out
                    .extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
            }
        }
    }

    fn date(&mut self, date: Date, line: u64) -> Result<(), FormatError> {
        let year = date.year();
        if !(1..=9999).contains(&year) {
            return Err(bank_error(
                self.file,
                line,
                format!("the date {date} has no four-digit year"),
            ));
        }
        let year = year as u32;
        let month = u8::from(date.month());
        let day = date.day();
        let digits = |n: u32| b'0' + (n % 10) as u8;
        self.out.extend_from_slice(&[
            digits(year / 1000),
            digits(year / 100),
            digits(year / 10),
            digits(year),
        ]);
        let dashed = self.profile.date_format == DateFormat::Dashed;
        if dashed {
            self.out.push(b'-');
        }
        self.out
            .extend_from_slice(&[b'0' + month / 10, b'0' + month % 10]);
        if dashed {
            self.out.push(b'-');
        }
        self.out
            .extend_from_slice(&[b'0' + day / 10, b'0' + day % 10]);
        Ok(())
    }
}

/// Appends the decimal digits of `value`.
fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Values for a summary line.
struct SummaryValues<'a> {
    date: Date,
    payer_unit: &'a str,
    payer_account: &'a str,
    batch_id: &'a str,
    count: usize,
    sum: Amount,
}

fn write_summary(
    writer: &mut LineWriter<'_>,
    fields: &[SummaryField],
    values: &SummaryValues<'_>,
) -> Result<(), FormatError> {
    for (i, &field) in fields.iter().enumerate() {
        writer.separate(i);
        let label = summary_label(field);
        match field {
            SummaryField::Date => writer.date(values.date, 1)?,
            SummaryField::PayerUnit => writer.text(values.payer_unit, 1, label)?,
            SummaryField::PayerAccount => writer.text(values.payer_account, 1, label)?,
            SummaryField::BatchId => writer.text(values.batch_id, 1, label)?,
            SummaryField::Count => writer.number(values.count as u64),
            SummaryField::Sum => writer.amount(values.sum),
        }
    }
    writer.end_line();
    Ok(())
}

/// Writes a batch's agency-payment instruction file in `profile`'s layout, named
/// `<batch id>.txt`.
///
/// Line 1 is the summary (date = the requested execution date, the payer's unit
/// code, the count, the control sum); line `i + 2` is instruction `i`. A text that
/// holds the delimiter or a line break, or (GBK) a character GBK lacks, is an error
/// naming the line, the field and the value: nothing is ever replaced silently. A
/// control sum that is not the sum of the lines is an error too, since the bank
/// would refuse the file.
pub fn write_agency_file(
    batch: &PaymentBatch,
    profile: &AgencyProfile,
) -> Result<BankFile, FormatError> {
    let mut bytes = Vec::new();
    let written = write_agency_file_to(batch, profile, &mut bytes)?;
    Ok(written.with_bytes(bytes))
}

/// [`write_agency_file`] straight to `sink` (a file, a socket), in chunks, hashing
/// as it goes: memory stays small whatever the batch's size. On an error, what
/// `sink` received so far is not a valid file: discard it.
pub fn write_agency_file_to(
    batch: &PaymentBatch,
    profile: &AgencyProfile,
    sink: &mut dyn std::io::Write,
) -> Result<WrittenFile, FormatError> {
    profile.check()?;
    let file = INSTRUCTION_FILE;
    // The bank refuses a file whose summary disagrees with its lines: check first.
    let total: u64 = batch
        .instructions
        .iter()
        .map(|instruction| instruction.amount.to_fen().unsigned_abs())
        .sum();
    let control = batch.control_sum.to_fen().unsigned_abs();
    if total != control {
        return Err(bank_error(
            file,
            1,
            format!(
                "batch {}: the control sum {} is not the sum of its {} lines ({}.{:02}); \
                 the bank would refuse the file",
                batch.id,
                batch.control_sum,
                batch.instructions.len(),
                total / 100,
                total % 100
            ),
        ));
    }
    let mut digesting = Digesting::new(sink);
    let mut writer = LineWriter::new(profile, CHUNK_CAPACITY, file);
    write_summary(
        &mut writer,
        &profile.summary,
        &SummaryValues {
            date: batch.requested_execution_date,
            payer_unit: &batch.payer.unit_code,
            payer_account: &batch.payer.account,
            batch_id: &batch.id,
            count: batch.instructions.len(),
            sum: batch.control_sum,
        },
    )?;
    for (index, instruction) in batch.instructions.iter().enumerate() {
        let line = index as u64 + 2;
        for (i, &field) in profile.fields.iter().enumerate() {
            writer.separate(i);
            let label = instruction_label(field);
            match field {
                InstructionField::Serial => {
                    instruction.instruction_id().write_to(&mut writer.out);
                }
                InstructionField::Name => {
                    writer.text(&instruction.account.holder_name, line, label)?;
                }
                InstructionField::Amount => writer.amount(instruction.amount),
                InstructionField::Account => {
                    writer.text(instruction.account.number.as_str(), line, label)?;
                }
                InstructionField::PayerUnit => writer.text(&batch.payer.unit_code, line, label)?,
                InstructionField::IdType => writer.text(&profile.id_type, line, label)?,
                InstructionField::IdNumber => {
                    writer.text(instruction.payee.as_str(), line, label)?;
                }
                InstructionField::Sequence => {
                    writer.number(u64::from(instruction.account_sequence));
                }
                InstructionField::Purpose => writer.text(&instruction.purpose, line, label)?,
            }
        }
        writer.end_line();
        digesting.pass_full(&mut writer.out)?;
    }
    digesting.finish(
        &mut writer.out,
        format!("{}.txt", batch.id),
        batch.instructions.len(),
    )
}

/// Whether a failure file's result text says the credit was returned after payment.
fn is_return_text(text: &str) -> bool {
    text.contains("退票") || text.contains("退汇")
}

/// One line of a success or failure file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyResultLine {
    /// The serial echoed back.
    pub reference: InstructionId,
    /// The account holder's name.
    pub name: String,
    /// The account number.
    pub account: String,
    /// The amount.
    pub amount: Amount,
    /// The per-account sequence number.
    pub sequence: u32,
    /// The result text (e.g. 已销户); `None` writes an empty field.
    pub text: Option<String>,
}

/// Writes a success file and a failure file (the bank's side, for the simulator),
/// each starting with the profile's result summary (if any) dated `date`.
///
/// A result summary with `batch_id` cannot be written here (there is no batch id to
/// write); such a profile is an [`FormatError::InvalidOption`].
pub fn write_agency_results(
    success: &[AgencyResultLine],
    failure: &[AgencyResultLine],
    profile: &AgencyProfile,
    date: Date,
) -> Result<(Vec<u8>, Vec<u8>), FormatError> {
    profile.check()?;
    if profile.result_summary.contains(&SummaryField::BatchId) {
        return Err(invalid(format!(
            "agency profile {}: result files with a batch id in their summary cannot be written",
            profile.name
        )));
    }
    let success_bytes = write_results(
        success,
        &profile.success_fields,
        profile,
        date,
        SUCCESS_FILE,
    )?;
    let failure_bytes = write_results(
        failure,
        &profile.failure_fields,
        profile,
        date,
        FAILURE_FILE,
    )?;
    Ok((success_bytes, failure_bytes))
}

fn write_results(
    lines: &[AgencyResultLine],
    fields: &[ResultField],
    profile: &AgencyProfile,
    date: Date,
    file: &'static str,
) -> Result<Vec<u8>, FormatError> {
    let mut writer = LineWriter::new(profile, 64 + 100 * lines.len(), file);
    let has_summary = !profile.result_summary.is_empty();
    if has_summary {
        let sum = Amount::checked_sum(lines.iter().map(|line| line.amount))
            .map_err(|error| bank_error(file, 1, format!("the sum of the amounts: {error}")))?;
        write_summary(
            &mut writer,
            &profile.result_summary,
            &SummaryValues {
                date,
                payer_unit: "",
                payer_account: "",
                batch_id: "",
                count: lines.len(),
                sum,
            },
        )?;
    }
    let first = if has_summary { 2 } else { 1 };
    for (index, result) in lines.iter().enumerate() {
        let line = index as u64 + first;
        for (i, &field) in fields.iter().enumerate() {
            writer.separate(i);
            let label = result_label(field);
            match field {
                ResultField::Serial => result.reference.write_to(&mut writer.out),
                ResultField::Name => writer.text(&result.name, line, label)?,
                ResultField::Account => writer.text(&result.account, line, label)?,
                ResultField::Amount => writer.amount(result.amount),
                ResultField::Sequence => writer.number(u64::from(result.sequence)),
                ResultField::ResultText => {
                    writer.text(result.text.as_deref().unwrap_or_default(), line, label)?;
                }
            }
        }
        writer.end_line();
    }
    Ok(writer.out)
}

// ---------------------------------------------------------------------------
// Reading

/// An agency-payment instruction file as the bank reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyFile {
    /// The summary's date.
    pub date: Date,
    /// The summary's payer unit code; empty when the layout has none.
    pub payer_unit: String,
    /// The summary's batch id, when the layout has one.
    pub batch_id: Option<String>,
    /// The summary's payer account, when the layout has one.
    pub payer_account: Option<String>,
    /// The summary's count (equal to the number of lines).
    pub count: u64,
    /// The summary's sum (equal to the sum of the lines).
    pub sum: Amount,
    /// The detail lines, in file order.
    pub lines: Vec<AgencyLine>,
}

/// One detail line of an instruction file. Fields the layout lacks are empty or `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyLine {
    /// The one-based line number in the file (the summary is line 1).
    pub line: u64,
    /// The serial.
    pub reference: InstructionId,
    /// The account holder's name.
    pub name: String,
    /// The amount.
    pub amount: Amount,
    /// The account number.
    pub account: String,
    /// The payee's ID number.
    pub id_number: String,
    /// The per-account sequence number.
    pub sequence: Option<u32>,
    /// The purpose.
    pub purpose: Option<String>,
}

/// Decodes a bank file in the profile's encoding.
fn decode_bank<'b>(
    bytes: &'b [u8],
    profile: &AgencyProfile,
    file: &str,
) -> Result<Cow<'b, str>, FormatError> {
    let choice = match profile.encoding {
        TextEncoding::Utf8 => InputEncoding::Utf8,
        TextEncoding::Gbk => InputEncoding::Gbk,
    };
    decode(bytes, choice)
        .map(|(text, _)| text)
        .map_err(|error| match error {
            FormatError::BadEncoding { offset, line, .. } => bank_error(
                file,
                line,
                format!(
                    "the byte at offset {offset} is not valid {} text; the profile {} says \
                     the file is {}",
                    profile.encoding, profile.name, profile.encoding
                ),
            ),
            other => other,
        })
}

/// The lines of a text with their one-based numbers, without line endings; blank
/// lines at the end are dropped.
fn numbered_lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    let body = text.trim_end_matches(['\r', '\n']);
    body.split('\n')
        .filter(move |_| !body.is_empty())
        .enumerate()
        .map(|(i, line)| (i as u64 + 1, line.strip_suffix('\r').unwrap_or(line)))
}

/// Splits a line into exactly `expected` fields.
fn split_line<'t>(
    cells: &mut Vec<&'t str>,
    text: &'t str,
    delimiter: char,
    expected: usize,
    file: &str,
    line: u64,
) -> Result<(), FormatError> {
    cells.clear();
    cells.extend(text.split(delimiter));
    if cells.len() != expected {
        return Err(bank_error(
            file,
            line,
            format!(
                "{} fields separated by {delimiter:?}, but the layout has {expected}: {text:?}",
                cells.len()
            ),
        ));
    }
    Ok(())
}

fn parse_amount(text: &str, format: AmountFormat) -> Option<Amount> {
    let text = text.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let fen: i64 = match format {
        AmountFormat::Fen => {
            if !digits(text) || text.len() > 15 {
                return None;
            }
            text.parse().ok()?
        }
        AmountFormat::Yuan => {
            let (whole, cents) = text.split_once('.')?;
            if !digits(whole) || whole.len() > 13 || cents.len() != 2 || !digits(cents) {
                return None;
            }
            whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?
        }
    };
    Amount::from_fen(fen).ok()
}

fn amount_rule(format: AmountFormat) -> &'static str {
    match format {
        AmountFormat::Yuan => "an amount in yuan with exactly two decimals, e.g. 120.00",
        AmountFormat::Fen => "an amount in whole fen, e.g. 12000",
    }
}

fn parse_date(text: &str, format: DateFormat) -> Option<Date> {
    let text = text.trim();
    let b = text.as_bytes();
    let (y, m, d) = match format {
        DateFormat::Compact if b.len() == 8 => (&text[..4], &text[4..6], &text[6..]),
        DateFormat::Dashed if b.len() == 10 && b[4] == b'-' && b[7] == b'-' => {
            (&text[..4], &text[5..7], &text[8..])
        }
        _ => return None,
    };
    let all_digits = [y, m, d]
        .iter()
        .all(|part| part.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_sequence(text: &str) -> Option<u32> {
    parse_count(text)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
}

/// A summary line as read.
#[derive(Default)]
struct Summary {
    date: Option<Date>,
    payer_unit: Option<String>,
    payer_account: Option<String>,
    batch_id: Option<String>,
    count: Option<u64>,
    sum: Option<Amount>,
}

fn read_summary(
    cells: &[&str],
    fields: &[SummaryField],
    profile: &AgencyProfile,
    file: &str,
    line: u64,
) -> Result<Summary, FormatError> {
    let mut summary = Summary::default();
    for (&field, &cell) in fields.iter().zip(cells) {
        let label = summary_label(field);
        let bad = |rule: &str| {
            bank_error(
                file,
                line,
                format!("summary {label} {cell:?} is not {rule}"),
            )
        };
        match field {
            SummaryField::Date => {
                let rule = match profile.date_format {
                    DateFormat::Compact => "a date written YYYYMMDD, e.g. 20261126",
                    DateFormat::Dashed => "a date written YYYY-MM-DD, e.g. 2026-11-26",
                };
                summary.date =
                    Some(parse_date(cell, profile.date_format).ok_or_else(|| bad(rule))?);
            }
            SummaryField::Count => {
                summary.count =
                    Some(parse_count(cell).ok_or_else(|| bad("a count of lines (digits only)"))?);
            }
            SummaryField::Sum => {
                summary.sum = Some(
                    parse_amount(cell, profile.amount_format)
                        .ok_or_else(|| bad(amount_rule(profile.amount_format)))?,
                );
            }
            SummaryField::PayerUnit => summary.payer_unit = Some(cell.trim().to_owned()),
            SummaryField::PayerAccount => summary.payer_account = Some(cell.trim().to_owned()),
            SummaryField::BatchId => summary.batch_id = Some(cell.trim().to_owned()),
        }
    }
    Ok(summary)
}

/// Checks the summary's count and sum against what the lines hold.
fn check_totals(
    summary: &Summary,
    count: u64,
    fen: u64,
    profile: &AgencyProfile,
    file: &str,
) -> Result<(), FormatError> {
    if let Some(stated) = summary.count {
        if stated != count {
            return Err(bank_error(
                file,
                1,
                format!(
                    "the summary count is {stated} but the file has {count} detail lines; \
                     the file is refused whole"
                ),
            ));
        }
    }
    if let Some(stated) = summary.sum {
        if stated.to_fen().unsigned_abs() != fen {
            let actual = match profile.amount_format {
                AmountFormat::Yuan => format!("{}.{:02}", fen / 100, fen % 100),
                AmountFormat::Fen => fen.to_string(),
            };
            return Err(bank_error(
                file,
                1,
                format!(
                    "the summary sum is {} but the lines add up to {actual}; the file is \
                     refused whole",
                    format_amount(stated, profile.amount_format),
                ),
            ));
        }
    }
    Ok(())
}

fn format_amount(amount: Amount, format: AmountFormat) -> String {
    match format {
        AmountFormat::Yuan => amount.to_string(),
        AmountFormat::Fen => amount.to_fen().to_string(),
    }
}

/// Reads an agency-payment instruction file (the bank's side, for the agent-bank
/// simulator), refusing the whole file on the first line that breaks the layout:
/// the wrong number of fields, a bad serial, amount, date, count or sequence, an ID
/// type or unit code that differs from the profile's or the summary's, a serial
/// repeated (the same payment twice), a per-account sequence number that is not one
/// more than the previous one for that account in the file (the first one for an
/// account may be any positive number), or a summary count or sum that disagrees
/// with the lines.
pub fn read_agency_file(bytes: &[u8], profile: &AgencyProfile) -> Result<AgencyFile, FormatError> {
    profile.check()?;
    let file = INSTRUCTION_FILE;
    let text = decode_bank(bytes, profile, file)?;
    let mut lines = numbered_lines(&text);
    let mut cells = Vec::with_capacity(profile.fields.len().max(profile.summary.len()));
    let Some((number, first)) = lines.next() else {
        return Err(bank_error(
            file,
            0,
            "the file is empty: it has no summary line".to_owned(),
        ));
    };
    split_line(
        &mut cells,
        first,
        profile.delimiter,
        profile.summary.len(),
        file,
        number,
    )?;
    let summary = read_summary(&cells, &profile.summary, profile, file, number)?;

    let mut out = Vec::new();
    let mut seen: HashMap<PaymentId, u64> = HashMap::new();
    // Per account: the last sequence number and its line.
    let mut sequences: HashMap<String, (u32, u64)> = HashMap::new();
    let mut fen: u64 = 0;
    for (line, text) in lines {
        split_line(
            &mut cells,
            text,
            profile.delimiter,
            profile.fields.len(),
            file,
            line,
        )?;
        let mut reference = None;
        let mut amount = Amount::ZERO;
        let mut parsed = AgencyLine {
            line,
            reference: PaymentId::from_bytes([0; 16]).instruction_id(1),
            name: String::new(),
            amount: Amount::ZERO,
            account: String::new(),
            id_number: String::new(),
            sequence: None,
            purpose: None,
        };
        for (&field, &cell) in profile.fields.iter().zip(&cells) {
            let label = instruction_label(field);
            let bad = |rule: &str| bank_error(file, line, format!("{label} {cell:?} {rule}"));
            match field {
                InstructionField::Serial => {
                    let id = InstructionId::parse(cell)
                        .map_err(|error| bad(&format!("is not an agency serial: {error}")))?;
                    if let Some(earlier) = seen.insert(id.payment_id, line) {
                        return Err(bad(&format!(
                            "repeats the payment of line {earlier}; a repeated line is refused"
                        )));
                    }
                    reference = Some(id);
                }
                InstructionField::Name => parsed.name = cell.to_owned(),
                InstructionField::Amount => {
                    amount = parse_amount(cell, profile.amount_format).ok_or_else(|| {
                        bad(&format!("is not {}", amount_rule(profile.amount_format)))
                    })?;
                }
                InstructionField::Account => {
                    let account = cell.trim();
                    if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad("is not an account number (digits only)"));
                    }
                    parsed.account = account.to_owned();
                }
                InstructionField::PayerUnit => {
                    if let Some(unit) = &summary.payer_unit {
                        if cell.trim() != unit {
                            return Err(bad(&format!(
                                "differs from the summary's unit code {unit:?}"
                            )));
                        }
                    }
                }
                InstructionField::IdType => {
                    if cell.trim() != profile.id_type {
                        return Err(bad(&format!(
                            "is not the ID type {:?} of a resident ID",
                            profile.id_type
                        )));
                    }
                }
                InstructionField::IdNumber => parsed.id_number = cell.trim().to_owned(),
                InstructionField::Sequence => {
                    parsed.sequence = Some(parse_sequence(cell).ok_or_else(|| {
                        bad("is not a sequence number (a positive whole number)")
                    })?);
                }
                InstructionField::Purpose => parsed.purpose = Some(cell.to_owned()),
            }
        }
        if let Some(sequence) = parsed.sequence {
            match sequences.get_mut(parsed.account.as_str()) {
                Some((last, last_line)) => {
                    if Some(sequence) != last.checked_add(1) {
                        return Err(bank_error(
                            file,
                            line,
                            format!(
                                "sequence (序号) {sequence} of account {} is not one more than \
                                 {last} on line {last_line}; a repeated or skipped line is refused",
                                parsed.account
                            ),
                        ));
                    }
                    *last = sequence;
                    *last_line = line;
                }
                None => {
                    sequences.insert(parsed.account.clone(), (sequence, line));
                }
            }
        }
        // `check` makes serial a required field.
        parsed.reference =
            reference.ok_or_else(|| bank_error(file, line, "the line has no serial".to_owned()))?;
        parsed.amount = amount;
        fen = fen.saturating_add(amount.to_fen().unsigned_abs());
        out.push(parsed);
    }
    check_totals(&summary, out.len() as u64, fen, profile, file)?;
    Ok(AgencyFile {
        // `check` makes date, count and sum required fields of the summary.
        date: summary
            .date
            .ok_or_else(|| bank_error(file, 1, "the summary has no date".to_owned()))?,
        payer_unit: summary.payer_unit.unwrap_or_default(),
        batch_id: summary.batch_id,
        payer_account: summary.payer_account,
        count: summary.count.unwrap_or(out.len() as u64),
        sum: summary.sum.unwrap_or(Amount::ZERO),
        lines: out,
    })
}

/// Reads a success file and a failure file into one [`BankReturn`] (our side).
///
/// Success lines are [`ResultStatus::Settled`], failure lines
/// [`ResultStatus::Failed`] with the reason read from the result text. Each
/// [`BankResult::line`] is the line in its own file: success results come first,
/// then failure results. Either file may be empty (no bytes, or a summary with count
/// 0). The return is `complete` (lines the pair does not mention are missing), its
/// SHA-256 is that of the success bytes followed by the failure bytes, and its batch
/// id is the summary's, when the layout has one. A malformed line, a serial that is
/// not an instruction id, or a summary that disagrees with its lines refuses both
/// files, naming which.
pub fn read_agency_results(
    success: &[u8],
    failure: &[u8],
    profile: &AgencyProfile,
    source: &str,
) -> Result<BankReturn, FormatError> {
    profile.check()?;
    let mut results = Vec::new();
    let success_batch = read_results(success, profile, true, &mut results)?;
    let failure_batch = read_results(failure, profile, false, &mut results)?;
    let batch_id = match (success_batch, failure_batch) {
        (Some(a), Some(b)) if a != b => {
            return Err(bank_error(
                FAILURE_FILE,
                1,
                format!("the batch id {b:?} differs from the success file's {a:?}"),
            ));
        }
        (a, b) => a.or(b),
    };
    let mut both = Vec::with_capacity(success.len() + failure.len());
    both.extend_from_slice(success);
    both.extend_from_slice(failure);
    Ok(BankReturn {
        source: source.to_owned(),
        sha256: sha256_hex(&both),
        batch_id,
        complete: true,
        rejected: None,
        results,
    })
}

/// Reads one result file into `results`, returning its summary's batch id.
fn read_results(
    bytes: &[u8],
    profile: &AgencyProfile,
    settled: bool,
    results: &mut Vec<BankResult>,
) -> Result<Option<String>, FormatError> {
    let (file, fields) = if settled {
        (SUCCESS_FILE, &profile.success_fields)
    } else {
        (FAILURE_FILE, &profile.failure_fields)
    };
    let text = decode_bank(bytes, profile, file)?;
    let mut lines = numbered_lines(&text).peekable();
    if lines.peek().is_none() {
        return Ok(None);
    }
    let mut cells = Vec::with_capacity(fields.len().max(profile.result_summary.len()));
    let mut summary = Summary::default();
    if !profile.result_summary.is_empty() {
        if let Some((number, first)) = lines.next() {
            split_line(
                &mut cells,
                first,
                profile.delimiter,
                profile.result_summary.len(),
                file,
                number,
            )?;
            summary = read_summary(&cells, &profile.result_summary, profile, file, number)?;
        }
    }
    let start = results.len();
    let mut fen: u64 = 0;
    for (line, text) in lines {
        split_line(
            &mut cells,
            text,
            profile.delimiter,
            fields.len(),
            file,
            line,
        )?;
        let mut reference = None;
        let mut amount = None;
        let mut name = None;
        let mut account = None;
        let mut result_text = String::new();
        for (&field, &cell) in fields.iter().zip(&cells) {
            let label = result_label(field);
            let bad = |rule: String| bank_error(file, line, format!("{label} {cell:?} {rule}"));
            match field {
                ResultField::Serial => {
                    reference = Some(
                        InstructionId::parse(cell)
                            .map_err(|error| bad(format!("is not an agency serial: {error}")))?,
                    );
                }
                ResultField::Amount => {
                    amount = Some(parse_amount(cell, profile.amount_format).ok_or_else(|| {
                        bad(format!("is not {}", amount_rule(profile.amount_format)))
                    })?);
                }
                ResultField::Name => name = Some(CompactString::from(cell)),
                ResultField::Account => account = Some(CompactString::from(cell.trim())),
                ResultField::Sequence => {
                    parse_sequence(cell).ok_or_else(|| {
                        bad("is not a sequence number (a positive whole number)".to_owned())
                    })?;
                }
                ResultField::ResultText => result_text = cell.to_owned(),
            }
        }
        // `check` makes serial and amount required fields.
        let (Some(reference), Some(stated)) = (reference, amount) else {
            return Err(bank_error(
                file,
                line,
                "the line has no serial or amount".to_owned(),
            ));
        };
        fen = fen.saturating_add(stated.to_fen().unsigned_abs());
        let status = if settled {
            ResultStatus::Settled
        } else if is_return_text(&result_text) {
            // A credit returned after payment (退票/退汇) comes back in a failure file.
            ResultStatus::Returned {
                reason: FailureReason::from_text(&result_text),
            }
        } else {
            ResultStatus::Failed {
                reason: FailureReason::from_text(&result_text),
            }
        };
        results.push(BankResult {
            line,
            reference,
            status,
            amount: Some(stated),
            name,
            account,
        });
    }
    let count = (results.len() - start) as u64;
    check_totals(&summary, count, fen, profile, file)?;
    Ok(summary.batch_id.filter(|id| !id.is_empty()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;
    use time::macros::date;
    use yikatong_core::{FailureKind, PaymentInstruction};

    use super::*;
    use yikatong_testkit::payments::{sample_batch, sample_instruction};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// One instruction; `n` makes the payment id distinct.
    fn instruction(
        n: u32,
        name: &str,
        amount: &str,
        account: &str,
        sequence: u32,
    ) -> Result<PaymentInstruction, Box<dyn std::error::Error>> {
        Ok(sample_instruction(n, name, amount, account, sequence)?)
    }

    fn batch(
        instructions: Vec<PaymentInstruction>,
    ) -> Result<PaymentBatch, Box<dyn std::error::Error>> {
        Ok(sample_batch(instructions)?)
    }

    fn three() -> Result<PaymentBatch, Box<dyn std::error::Error>> {
        batch(vec![
            instruction(1, "张三", "120.00", "622848000000000001", 5)?,
            instruction(2, "巴特尔", "200.50", "622848000000000002", 1)?,
            instruction(3, "张三", "39.50", "622848000000000001", 6)?,
        ])
    }

    fn utf8() -> AgencyProfile {
        AgencyProfile {
            encoding: TextEncoding::Utf8,
            ..AgencyProfile::common()
        }
    }

    fn gbk(text: &str) -> Vec<u8> {
        GBK.encode(text).0.into_owned()
    }

    /// The message of a bank-file error, checking its file and line.
    fn refused<T: fmt::Debug>(
        result: Result<T, FormatError>,
        file: &str,
        line: u64,
    ) -> Result<String, Box<dyn std::error::Error>> {
        match result {
            Err(FormatError::BankFile {
                file: f,
                line: l,
                problem,
            }) if f == file && l == line => Ok(problem),
            other => Err(format!("expected {file} line {line} refused, got {other:?}").into()),
        }
    }

    #[test]
    fn common_layout_round_trips_in_gbk() -> TestResult {
        let batch = three()?;
        let profile = AgencyProfile::common();
        let file = write_agency_file(&batch, &profile)?;
        assert_eq!(file.file_name, "GLJT-2026-11-150422-NXS-01.txt");
        assert_eq!(file.lines, 3);
        assert_eq!(file.sha256, sha256_hex(&file.bytes));
        let (text, _, bad) = GBK.decode(&file.bytes);
        assert!(!bad);
        let id = batch.instructions[0].instruction_id();
        assert!(text.starts_with(&format!(
            "20261126|U150422|3|360.00\r\n{id}|张三|120.00|622848000000000001|U150422|01|\
             11010519491231002X|5\r\n"
        )));
        // GBK, not UTF-8: 张 is two bytes.
        assert!(std::str::from_utf8(&file.bytes).is_err());

        let read = read_agency_file(&file.bytes, &profile)?;
        assert_eq!(read.date, date!(2026 - 11 - 26));
        assert_eq!(read.payer_unit, "U150422");
        assert_eq!((read.count, read.sum), (3, Amount::parse("360.00")?));
        let lines: Vec<_> = read
            .lines
            .iter()
            .map(|l| (l.line, l.reference, l.name.as_str(), l.amount, l.sequence))
            .collect();
        assert_eq!(
            lines,
            [
                (2, id, "张三", Amount::parse("120.00")?, Some(5)),
                (
                    3,
                    batch.instructions[1].instruction_id(),
                    "巴特尔",
                    Amount::parse("200.50")?,
                    Some(1)
                ),
                (
                    4,
                    batch.instructions[2].instruction_id(),
                    "张三",
                    Amount::parse("39.50")?,
                    Some(6)
                ),
            ]
        );
        assert_eq!(read.lines[0].id_number, "11010519491231002X");
        assert_eq!(read.lines[0].account, "622848000000000001");
        assert_eq!(read.lines[0].purpose, None);
        Ok(())
    }

    #[test]
    fn utf8_layout_round_trips() -> TestResult {
        let batch = three()?;
        let file = write_agency_file(&batch, &utf8())?;
        let text = std::str::from_utf8(&file.bytes)?;
        assert!(text.contains("|巴特尔|200.50|"));
        let read = read_agency_file(&file.bytes, &utf8())?;
        assert_eq!(read.lines.len(), 3);
        assert_eq!(read.lines[1].name, "巴特尔");
        // The GBK profile refuses UTF-8 bytes that are not GBK, naming the line.
        let error = read_agency_file(
            "20261126|U|1|1.00\r\n\u{1820}".as_bytes(),
            &AgencyProfile::common(),
        );
        refused(error, INSTRUCTION_FILE, 2)?;
        // And the UTF-8 profile refuses GBK bytes.
        let error = read_agency_file(&gbk("20261126|U|1|1.00\r\n张"), &utf8());
        refused(error, INSTRUCTION_FILE, 2)?;
        Ok(())
    }

    #[test]
    fn custom_layout_from_json_in_fen_with_dashed_dates() -> TestResult {
        let profile = AgencyProfile::from_json(
            r#"{
                "name": "某农商行",
                "encoding": "utf8",
                "delimiter": ",",
                "line_ending": "\n",
                "summary": ["batch_id", "count", "sum", "date"],
                "fields": ["sequence", "account", "name", "amount", "serial", "purpose"],
                "date_format": "dashed",
                "amount_format": "fen"
            }"#,
        )?;
        let batch = three()?;
        let file = write_agency_file(&batch, &profile)?;
        let text = std::str::from_utf8(&file.bytes)?;
        let id = batch.instructions[1].instruction_id();
        assert!(text.starts_with(
            "GLJT-2026-11-150422-NXS-01,3,36000,2026-11-26\n5,622848000000000001,张三,12000,"
        ));
        assert!(text.contains(&format!(
            "\n1,622848000000000002,巴特尔,20050,{id},2026年11月高龄津贴\n"
        )));
        let read = read_agency_file(&file.bytes, &profile)?;
        assert_eq!(read.batch_id.as_deref(), Some("GLJT-2026-11-150422-NXS-01"));
        assert_eq!(read.payer_unit, "");
        assert_eq!(read.sum, Amount::parse("360.00")?);
        assert_eq!(read.lines[1].amount, Amount::parse("200.50")?);
        assert_eq!(read.lines[1].reference, id);
        assert_eq!(read.lines[1].purpose.as_deref(), Some("2026年11月高龄津贴"));
        assert_eq!(read.lines[1].id_number, "");
        Ok(())
    }

    #[test]
    fn bad_profiles_are_refused_with_the_reason() -> TestResult {
        // Defaults are the common layout, and a profile survives JSON.
        let common = AgencyProfile::common();
        assert_eq!(AgencyProfile::from_json(r#"{"name": "common"}"#)?, common);
        assert_eq!(
            AgencyProfile::from_json(&serde_json::to_string(&common)?)?,
            common
        );
        let cases = [
            (r#"{"name": "x", "colour": "red"}"#, "colour"),
            (r#"{"name": "x", "delimiter": "."}"#, "delimiter"),
            (
                r#"{"name": "x", "fields": ["name", "amount", "account"]}"#,
                "Serial",
            ),
            (
                r#"{"name": "x", "fields": ["serial", "serial", "amount", "account"]}"#,
                "twice",
            ),
            (r#"{"name": "x", "encoding": "utf16"}"#, "encoding"),
            (r#"{"name": "x", "amount_format": "jiao"}"#, "amount_format"),
            (r#"{"name": "x", "line_ending": "\r"}"#, "line ending"),
        ];
        for (json, needle) in cases {
            match AgencyProfile::from_json(json) {
                Err(FormatError::InvalidOption { reason }) => {
                    assert!(reason.contains(needle), "{json}: {reason}");
                }
                other => return Err(format!("{json}: {other:?}").into()),
            }
        }
        Ok(())
    }

    #[test]
    fn large_files_stream_in_chunks_with_the_same_bytes_and_hash() -> TestResult {
        // 3,000 lines are more than two chunks of 128 KiB.
        let lines = (1..=3_000)
            .map(|n| instruction(n, "张三", "1.00", &format!("6228480000{n:08}"), 1))
            .collect::<Result<Vec<_>, _>>()?;
        let batch = batch(lines)?;
        let file = write_agency_file(&batch, &AgencyProfile::common())?;
        assert!(file.bytes.len() > 2 << 17, "{} bytes", file.bytes.len());
        assert_eq!(file.sha256, sha256_hex(&file.bytes));
        let mut streamed = Vec::new();
        let written = write_agency_file_to(&batch, &AgencyProfile::common(), &mut streamed)?;
        assert_eq!(streamed, file.bytes);
        assert_eq!(
            (written.sha256, written.size),
            (file.sha256, streamed.len() as u64)
        );
        assert_eq!(
            read_agency_file(&file.bytes, &AgencyProfile::common())?
                .lines
                .len(),
            3_000
        );
        Ok(())
    }

    #[test]
    fn texts_that_cannot_be_written_name_line_field_and_value() -> TestResult {
        let mut batch = three()?;
        batch.instructions[1].account.holder_name = "巴特|尔".into();
        let problem = refused(
            write_agency_file(&batch, &AgencyProfile::common()),
            INSTRUCTION_FILE,
            3,
        )?;
        assert!(
            problem.contains("name") && problem.contains("巴特|尔"),
            "{problem}"
        );

        let mut batch = three()?;
        batch.instructions[2].account.holder_name = "ᠮᠣᠩᠭᠣᠯ".into();
        let problem = refused(
            write_agency_file(&batch, &AgencyProfile::common()),
            INSTRUCTION_FILE,
            4,
        )?;
        assert!(
            problem.contains("GBK") && problem.contains("ᠮᠣᠩᠭᠣᠯ"),
            "{problem}"
        );
        // The same name is fine in UTF-8.
        write_agency_file(&batch, &utf8())?;

        let mut batch = three()?;
        batch.instructions[0].purpose = Arc::from("津贴\r\n补发");
        let profile = AgencyProfile {
            fields: vec![
                InstructionField::Serial,
                InstructionField::Amount,
                InstructionField::Account,
                InstructionField::Purpose,
            ],
            ..AgencyProfile::common()
        };
        let problem = refused(write_agency_file(&batch, &profile), INSTRUCTION_FILE, 2)?;
        assert!(
            problem.contains("line break") && problem.contains("purpose"),
            "{problem}"
        );

        let mut batch = three()?;
        batch.control_sum = Amount::parse("360.01")?;
        let problem = refused(
            write_agency_file(&batch, &AgencyProfile::common()),
            INSTRUCTION_FILE,
            1,
        )?;
        assert!(
            problem.contains("360.01") && problem.contains("360.00"),
            "{problem}"
        );
        Ok(())
    }

    /// The common file of `three()`, as UTF-8 text, for editing in tests.
    fn three_text() -> Result<String, Box<dyn std::error::Error>> {
        let file = write_agency_file(&three()?, &utf8())?;
        Ok(String::from_utf8(file.bytes)?)
    }

    /// Reads `text` edited by `edit` on `line` (one-based) with the UTF-8 profile.
    fn read_edited(
        line: usize,
        edit: impl Fn(&str) -> String,
    ) -> Result<Result<AgencyFile, FormatError>, Box<dyn std::error::Error>> {
        let text = three_text()?;
        let lines: Vec<String> = text
            .split("\r\n")
            .enumerate()
            .map(|(i, l)| if i + 1 == line { edit(l) } else { l.to_owned() })
            .collect();
        Ok(read_agency_file(lines.join("\r\n").as_bytes(), &utf8()))
    }

    fn replace_field(line: &str, index: usize, value: &str) -> String {
        let mut cells: Vec<&str> = line.split('|').collect();
        if let Some(cell) = cells.get_mut(index) {
            *cell = value;
        }
        cells.join("|")
    }

    /// An edit of one line of a file.
    type Edit = Box<dyn Fn(&str) -> String>;

    #[test]
    fn broken_instruction_files_are_refused_whole() -> TestResult {
        let cases: Vec<(usize, Edit, &str)> = vec![
            (3, Box::new(|l| format!("{l}|extra")), "9 fields"),
            (3, Box::new(|l| replace_field(l, 2, "200.5")), "\"200.5\""),
            (4, Box::new(|l| replace_field(l, 2, "-1.00")), "\"-1.00\""),
            (
                2,
                Box::new(|l| replace_field(l, 0, "NOT-A-SERIAL")),
                "\"NOT-A-SERIAL\"",
            ),
            (
                2,
                Box::new(|l| replace_field(l, 7, "0")),
                "sequence (序号) \"0\"",
            ),
            (3, Box::new(|l| replace_field(l, 7, "x1")), "\"x1\""),
            // Account ...001 has 5 on line 2, so line 4 must be 6.
            (
                4,
                Box::new(|l| replace_field(l, 7, "7")),
                "not one more than 5 on line 2",
            ),
            (
                4,
                Box::new(|l| replace_field(l, 7, "5")),
                "not one more than 5 on line 2",
            ),
            (3, Box::new(|l| replace_field(l, 5, "02")), "\"02\""),
            (3, Box::new(|l| replace_field(l, 4, "OTHER")), "\"OTHER\""),
            (
                1,
                Box::new(|l| replace_field(l, 0, "2026-11-26")),
                "\"2026-11-26\"",
            ),
            (1, Box::new(|l| replace_field(l, 2, "4")), "count is 4"),
            (1, Box::new(|l| replace_field(l, 2, "2")), "count is 2"),
            (1, Box::new(|l| replace_field(l, 3, "360.01")), "360.01"),
            (1, Box::new(|l| replace_field(l, 3, "359.99")), "359.99"),
        ];
        for (line, edit, needle) in cases {
            let problem = refused(read_edited(line, edit)?, INSTRUCTION_FILE, line as u64)?;
            assert!(problem.contains(needle), "line {line}: {problem}");
        }
        // A repeated line (same serial): refused at the repeat, naming the first.
        let text = three_text()?;
        let second = text.split("\r\n").nth(1).ok_or("no line")?;
        let repeated = format!("{}{second}\r\n", text.replace("|3|360.00", "|4|480.00"));
        let problem = refused(
            read_agency_file(repeated.as_bytes(), &utf8()),
            INSTRUCTION_FILE,
            5,
        )?;
        assert!(problem.contains("line 2"), "{problem}");
        // An empty file has no summary.
        refused(read_agency_file(b"", &utf8()), INSTRUCTION_FILE, 0)?;
        // LF line endings and a missing final line break are fine.
        let lf = text.replace("\r\n", "\n");
        assert_eq!(
            read_agency_file(lf.trim_end().as_bytes(), &utf8())?
                .lines
                .len(),
            3
        );
        Ok(())
    }

    fn result_line(
        n: u32,
        name: &str,
        amount: &str,
        text: Option<&str>,
    ) -> Result<AgencyResultLine, Box<dyn std::error::Error>> {
        let instruction = instruction(n, name, amount, "622848000000000001", n)?;
        Ok(AgencyResultLine {
            reference: instruction.instruction_id(),
            name: name.to_owned(),
            account: "622848000000000001".to_owned(),
            amount: instruction.amount,
            sequence: n,
            text: text.map(str::to_owned),
        })
    }

    #[test]
    fn results_round_trip_into_a_bank_return() -> TestResult {
        let profile = AgencyProfile::common();
        let success = [
            result_line(1, "张三", "120.00", None)?,
            result_line(2, "李四", "80.00", None)?,
        ];
        let failure = [
            result_line(3, "王五", "100.00", Some("已销户"))?,
            result_line(4, "赵六", "100.00", Some("户名不符"))?,
        ];
        let (ok, failed) =
            write_agency_results(&success, &failure, &profile, date!(2026 - 11 - 27))?;
        assert!(GBK.decode(&failed).0.starts_with("2|200.00\r\n"));
        assert!(
            GBK.decode(&failed)
                .0
                .contains("|赵六|622848000000000001|100.00|4|户名不符\r\n")
        );
        let back = read_agency_results(&ok, &failed, &profile, "NXS 回盘")?;
        assert!(back.complete);
        assert_eq!(back.batch_id, None);
        assert_eq!(back.source, "NXS 回盘");
        assert_eq!(
            back.sha256,
            sha256_hex(&[ok.clone(), failed.clone()].concat())
        );
        let summary: Vec<_> = back
            .results
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.reference,
                    r.amount,
                    r.name.as_deref().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    2,
                    success[0].reference,
                    Some(success[0].amount),
                    Some("张三".to_owned())
                ),
                (
                    3,
                    success[1].reference,
                    Some(success[1].amount),
                    Some("李四".to_owned())
                ),
                (
                    2,
                    failure[0].reference,
                    Some(failure[0].amount),
                    Some("王五".to_owned())
                ),
                (
                    3,
                    failure[1].reference,
                    Some(failure[1].amount),
                    Some("赵六".to_owned())
                ),
            ]
        );
        assert_eq!(back.results[0].status, ResultStatus::Settled);
        assert_eq!(
            back.results[0].account.as_deref(),
            Some("622848000000000001")
        );
        let kinds: Vec<_> = back.results[2..]
            .iter()
            .map(|r| match &r.status {
                ResultStatus::Failed { reason } => Some((reason.kind, reason.text.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                Some((FailureKind::AccountClosed, "已销户".to_owned())),
                Some((FailureKind::NameMismatch, "户名不符".to_owned())),
            ]
        );
        Ok(())
    }

    #[test]
    fn empty_failure_files_are_valid() -> TestResult {
        let profile = AgencyProfile::common();
        let success = [result_line(1, "张三", "120.00", None)?];
        let (ok, failed) = write_agency_results(&success, &[], &profile, date!(2026 - 11 - 27))?;
        assert_eq!(failed, b"0|0.00\r\n");
        assert_eq!(
            read_agency_results(&ok, &failed, &profile, "x")?
                .results
                .len(),
            1
        );
        assert_eq!(
            read_agency_results(&ok, b"", &profile, "x")?.results.len(),
            1
        );
        // No summary in the layout: an empty file is zero bytes.
        let bare = AgencyProfile {
            result_summary: Vec::new(),
            ..utf8()
        };
        let (ok, failed) = write_agency_results(&success, &[], &bare, date!(2026 - 11 - 27))?;
        assert!(failed.is_empty());
        let back = read_agency_results(&ok, &failed, &bare, "x")?;
        assert_eq!(back.results[0].line, 1);
        Ok(())
    }

    #[test]
    fn broken_result_files_are_refused_naming_the_file() -> TestResult {
        let profile = utf8();
        let success = [result_line(1, "张三", "120.00", None)?];
        let failure = [
            result_line(2, "李四", "80.00", Some("已销户"))?,
            result_line(3, "王五", "1.00", Some("冻结"))?,
        ];
        let (ok, failed) =
            write_agency_results(&success, &failure, &profile, date!(2026 - 11 - 27))?;
        let failed = String::from_utf8(failed)?;
        let ok = String::from_utf8(ok)?;

        let bad_ref = failed.replace(&failure[1].reference.to_string(), "ABC-01");
        let problem = refused(
            read_agency_results(ok.as_bytes(), bad_ref.as_bytes(), &profile, "x"),
            FAILURE_FILE,
            3,
        )?;
        assert!(problem.contains("\"ABC-01\""), "{problem}");

        let bad_sum = failed.replacen("81.00", "81.01", 1);
        let problem = refused(
            read_agency_results(ok.as_bytes(), bad_sum.as_bytes(), &profile, "x"),
            FAILURE_FILE,
            1,
        )?;
        assert!(
            problem.contains("81.01") && problem.contains("81.00"),
            "{problem}"
        );

        let bad_count = ok.replacen("1|", "2|", 1);
        let problem = refused(
            read_agency_results(bad_count.as_bytes(), failed.as_bytes(), &profile, "x"),
            SUCCESS_FILE,
            1,
        )?;
        assert!(problem.contains("count is 2"), "{problem}");

        let bad_amount = ok.replace("|120.00|", "|12O.00|");
        let problem = refused(
            read_agency_results(bad_amount.as_bytes(), failed.as_bytes(), &profile, "x"),
            SUCCESS_FILE,
            2,
        )?;
        assert!(problem.contains("\"12O.00\""), "{problem}");

        let short = format!("{failed}only|three|fields\r\n");
        let problem = refused(
            read_agency_results(ok.as_bytes(), short.as_bytes(), &profile, "x"),
            FAILURE_FILE,
            4,
        )?;
        assert!(problem.contains("3 fields"), "{problem}");
        Ok(())
    }

    #[test]
    fn result_summaries_may_carry_the_batch_id() -> TestResult {
        let profile = AgencyProfile {
            result_summary: vec![
                SummaryField::BatchId,
                SummaryField::Count,
                SummaryField::Sum,
            ],
            ..utf8()
        };
        let line = result_line(1, "张三", "120.00", None)?;
        let reference = line.reference;
        let ok = format!("B-01|1|120.00\n{reference}|张三|622848000000000001|120.00|1\n");
        let back = read_agency_results(ok.as_bytes(), b"B-01|0|0.00\n", &profile, "x")?;
        assert_eq!(back.batch_id.as_deref(), Some("B-01"));
        refused(
            read_agency_results(ok.as_bytes(), b"B-02|0|0.00\n", &profile, "x"),
            FAILURE_FILE,
            1,
        )?;
        assert!(matches!(
            write_agency_results(&[line], &[], &profile, date!(2026 - 11 - 27)),
            Err(FormatError::InvalidOption { .. })
        ));
        Ok(())
    }

    const NAME_CHARS: &[char] = &[
        '张', '王', '李', '巴', '特', '尔', '其', '木', '格', 'a', 'B', ' ', '·',
    ];

    fn arb_batch() -> impl Strategy<Value = Vec<(String, u64, usize)>> {
        prop::collection::vec(
            (
                prop::collection::vec(prop::sample::select(NAME_CHARS), 1..6)
                    .prop_map(|chars| chars.into_iter().collect::<String>()),
                0u64..100_000_000_000,
                0usize..4,
            ),
            0..40,
        )
    }

    fn build(
        lines: &[(String, u64, usize)],
        starts: &[u32; 4],
    ) -> Result<PaymentBatch, Box<dyn std::error::Error>> {
        let mut next = *starts;
        let mut instructions = Vec::new();
        for (n, (name, fen, account)) in lines.iter().enumerate() {
            let sequence = next[*account];
            next[*account] += 1;
            let mut instruction = instruction(
                n as u32 + 1,
                name,
                "0",
                &format!("62284800000000000{account}"),
                sequence,
            )?;
            instruction.amount = Amount::from_fen(i64::try_from(*fen)?)?;
            instruction.attempt = (n % 99) as u8 + 1;
            instructions.push(instruction);
        }
        batch(instructions)
    }

    proptest! {
        #[test]
        fn readers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            for profile in [AgencyProfile::common(), utf8()] {
                let _ = read_agency_file(&bytes, &profile);
                let _ = read_agency_results(&bytes, &bytes, &profile, "x");
            }
        }

        #[test]
        fn readers_never_panic_on_near_miss_lines(
            cells in prop::collection::vec(
                prop::collection::vec(prop::sample::select(vec![
                    "", "1", "0", "120.00", "1.5", "20261126", "U", "01", "张三", "4294967296",
                    "99999999999999999999", "0123456789ABCDEF0123456789ABCDEF-01",
                    "0123456789ABCDEF0123456789ABCDEF", "622848000000000001", "已销户",
                ]), 0..10),
                0..8,
            )
        ) {
            let text: String = cells.iter().map(|line| line.join("|") + "\r\n").collect();
            let profile = utf8();
            let _ = read_agency_file(text.as_bytes(), &profile);
            let _ = read_agency_results(text.as_bytes(), text.as_bytes(), &profile, "x");
        }

        #[test]
        fn random_batches_round_trip(
            lines in arb_batch(),
            starts in prop::array::uniform4(1u32..1000),
            in_fen in any::<bool>(),
            in_gbk in any::<bool>(),
        ) {
            let batch = build(&lines, &starts).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let profile = AgencyProfile {
                encoding: if in_gbk { TextEncoding::Gbk } else { TextEncoding::Utf8 },
                amount_format: if in_fen { AmountFormat::Fen } else { AmountFormat::Yuan },
                ..AgencyProfile::common()
            };
            let file = write_agency_file(&batch, &profile).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let read = read_agency_file(&file.bytes, &profile).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(read.count, batch.instructions.len() as u64);
            prop_assert_eq!(read.sum, batch.control_sum);
            prop_assert_eq!(read.lines.len(), batch.instructions.len());
            for (line, instruction) in read.lines.iter().zip(&batch.instructions) {
                prop_assert_eq!(line.reference, instruction.instruction_id());
                prop_assert_eq!(line.amount, instruction.amount);
                prop_assert_eq!(line.name.as_str(), instruction.account.holder_name.as_str());
                prop_assert_eq!(line.sequence, Some(instruction.account_sequence));
                prop_assert_eq!(line.account.as_str(), instruction.account.number.as_str());
            }
        }

        #[test]
        fn a_summary_off_by_one_is_refused_whole(
            lines in arb_batch(),
            starts in prop::array::uniform4(1u32..1000),
            count_up in any::<bool>(),
            sum_up in any::<bool>(),
            alter_count in any::<bool>(),
        ) {
            let mut batch = build(&lines, &starts).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let profile = utf8();
            let count = batch.instructions.len() as u64;
            let fen = batch.control_sum.to_fen();
            if alter_count {
                prop_assume!(count_up || count > 0);
            } else {
                prop_assume!(sum_up || fen > 0);
            }
            let file = write_agency_file(&batch, &profile).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = String::from_utf8(file.bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (summary, rest) = text.split_once("\r\n").ok_or_else(|| TestCaseError::fail("no summary"))?;
            let altered = if alter_count {
                let new = if count_up { count + 1 } else { count - 1 };
                replace_field(summary, 2, &new.to_string())
            } else {
                let new = if sum_up { fen + 1 } else { fen - 1 };
                batch.control_sum = Amount::from_fen(new).map_err(|e| TestCaseError::fail(e.to_string()))?;
                replace_field(summary, 3, &batch.control_sum.to_string())
            };
            let bytes = format!("{altered}\r\n{rest}");
            let result = read_agency_file(bytes.as_bytes(), &profile);
            let refused_whole = matches!(result, Err(FormatError::BankFile { line: 1, .. }));
            prop_assert!(refused_whole, "{:?}", result);
        }
    }
}
