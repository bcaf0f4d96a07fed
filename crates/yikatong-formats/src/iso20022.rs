//! ISO 20022 bank files: the pain.001 credit-transfer initiation a batch is sent in
//! (pain.001.001.09), and the pain.002 payment status report the bank sends back
//! (pain.002.001.10).
//!
//! Our side writes pain.001 ([`write_pain001`]) and reads pain.002 ([`read_pain002`]);
//! the bank side, used by an agent-bank simulator, reads pain.001
//! ([`read_pain001`]) and writes pain.002 ([`write_pain002`]).
//!
//! The pain.002 reader takes what real producers send: any namespace prefix or none,
//! a byte-order mark, indentation and CRLF, unknown elements (ignored), `Rsn/Prtry`
//! instead of `Rsn/Cd`, several `OrgnlPmtInfAndSts` blocks. A file that is not XML,
//! not the message it should be, or whose references are not ours is refused whole
//! with [`FormatError::BankFile`], naming the line, the element, the value and the rule.
//!
//! ```
//! use yikatong_core::{FailureKind, ResultStatus};
//! use yikatong_formats::read_pain002;
//!
//! let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <ns2:Document xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
//!  <ns2:CstmrPmtStsRpt>
//!   <ns2:GrpHdr><ns2:MsgId>R1</ns2:MsgId><ns2:CreDtTm>2026-11-25T16:00:00</ns2:CreDtTm></ns2:GrpHdr>
//!   <ns2:OrgnlGrpInfAndSts>
//!    <ns2:OrgnlMsgId>GLJT-2026-11-150422-NXS-01</ns2:OrgnlMsgId>
//!    <ns2:OrgnlMsgNmId>pain.001.001.09</ns2:OrgnlMsgNmId>
//!    <ns2:GrpSts>PART</ns2:GrpSts>
//!   </ns2:OrgnlGrpInfAndSts>
//!   <ns2:OrgnlPmtInfAndSts>
//!    <ns2:OrgnlPmtInfId>GLJT-2026-11-150422-NXS-01</ns2:OrgnlPmtInfId>
//!    <ns2:TxInfAndSts>
//!     <ns2:OrgnlInstrId>0123456789ABCDEF0123456789ABCDEF-01</ns2:OrgnlInstrId>
//!     <ns2:OrgnlEndToEndId>0123456789ABCDEF0123456789ABCDEF</ns2:OrgnlEndToEndId>
//!     <ns2:TxSts>RJCT</ns2:TxSts>
//!     <ns2:StsRsnInf><ns2:Rsn><ns2:Cd>AC04</ns2:Cd></ns2:Rsn></ns2:StsRsnInf>
//!    </ns2:TxInfAndSts>
//!   </ns2:OrgnlPmtInfAndSts>
//!  </ns2:CstmrPmtStsRpt>
//! </ns2:Document>"#;
//! let report = read_pain002(xml.as_bytes(), "status-report.xml")?;
//! assert_eq!(report.batch_id.as_deref(), Some("GLJT-2026-11-150422-NXS-01"));
//! assert!(report.complete);
//! let result = &report.results[0];
//! assert_eq!(result.line, 12);
//! assert_eq!(result.reference.attempt, Some(1));
//! assert!(matches!(
//!     &result.status,
//!     ResultStatus::Failed { reason } if reason.kind == FailureKind::AccountClosed
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use time::{Date, Month, PrimitiveDateTime};
use yikatong_core::{
    Amount, BankResult, BankReturn, CompactString, FailureReason, InstructionId, MAX_ATTEMPTS,
    Payer, PaymentBatch, PaymentId, PaymentInstruction, ResultStatus, sha256_hex,
};

use crate::bank::Digesting;
use crate::{BankFile, FormatError, WrittenFile};

/// The pain.001 namespace this crate writes.
const PAIN001_NS: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";
/// The pain.002 namespace this crate writes.
const PAIN002_NS: &str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10";
/// What pain.002 names the message it answers.
const PAIN001_NAME: &str = "pain.001.001.09";

/// ISO 20022 text limits (`Max35Text` and friends).
const MAX35: usize = 35;
const MAX34: usize = 34;
const MAX105: usize = 105;
const MAX140: usize = 140;

// ---------------------------------------------------------------------------
// What the bank side reads and writes

/// A pain.001 credit-transfer initiation as a bank reads it (one payment
/// information block: one batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain001 {
    /// `GrpHdr/MsgId`: the batch id.
    pub message_id: String,
    /// `GrpHdr/CreDtTm` as written, e.g. `2026-11-20T09:30:00+08:00`.
    pub created_at: String,
    /// `GrpHdr/NbOfTxs`, checked against the transactions.
    pub count: usize,
    /// `GrpHdr/CtrlSum`, checked against the transactions (their sum when absent).
    pub control_sum: Amount,
    /// `PmtInf/PmtInfId`.
    pub payment_info_id: String,
    /// The payer: unit code from `InitgPty/Id/OrgId/Othr/Id` (empty when absent),
    /// name from `Dbtr/Nm`, account from `DbtrAcct/Id/Othr/Id`.
    pub payer: Payer,
    /// `DbtrAgt/FinInstnId/Othr/Id`: the bank the payer's account is with.
    pub payer_bank_code: CompactString,
    /// `PmtInf/ReqdExctnDt/Dt`: the day the bank is asked to pay.
    pub requested_execution_date: Date,
    /// The `CdtTrfTxInf` blocks, in file order.
    pub transactions: Vec<Pain001Transaction>,
}

/// One `CdtTrfTxInf` of a pain.001.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain001Transaction {
    /// The line where the `CdtTrfTxInf` element starts.
    pub line: u64,
    /// `PmtId/InstrId` (or, when absent, `PmtId/EndToEndId` without an attempt).
    pub instruction_id: InstructionId,
    /// `PmtId/EndToEndId`: the payment id.
    pub end_to_end_id: String,
    /// `Amt/InstdAmt`, in yuan (`Ccy="CNY"`).
    pub amount: Amount,
    /// `Cdtr/Nm`: the account holder's name.
    pub name: String,
    /// `CdtrAcct/Id/Othr/Id`: the account number.
    pub account: String,
    /// `CdtrAgt/FinInstnId/Othr/Id`: the account's bank (the debtor agent's when absent).
    pub bank_code: String,
    /// `RmtInf/Ustrd`: the purpose (empty when absent).
    pub purpose: String,
}

/// A pain.002 payment status report as a bank writes it (see [`write_pain002`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain002Report {
    /// `GrpHdr/MsgId`: the report's own id (at most 35 characters).
    pub message_id: String,
    /// `GrpHdr/CreDtTm`, Beijing time.
    pub created_at: PrimitiveDateTime,
    /// `OrgnlGrpInfAndSts/OrgnlMsgId`: the pain.001's message id (the batch id).
    pub original_message_id: String,
    /// `OrgnlNbOfTxs`: transactions in the pain.001.
    pub original_count: usize,
    /// `OrgnlCtrlSum`: the pain.001's control sum.
    pub original_sum: Amount,
    /// `GrpSts`: `ACSC`, `ACCC`, `PART`, `RJCT` (final) or `ACCP`, `ACTC`, `PDNG`, …
    pub group_status: Option<String>,
    /// `OrgnlGrpInfAndSts/StsRsnInf`: why the group has its status (a whole-file rejection).
    pub group_reason: Option<FailureReason>,
    /// `OrgnlPmtInfAndSts/OrgnlPmtInfId`; without it no `OrgnlPmtInfAndSts` block is
    /// written (and no transactions).
    pub payment_info_id: Option<String>,
    /// `PmtInfSts`.
    pub payment_info_status: Option<String>,
    /// The `TxInfAndSts` blocks.
    pub transactions: Vec<Pain002Transaction>,
}

/// One `TxInfAndSts` of a pain.002.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain002Transaction {
    /// `OrgnlInstrId`, echoed from the pain.001 when the bank echoes it.
    pub instruction_id: Option<String>,
    /// `OrgnlEndToEndId`.
    pub end_to_end_id: String,
    /// `TxSts`: `ACSC`, `ACCC`, `RJCT`, `BLCK`, `PDNG`, `ACSP`, …
    pub status: String,
    /// `StsRsnInf`: `Rsn/Cd` when the code is an ISO code (four capitals or digits),
    /// `Rsn/Prtry` otherwise, and the text as `AddtlInf`.
    pub reason: Option<FailureReason>,
    /// `OrgnlTxRef/Amt/InstdAmt`.
    pub amount: Option<Amount>,
    /// `OrgnlTxRef/Cdtr/Pty/Nm`.
    pub name: Option<String>,
    /// `OrgnlTxRef/CdtrAcct/Id/Othr/Id`.
    pub account: Option<String>,
}

// ---------------------------------------------------------------------------
// Writing

/// Why a text cannot go into an element.
enum TextRule {
    Empty,
    TooLong { chars: usize, max: usize },
    Forbidden(char),
}

impl TextRule {
    fn describe(&self, value: &str) -> String {
        match self {
            TextRule::Empty => "is empty; ISO 20022 requires at least one character".to_owned(),
            TextRule::TooLong { chars, max } => format!(
                "{value:?} has {chars} characters; ISO 20022 allows at most {max} (Max{max}Text)"
            ),
            TextRule::Forbidden(ch) => format!(
                "{value:?} contains the control character U+{:04X}, which an XML file cannot carry; \
                 remove it",
                u32::from(*ch)
            ),
        }
    }
}

/// Which bytes need a look when escaping: markup characters and control characters.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    // 0xEF starts U+FFFE and U+FFFF, which XML forbids.
    table[0xEF] = true;
    table
};

/// Appends `text` escaped for element content or a quoted attribute, refusing what
/// XML cannot carry and texts longer than `max` characters.
fn push_text(out: &mut Vec<u8>, text: &str, max: usize) -> Result<(), TextRule> {
    if text.is_empty() {
        return Err(TextRule::Empty);
    }
    // Bytes bound characters from above: count characters only when it matters.
    if text.len() > max {
        let chars = text.chars().count();
        if chars > max {
            return Err(TextRule::TooLong { chars, max });
        }
    }
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[usize::from(b)] {
            continue;
        }
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            // A raw CR would be read back as LF.
            b'\r' => b"&#13;",
            b'\t' | b'\n' => continue,
            0xEF => {
                if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
                {
                    let ch = if bytes[i + 2] == 0xBE {
                        '\u{FFFE}'
                    } else {
                        '\u{FFFF}'
                    };
                    return Err(TextRule::Forbidden(ch));
                }
                continue;
            }
            other => return Err(TextRule::Forbidden(char::from(other))),
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    Ok(())
}

const SPACES: &[u8; 24] = b"                        ";

/// Elements this deep stay on their transaction's line: one line per transaction
/// keeps a million-line file a third smaller (and its hash and pages cheaper) while
/// line numbers still point at transactions.
const INLINE_DEPTH: usize = 4;

fn newline(out: &mut Vec<u8>, depth: usize) {
    if depth >= INLINE_DEPTH {
        return;
    }
    out.push(b'\n');
    out.extend_from_slice(&SPACES[..(2 * depth).min(SPACES.len())]);
}

/// `<tag>` on a new line.
fn open(out: &mut Vec<u8>, depth: usize, tag: &str) {
    newline(out, depth);
    out.push(b'<');
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
}

/// `</tag>` on a new line.
fn close(out: &mut Vec<u8>, depth: usize, tag: &str) {
    newline(out, depth);
    close_inline(out, tag);
}

fn close_inline(out: &mut Vec<u8>, tag: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
}

/// `<a><b>…text…</b></a>` on one line, for the nested identification elements.
fn nested(
    out: &mut Vec<u8>,
    depth: usize,
    tags: &[&str],
    text: &str,
    max: usize,
) -> Result<(), TextRule> {
    newline(out, depth);
    for tag in tags {
        out.push(b'<');
        out.extend_from_slice(tag.as_bytes());
        out.push(b'>');
    }
    push_text(out, text, max)?;
    for tag in tags.iter().rev() {
        close_inline(out, tag);
    }
    Ok(())
}

/// Plain ASCII content that needs no check (numbers, dates, codes we chose).
fn leaf_raw(out: &mut Vec<u8>, depth: usize, tag: &str, content: &[u8]) {
    open(out, depth, tag);
    out.extend_from_slice(content);
    close_inline(out, tag);
}

/// Decimal digits. Amounts and counts fit in 64 bits, whose division is several
/// times faster than 128-bit; anything larger takes the formatter.
fn push_number(out: &mut Vec<u8>, value: u128) {
    let Ok(mut value) = u64::try_from(value) else {
        out.extend_from_slice(value.to_string().as_bytes());
        return;
    };
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Fen as yuan with two decimals: `12050` → `120.50`.
fn push_fen(out: &mut Vec<u8>, fen: u128) {
    push_number(out, fen / 100);
    let cents = (fen % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
}

fn push_amount(out: &mut Vec<u8>, amount: Amount) {
    push_fen(out, u128::try_from(amount.to_fen()).unwrap_or(0));
}

fn push_two(out: &mut Vec<u8>, value: u8) {
    out.extend_from_slice(&[b'0' + value / 10 % 10, b'0' + value % 10]);
}

/// `YYYY-MM-DD`, or `None` for a year outside 1–9999 (not an ISO date).
fn push_date(out: &mut Vec<u8>, date: Date) -> Option<()> {
    let year = u16::try_from(date.year())
        .ok()
        .filter(|y| (1..=9999).contains(y))?;
    push_two(out, (year / 100) as u8);
    push_two(out, (year % 100) as u8);
    out.push(b'-');
    push_two(out, u8::from(date.month()));
    out.push(b'-');
    push_two(out, date.day());
    Some(())
}

/// `YYYY-MM-DDTHH:MM:SS+08:00`: the files are in Beijing time.
fn push_datetime(out: &mut Vec<u8>, at: PrimitiveDateTime) -> Option<()> {
    push_date(out, at.date())?;
    out.push(b'T');
    push_two(out, at.hour());
    out.push(b':');
    push_two(out, at.minute());
    out.push(b':');
    push_two(out, at.second());
    out.extend_from_slice(b"+08:00");
    Some(())
}

fn write_error(file: &str, problem: String) -> FormatError {
    FormatError::BankFile {
        file: file.to_owned(),
        line: 0,
        problem,
    }
}

/// For a text of the batch: `what` names the element and the field.
fn batch_text(what: &str, value: &str) -> impl FnOnce(TextRule) -> FormatError {
    let problem = move |rule: TextRule| format!("{what} {}", rule.describe(value));
    move |rule| write_error("pain.001", problem(rule))
}

/// For a text of one instruction: names its roster line and payment.
fn instruction_text<'a>(
    instruction: &'a PaymentInstruction,
    what: &'a str,
    value: &'a str,
) -> impl FnOnce(TextRule) -> FormatError + 'a {
    move |rule| {
        write_error(
            "pain.001",
            format!(
                "roster {} line {} (payment {}): {what} {}",
                instruction.roster_id,
                instruction.line_no,
                instruction.payment_id,
                rule.describe(value)
            ),
        )
    }
}

/// Writes a batch as a pain.001.001.09 credit-transfer initiation: one `PmtInf` for
/// the batch, one `CdtTrfTxInf` per instruction, in the schema's element order.
/// `CdtrAgt` (optional in the schema) is written only for an account at another
/// bank than the paying one; each transaction is one line.
///
/// `created_at` is Beijing time (`CreDtTm` carries `+08:00`). The file is refused,
/// and nothing written, when a text breaks an ISO 20022 limit (the batch id is
/// the message id, at most 35 characters; names at most 140), when a text holds a
/// control character, when the batch is empty, or when its control sum is not the
/// sum of its amounts.
pub fn write_pain001(
    batch: &PaymentBatch,
    created_at: PrimitiveDateTime,
) -> Result<BankFile, FormatError> {
    let mut bytes = Vec::new();
    let written = write_pain001_to(batch, created_at, &mut bytes)?;
    Ok(written.with_bytes(bytes))
}

/// [`write_pain001`] straight to `sink` (a file, a socket), in chunks, hashing as it
/// goes: memory stays small whatever the batch's size. On an error, what `sink`
/// received so far is not a valid file: discard it.
pub fn write_pain001_to(
    batch: &PaymentBatch,
    created_at: PrimitiveDateTime,
    sink: &mut dyn std::io::Write,
) -> Result<WrittenFile, FormatError> {
    if batch.instructions.is_empty() {
        return Err(write_error(
            "pain.001",
            format!(
                "batch {} has no instructions; a pain.001 needs at least one CdtTrfTxInf",
                batch.id
            ),
        ));
    }
    // Check the sums before writing: the bank refuses a file whose CtrlSum disagrees.
    let sum: u128 = batch
        .instructions
        .iter()
        .map(|instruction| u128::try_from(instruction.amount.to_fen()).unwrap_or(0))
        .sum();
    if u128::try_from(batch.control_sum.to_fen()).ok() != Some(sum) {
        let mut total = Vec::new();
        push_fen(&mut total, sum);
        return Err(write_error(
            "pain.001",
            format!(
                "batch {}: its control sum {} is not the sum of its {} amounts ({}); rebuild the batch",
                batch.id,
                batch.control_sum,
                batch.count(),
                String::from_utf8_lossy(&total)
            ),
        ));
    }

    let mut digesting = Digesting::new(sink);
    let out = &mut Digesting::chunk();
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"");
    out.extend_from_slice(PAIN001_NS.as_bytes());
    out.extend_from_slice(b"\">");
    open(out, 1, "CstmrCdtTrfInitn");

    let mut count = Vec::new();
    push_number(&mut count, batch.instructions.len() as u128);
    let mut control_sum = Vec::new();
    push_amount(&mut control_sum, batch.control_sum);

    open(out, 2, "GrpHdr");
    nested(out, 3, &["MsgId"], &batch.id, MAX35)
        .map_err(batch_text("MsgId (the batch id)", &batch.id))?;
    open(out, 3, "CreDtTm");
    push_datetime(out, created_at).ok_or_else(|| {
        write_error(
            "pain.001",
            format!("CreDtTm: the time {created_at} is outside the years 1–9999"),
        )
    })?;
    close_inline(out, "CreDtTm");
    leaf_raw(out, 3, "NbOfTxs", &count);
    leaf_raw(out, 3, "CtrlSum", &control_sum);
    open(out, 3, "InitgPty");
    nested(out, 4, &["Nm"], &batch.payer.name, MAX140).map_err(batch_text(
        "InitgPty/Nm (the payer's name)",
        &batch.payer.name,
    ))?;
    if !batch.payer.unit_code.is_empty() {
        nested(
            out,
            4,
            &["Id", "OrgId", "Othr", "Id"],
            &batch.payer.unit_code,
            MAX35,
        )
        .map_err(batch_text(
            "InitgPty/Id/OrgId/Othr/Id (the payer's unit code)",
            &batch.payer.unit_code,
        ))?;
    }
    close(out, 3, "InitgPty");
    close(out, 2, "GrpHdr");

    open(out, 2, "PmtInf");
    nested(out, 3, &["PmtInfId"], &batch.id, MAX35)
        .map_err(batch_text("PmtInfId (the batch id)", &batch.id))?;
    leaf_raw(out, 3, "PmtMtd", b"TRF");
    // Book each line on its own: the results come back per line.
    leaf_raw(out, 3, "BtchBookg", b"false");
    leaf_raw(out, 3, "NbOfTxs", &count);
    leaf_raw(out, 3, "CtrlSum", &control_sum);
    open(out, 3, "ReqdExctnDt");
    open(out, 4, "Dt");
    push_date(out, batch.requested_execution_date).ok_or_else(|| {
        write_error(
            "pain.001",
            format!(
                "ReqdExctnDt/Dt: the date {} is outside the years 1–9999",
                batch.requested_execution_date
            ),
        )
    })?;
    close_inline(out, "Dt");
    close(out, 3, "ReqdExctnDt");
    open(out, 3, "Dbtr");
    nested(out, 4, &["Nm"], &batch.payer.name, MAX140)
        .map_err(batch_text("Dbtr/Nm (the payer's name)", &batch.payer.name))?;
    close(out, 3, "Dbtr");
    nested(
        out,
        3,
        &["DbtrAcct", "Id", "Othr", "Id"],
        &batch.payer.account,
        MAX34,
    )
    .map_err(batch_text(
        "DbtrAcct/Id/Othr/Id (the payer's account)",
        &batch.payer.account,
    ))?;
    nested(
        out,
        3,
        &["DbtrAgt", "FinInstnId", "Othr", "Id"],
        &batch.bank_code,
        MAX35,
    )
    .map_err(batch_text(
        "DbtrAgt/FinInstnId/Othr/Id (the agent bank's code)",
        &batch.bank_code,
    ))?;

    let mut purposes = PurposeCache::default();
    for instruction in &batch.instructions {
        write_transaction(out, instruction, &batch.bank_code, &mut purposes)?;
        digesting.pass_full(out)?;
    }
    close(out, 2, "PmtInf");
    close(out, 1, "CstmrCdtTrfInitn");
    out.extend_from_slice(b"\n</Document>\n");

    digesting.finish(out, format!("{}.xml", batch.id), batch.instructions.len())
}

/// The purpose last written, escaped: every line of a roster shares one purpose
/// (one `Arc`), so it is checked and escaped once per roster, not once per line.
#[derive(Default)]
struct PurposeCache(Option<(Arc<str>, Vec<u8>)>);

impl PurposeCache {
    fn push(
        &mut self,
        out: &mut Vec<u8>,
        instruction: &PaymentInstruction,
    ) -> Result<(), FormatError> {
        let purpose = &instruction.purpose;
        if let Some((last, escaped)) = &self.0 {
            if Arc::ptr_eq(last, purpose) {
                out.extend_from_slice(escaped);
                return Ok(());
            }
        }
        let mut escaped = Vec::with_capacity(purpose.len());
        push_text(&mut escaped, purpose, MAX140).map_err(instruction_text(
            instruction,
            "RmtInf/Ustrd (the purpose)",
            purpose,
        ))?;
        out.extend_from_slice(&escaped);
        self.0 = Some((purpose.clone(), escaped));
        Ok(())
    }
}

/// One `CdtTrfTxInf` on one line. The fixed tags are written as whole runs: this
/// is the loop of a million-line file.
fn write_transaction(
    out: &mut Vec<u8>,
    instruction: &PaymentInstruction,
    paying_bank: &str,
    purposes: &mut PurposeCache,
) -> Result<(), FormatError> {
    if !(1..=MAX_ATTEMPTS).contains(&instruction.attempt) {
        return Err(write_error(
            "pain.001",
            format!(
                "roster {} line {} (payment {}): attempt {} is not between 1 and {MAX_ATTEMPTS}",
                instruction.roster_id,
                instruction.line_no,
                instruction.payment_id,
                instruction.attempt
            ),
        ));
    }
    let account = &instruction.account;
    let mut hex = [0u8; 32];
    instruction.payment_id.write_hex(&mut hex);
    let attempt = instruction.attempt;
    newline(out, 3);
    out.extend_from_slice(b"<CdtTrfTxInf><PmtId><InstrId>");
    out.extend_from_slice(&hex);
    out.extend_from_slice(&[b'-', b'0' + attempt / 10 % 10, b'0' + attempt % 10]);
    out.extend_from_slice(b"</InstrId><EndToEndId>");
    out.extend_from_slice(&hex);
    out.extend_from_slice(b"</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"CNY\">");
    push_amount(out, instruction.amount);
    out.extend_from_slice(b"</InstdAmt></Amt>");
    // CdtrAgt is optional: an account at the paying bank itself (every line of a
    // batch, which is per bank) leaves it out, a sixth of each transaction.
    if account.bank_code != *paying_bank {
        nested(
            out,
            4,
            &["CdtrAgt", "FinInstnId", "Othr", "Id"],
            &account.bank_code,
            MAX35,
        )
        .map_err(instruction_text(
            instruction,
            "CdtrAgt/FinInstnId/Othr/Id (the account's bank code)",
            &account.bank_code,
        ))?;
    }
    out.extend_from_slice(b"<Cdtr><Nm>");
    push_text(out, &account.holder_name, MAX140).map_err(instruction_text(
        instruction,
        "Cdtr/Nm (the account holder's name)",
        &account.holder_name,
    ))?;
    out.extend_from_slice(b"</Nm></Cdtr><CdtrAcct><Id><Othr><Id>");
    // An account number is digits only (checked when it was read): nothing to escape.
    let number = account.number.as_str();
    if number.len() > MAX34 {
        return Err(instruction_text(
            instruction,
            "CdtrAcct/Id/Othr/Id (the account number)",
            number,
        )(TextRule::TooLong {
            chars: number.len(),
            max: MAX34,
        }));
    }
    out.extend_from_slice(number.as_bytes());
    out.extend_from_slice(b"</Id></Othr></Id></CdtrAcct>");
    if !instruction.purpose.is_empty() {
        out.extend_from_slice(b"<RmtInf><Ustrd>");
        purposes.push(out, instruction)?;
        out.extend_from_slice(b"</Ustrd></RmtInf>");
    }
    out.extend_from_slice(b"</CdtTrfTxInf>");
    Ok(())
}

/// An ISO external code: one to four capitals or digits (`AC04`, `MS03`).
fn is_iso_code(code: &str) -> bool {
    (1..=4).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn report_text<'a>(what: &'a str, value: &'a str) -> impl FnOnce(TextRule) -> FormatError + 'a {
    move |rule| write_error("pain.002", format!("{what} {}", rule.describe(value)))
}

/// `StsRsnInf` for a reason: `Rsn/Cd` or `Rsn/Prtry`, then the text in pieces of at
/// most 105 characters (`AddtlInf` is `Max105Text`, repeatable).
fn write_reason(
    out: &mut Vec<u8>,
    depth: usize,
    reason: &FailureReason,
    what: &str,
) -> Result<(), FormatError> {
    open(out, depth, "StsRsnInf");
    let code = reason
        .code
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .unwrap_or(reason.kind.iso_code());
    let choice = if is_iso_code(code) { "Cd" } else { "Prtry" };
    nested(out, depth + 1, &["Rsn", choice], code, MAX35)
        .map_err(report_text(&format!("{what} StsRsnInf/Rsn/{choice}"), code))?;
    let text = reason.text.trim();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest
            .char_indices()
            .nth(MAX105)
            .map_or(rest.len(), |(at, _)| at);
        let (piece, tail) = rest.split_at(cut);
        nested(out, depth + 1, &["AddtlInf"], piece, MAX105)
            .map_err(report_text(&format!("{what} StsRsnInf/AddtlInf"), text))?;
        rest = tail;
    }
    close(out, depth, "StsRsnInf");
    Ok(())
}

fn status_code(what: &str, status: &str) -> Result<(), FormatError> {
    if is_iso_code(status) {
        Ok(())
    } else {
        Err(write_error(
            "pain.002",
            format!(
                "{what} {status:?} is not a status code (one to four capitals, e.g. ACSC, RJCT)"
            ),
        ))
    }
}

/// The status report a bank would send back for `file` (for tests, trials and
/// bank-side systems): every transaction paid (ACSC) except those whose payment is
/// in `failed`, refused (RJCT) with the ISO 20022 reason code given there (e.g.
/// `AC04`, closed account). Write it with [`write_pain002`].
pub fn answer_pain001(
    file: &Pain001,
    failed: &BTreeMap<PaymentId, String>,
    created_at: PrimitiveDateTime,
) -> Pain002Report {
    let transactions = file
        .transactions
        .iter()
        .map(|transaction| {
            let reason = failed
                .get(&transaction.instruction_id.payment_id)
                .map(|code| FailureReason::from_iso(code, ""));
            Pain002Transaction {
                instruction_id: Some(transaction.instruction_id.to_string()),
                end_to_end_id: transaction.end_to_end_id.clone(),
                status: if reason.is_some() { "RJCT" } else { "ACSC" }.to_owned(),
                reason,
                amount: Some(transaction.amount),
                name: Some(transaction.name.clone()),
                account: Some(transaction.account.clone()),
            }
        })
        .collect();
    // The report's own id: the file's, shortened to leave room in Max35Text.
    let message_id: String = file.message_id.chars().take(30).collect();
    let refused = file
        .transactions
        .iter()
        .any(|transaction| failed.contains_key(&transaction.instruction_id.payment_id));
    Pain002Report {
        message_id: format!("{message_id}-RPT"),
        created_at,
        original_message_id: file.message_id.clone(),
        original_count: file.count,
        original_sum: file.control_sum,
        group_status: Some(if refused { "PART" } else { "ACSC" }.to_owned()),
        group_reason: None,
        payment_info_id: Some(file.payment_info_id.clone()),
        payment_info_status: None,
        transactions,
    }
}

/// Writes a pain.002.001.10 payment status report, as an agent bank sends it back.
///
/// Refused when an id breaks `Max35Text`, a status is not a code, or a text holds a
/// control character.
pub fn write_pain002(report: &Pain002Report) -> Result<Vec<u8>, FormatError> {
    let out = &mut Vec::with_capacity(1024 + report.transactions.len() * 600);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"");
    out.extend_from_slice(PAIN002_NS.as_bytes());
    out.extend_from_slice(b"\">");
    open(out, 1, "CstmrPmtStsRpt");
    open(out, 2, "GrpHdr");
    nested(out, 3, &["MsgId"], &report.message_id, MAX35)
        .map_err(report_text("GrpHdr/MsgId", &report.message_id))?;
    open(out, 3, "CreDtTm");
    push_datetime(out, report.created_at).ok_or_else(|| {
        write_error(
            "pain.002",
            format!(
                "CreDtTm: the time {} is outside the years 1–9999",
                report.created_at
            ),
        )
    })?;
    close_inline(out, "CreDtTm");
    close(out, 2, "GrpHdr");

    open(out, 2, "OrgnlGrpInfAndSts");
    nested(out, 3, &["OrgnlMsgId"], &report.original_message_id, MAX35).map_err(report_text(
        "OrgnlGrpInfAndSts/OrgnlMsgId",
        &report.original_message_id,
    ))?;
    leaf_raw(out, 3, "OrgnlMsgNmId", PAIN001_NAME.as_bytes());
    let mut number = Vec::new();
    push_number(&mut number, report.original_count as u128);
    leaf_raw(out, 3, "OrgnlNbOfTxs", &number);
    number.clear();
    push_amount(&mut number, report.original_sum);
    leaf_raw(out, 3, "OrgnlCtrlSum", &number);
    if let Some(status) = &report.group_status {
        status_code("GrpSts", status)?;
        leaf_raw(out, 3, "GrpSts", status.as_bytes());
    }
    if let Some(reason) = &report.group_reason {
        write_reason(out, 3, reason, "OrgnlGrpInfAndSts")?;
    }
    close(out, 2, "OrgnlGrpInfAndSts");

    if let Some(payment_info_id) = &report.payment_info_id {
        open(out, 2, "OrgnlPmtInfAndSts");
        nested(out, 3, &["OrgnlPmtInfId"], payment_info_id, MAX35).map_err(report_text(
            "OrgnlPmtInfAndSts/OrgnlPmtInfId",
            payment_info_id,
        ))?;
        if let Some(status) = &report.payment_info_status {
            status_code("PmtInfSts", status)?;
            leaf_raw(out, 3, "PmtInfSts", status.as_bytes());
        }
        for (index, transaction) in report.transactions.iter().enumerate() {
            write_status(out, index + 1, transaction)?;
        }
        close(out, 2, "OrgnlPmtInfAndSts");
    } else if !report.transactions.is_empty() {
        return Err(write_error(
            "pain.002",
            "the report has transactions but no payment_info_id: TxInfAndSts goes inside \
             OrgnlPmtInfAndSts, which needs OrgnlPmtInfId"
                .to_owned(),
        ));
    }
    close(out, 1, "CstmrPmtStsRpt");
    out.extend_from_slice(b"\n</Document>\n");
    Ok(std::mem::take(out))
}

fn write_status(
    out: &mut Vec<u8>,
    number: usize,
    transaction: &Pain002Transaction,
) -> Result<(), FormatError> {
    let what = |element: &str| format!("transaction {number} ({element})");
    open(out, 3, "TxInfAndSts");
    if let Some(id) = &transaction.instruction_id {
        nested(out, 4, &["OrgnlInstrId"], id, MAX35)
            .map_err(report_text(&what("OrgnlInstrId"), id))?;
    }
    nested(
        out,
        4,
        &["OrgnlEndToEndId"],
        &transaction.end_to_end_id,
        MAX35,
    )
    .map_err(report_text(
        &what("OrgnlEndToEndId"),
        &transaction.end_to_end_id,
    ))?;
    status_code(&what("TxSts"), &transaction.status)?;
    leaf_raw(out, 4, "TxSts", transaction.status.as_bytes());
    if let Some(reason) = &transaction.reason {
        write_reason(out, 4, reason, &format!("transaction {number}"))?;
    }
    let has_reference =
        transaction.amount.is_some() || transaction.name.is_some() || transaction.account.is_some();
    if has_reference {
        open(out, 4, "OrgnlTxRef");
        if let Some(amount) = transaction.amount {
            open(out, 5, "Amt");
            newline(out, 6);
            out.extend_from_slice(b"<InstdAmt Ccy=\"CNY\">");
            push_amount(out, amount);
            close_inline(out, "InstdAmt");
            close(out, 5, "Amt");
        }
        if let Some(name) = &transaction.name {
            nested(out, 5, &["Cdtr", "Pty", "Nm"], name, MAX140)
                .map_err(report_text(&what("OrgnlTxRef/Cdtr/Pty/Nm"), name))?;
        }
        if let Some(account) = &transaction.account {
            nested(out, 5, &["CdtrAcct", "Id", "Othr", "Id"], account, MAX34).map_err(
                report_text(&what("OrgnlTxRef/CdtrAcct/Id/Othr/Id"), account),
            )?;
        }
        close(out, 4, "OrgnlTxRef");
    }
    close(out, 3, "TxInfAndSts");
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading

/// The elements the readers look at; every other element is `Other` and ignored
/// with everything inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Document,
    CstmrCdtTrfInitn,
    CstmrPmtStsRpt,
    GrpHdr,
    MsgId,
    CreDtTm,
    NbOfTxs,
    CtrlSum,
    InitgPty,
    Nm,
    Id,
    OrgId,
    Othr,
    PmtInf,
    PmtInfId,
    PmtMtd,
    ReqdExctnDt,
    Dt,
    DtTm,
    Dbtr,
    DbtrAcct,
    DbtrAgt,
    FinInstnId,
    CdtTrfTxInf,
    PmtId,
    InstrId,
    EndToEndId,
    Amt,
    InstdAmt,
    CdtrAgt,
    Cdtr,
    CdtrAcct,
    RmtInf,
    Ustrd,
    OrgnlGrpInfAndSts,
    OrgnlMsgId,
    GrpSts,
    StsRsnInf,
    Rsn,
    Cd,
    Prtry,
    AddtlInf,
    OrgnlPmtInfAndSts,
    PmtInfSts,
    TxInfAndSts,
    OrgnlInstrId,
    OrgnlEndToEndId,
    TxSts,
    OrgnlTxRef,
    Pty,
    Iban,
    IntrBkSttlmAmt,
    Other,
}

impl Tag {
    fn of(local_name: &[u8]) -> Tag {
        match local_name {
            b"Document" => Tag::Document,
            b"CstmrCdtTrfInitn" => Tag::CstmrCdtTrfInitn,
            b"CstmrPmtStsRpt" => Tag::CstmrPmtStsRpt,
            b"GrpHdr" => Tag::GrpHdr,
            b"MsgId" => Tag::MsgId,
            b"CreDtTm" => Tag::CreDtTm,
            b"NbOfTxs" => Tag::NbOfTxs,
            b"CtrlSum" => Tag::CtrlSum,
            b"InitgPty" => Tag::InitgPty,
            b"Nm" => Tag::Nm,
            b"Id" => Tag::Id,
            b"OrgId" => Tag::OrgId,
            b"Othr" => Tag::Othr,
            b"PmtInf" => Tag::PmtInf,
            b"PmtInfId" => Tag::PmtInfId,
            b"PmtMtd" => Tag::PmtMtd,
            b"ReqdExctnDt" => Tag::ReqdExctnDt,
            b"Dt" => Tag::Dt,
            b"DtTm" => Tag::DtTm,
            b"Dbtr" => Tag::Dbtr,
            b"DbtrAcct" => Tag::DbtrAcct,
            b"DbtrAgt" => Tag::DbtrAgt,
            b"FinInstnId" => Tag::FinInstnId,
            b"CdtTrfTxInf" => Tag::CdtTrfTxInf,
            b"PmtId" => Tag::PmtId,
            b"InstrId" => Tag::InstrId,
            b"EndToEndId" => Tag::EndToEndId,
            b"Amt" => Tag::Amt,
            b"InstdAmt" => Tag::InstdAmt,
            b"CdtrAgt" => Tag::CdtrAgt,
            b"Cdtr" => Tag::Cdtr,
            b"CdtrAcct" => Tag::CdtrAcct,
            b"RmtInf" => Tag::RmtInf,
            b"Ustrd" => Tag::Ustrd,
            b"OrgnlGrpInfAndSts" => Tag::OrgnlGrpInfAndSts,
            b"OrgnlMsgId" => Tag::OrgnlMsgId,
            b"GrpSts" => Tag::GrpSts,
            b"StsRsnInf" => Tag::StsRsnInf,
            b"Rsn" => Tag::Rsn,
            b"Cd" => Tag::Cd,
            b"Prtry" => Tag::Prtry,
            b"AddtlInf" => Tag::AddtlInf,
            b"OrgnlPmtInfAndSts" => Tag::OrgnlPmtInfAndSts,
            b"PmtInfSts" => Tag::PmtInfSts,
            b"TxInfAndSts" => Tag::TxInfAndSts,
            b"OrgnlInstrId" => Tag::OrgnlInstrId,
            b"OrgnlEndToEndId" => Tag::OrgnlEndToEndId,
            b"TxSts" => Tag::TxSts,
            b"OrgnlTxRef" => Tag::OrgnlTxRef,
            b"Pty" => Tag::Pty,
            b"IBAN" => Tag::Iban,
            b"IntrBkSttlmAmt" => Tag::IntrBkSttlmAmt,
            _ => Tag::Other,
        }
    }
}

/// What the walker found next.
enum Step {
    /// An element started; it is the last of [`Walker::path`].
    Open,
    /// The element last in [`Walker::path`] ended; its text is [`Walker::text`].
    Close,
    /// The end of the file, every element closed.
    End,
}

/// Walks an XML file element by element, keeping the path of local names (any
/// namespace prefix dropped), the text of the element that just closed, and the line
/// where each open element starts.
struct Walker<'a> {
    reader: Reader<&'a [u8]>,
    bytes: &'a [u8],
    file: &'static str,
    tags: Vec<Tag>,
    lines: Vec<u64>,
    text: String,
    /// The `Ccy` attribute of the element last opened.
    ccy: String,
    /// The qualified name of the element last opened, for messages.
    name: String,
    /// Newlines are counted up to here.
    counted: usize,
    counted_line: u64,
    pop: bool,
    close_empty: bool,
}

impl<'a> Walker<'a> {
    fn new(bytes: &'a [u8], file: &'static str) -> Walker<'a> {
        // Drop a byte-order mark here so reader positions index `bytes`.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = Reader::from_reader(bytes);
        reader.config_mut().check_end_names = true;
        Walker {
            reader,
            bytes,
            file,
            tags: Vec::with_capacity(16),
            lines: Vec::with_capacity(16),
            text: String::new(),
            ccy: String::new(),
            name: String::new(),
            counted: 0,
            counted_line: 1,
            pop: false,
            close_empty: false,
        }
    }

    /// The one-based line of byte `position`.
    fn line_at(&mut self, position: u64) -> u64 {
        let position = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if position < self.counted {
            self.counted = 0;
            self.counted_line = 1;
        }
        let newlines = memchr::memchr_iter(b'\n', &self.bytes[self.counted..position]).count();
        self.counted_line += newlines as u64;
        self.counted = position;
        self.counted_line
    }

    fn error(&self, line: u64, problem: String) -> FormatError {
        FormatError::BankFile {
            file: self.file.to_owned(),
            line,
            problem,
        }
    }

    fn malformed(&mut self, what: impl std::fmt::Display) -> FormatError {
        let line = self.line_at(self.reader.error_position());
        self.error(line, format!("the file is not well-formed XML: {what}"))
    }

    fn path(&self) -> &[Tag] {
        &self.tags
    }

    /// The line where the current element starts.
    fn line(&self) -> u64 {
        self.lines.last().copied().unwrap_or(0)
    }

    /// The text of the element that just closed, without surrounding whitespace.
    fn text(&self) -> &str {
        self.text.trim()
    }

    fn next(&mut self) -> Result<Step, FormatError> {
        if self.close_empty {
            self.close_empty = false;
            self.pop = true;
            return Ok(Step::Close);
        }
        if self.pop {
            self.pop = false;
            self.tags.pop();
            self.lines.pop();
            self.text.clear();
        }
        loop {
            let position = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(error) => return Err(self.malformed(error)),
            };
            match event {
                Event::Start(start) => {
                    self.open(&start, position)?;
                    return Ok(Step::Open);
                }
                Event::Empty(start) => {
                    self.open(&start, position)?;
                    self.close_empty = true;
                    return Ok(Step::Open);
                }
                Event::End(_) => {
                    if self.tags.is_empty() {
                        return Err(self.malformed("a closing tag without an opening one"));
                    }
                    self.pop = true;
                    return Ok(Step::Close);
                }
                Event::Text(text) => {
                    if !self.tags.is_empty() {
                        let decoded = text.decode().map_err(|error| self.malformed(error))?;
                        self.text.push_str(&decoded);
                    }
                }
                Event::CData(data) => {
                    let decoded = data.decode().map_err(|error| self.malformed(error))?;
                    self.text.push_str(&decoded);
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(ch)) => Some(Cow::Owned(ch.to_string())),
                        Ok(None) => {
                            let name = reference.decode().map_err(|error| self.malformed(error))?;
                            quick_xml::escape::resolve_predefined_entity(&name).map(Cow::Borrowed)
                        }
                        Err(error) => return Err(self.malformed(error)),
                    };
                    match resolved {
                        Some(text) => self.text.push_str(&text),
                        None => {
                            let name = String::from_utf8_lossy(&reference).into_owned();
                            return Err(
                                self.malformed(format!("the entity &{name}; is not defined"))
                            );
                        }
                    }
                }
                Event::Eof => {
                    if let (Some(_), Some(&line)) = (self.tags.last(), self.lines.last()) {
                        return Err(self.error(
                            line,
                            "the file ends inside the element that starts here; it looks cut short"
                                .to_owned(),
                        ));
                    }
                    return Ok(Step::End);
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    fn open(&mut self, start: &BytesStart<'_>, position: u64) -> Result<(), FormatError> {
        let line = self.line_at(position);
        let tag = Tag::of(start.local_name().as_ref());
        self.text.clear();
        self.ccy.clear();
        if self.tags.len() < 3 {
            self.name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        }
        if matches!(tag, Tag::InstdAmt | Tag::IntrBkSttlmAmt) {
            for attribute in start.attributes() {
                let attribute = attribute.map_err(|error| self.malformed(error))?;
                if attribute.key.local_name().as_ref() == b"Ccy" {
                    let value = attribute
                        .decode_and_unescape_value(self.reader.decoder())
                        .map_err(|error| self.malformed(error))?;
                    self.ccy.push_str(value.trim());
                }
            }
        }
        self.tags.push(tag);
        self.lines.push(line);
        Ok(())
    }

    /// Checks the message element (`Document`'s child, or the root): `Ok(true)` when
    /// this `Open` was it.
    fn check_message(&self, wanted: Tag, wanted_name: &str) -> Result<bool, FormatError> {
        let found = match self.path() {
            [Tag::Document] => return Ok(false),
            [tag] | [Tag::Document, tag] => *tag,
            _ => return Ok(false),
        };
        if found == wanted {
            return Ok(true);
        }
        let looks_like = match found {
            Tag::CstmrCdtTrfInitn => "a pain.001 credit-transfer initiation",
            Tag::CstmrPmtStsRpt => "a pain.002 payment status report",
            _ => "some other message",
        };
        Err(self.error(
            self.line(),
            format!(
                "the message element is <{}>, not <{wanted_name}>: this is {looks_like}, not a {}",
                self.name, self.file
            ),
        ))
    }
}

/// A digit string of at most 15 digits (`Max15NumericText`).
fn parse_count(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An ISO amount (`xs:decimal` without a sign) in yuan, at most two decimals.
fn parse_iso_amount(text: &str) -> Option<Amount> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    Amount::parse(text).ok()
}

/// `YYYY-MM-DD`, or the date part of `YYYY-MM-DDThh:mm:ss…`.
fn parse_iso_date(text: &str) -> Option<Date> {
    let date = match text.as_bytes().get(10) {
        None => text,
        Some(b'T') => text.get(..10)?,
        Some(_) => return None,
    };
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        let part = date.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = number(0..4)?;
    let month = Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    Date::from_calendar_date(i32::from(year), month, day).ok()
}

fn fen_of(amount: Amount) -> i128 {
    i128::from(amount.to_fen())
}

fn yuan_text(fen: i128) -> String {
    let mut out = Vec::new();
    push_fen(&mut out, u128::try_from(fen).unwrap_or(0));
    String::from_utf8_lossy(&out).into_owned()
}

/// A value and the line of its element.
type At<T> = Option<(T, u64)>;

#[derive(Default)]
struct TransactionDraft {
    line: u64,
    instruction_id: At<String>,
    end_to_end_id: At<String>,
    amount: Option<Amount>,
    name: Option<String>,
    account: Option<String>,
    bank_code: Option<String>,
    purpose: String,
}

#[derive(Default)]
struct Pain001Draft {
    message_id: Option<String>,
    created_at: Option<String>,
    count: At<usize>,
    control_sum: At<Amount>,
    unit_code: String,
    initiating_party: bool,
    payment_info_line: u64,
    payment_info_id: Option<String>,
    payment_count: At<usize>,
    payment_sum: At<Amount>,
    requested: Option<Date>,
    debtor_name: Option<String>,
    debtor_account: Option<String>,
    debtor_agent: Option<String>,
    transactions: Vec<Pain001Transaction>,
    sum: i128,
}

/// Reads a pain.001 credit-transfer initiation, as an agent bank does (the
/// simulator's side).
///
/// The whole file is refused, naming the line, when it is not well-formed XML or not
/// a pain.001, a required element is missing, an amount or a reference is bad, the
/// currency is not CNY, or `NbOfTxs` or `CtrlSum` (of the group or of `PmtInf`)
/// disagree with the transactions. One `PmtInf` block per file (one batch).
pub fn read_pain001(bytes: &[u8]) -> Result<Pain001, FormatError> {
    let mut walker = Walker::new(bytes, "pain.001");
    let mut draft = Pain001Draft::default();
    let mut transaction: Option<TransactionDraft> = None;
    let mut message = false;
    loop {
        match walker.next()? {
            Step::End => break,
            Step::Open => {
                if walker.check_message(Tag::CstmrCdtTrfInitn, "CstmrCdtTrfInitn")? {
                    message = true;
                }
                match walker.path() {
                    [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf] => {
                        if draft.payment_info_line != 0 {
                            return Err(walker.error(
                                walker.line(),
                                format!(
                                    "a second PmtInf (the first starts on line {}); one file \
                                     carries one batch in one PmtInf",
                                    draft.payment_info_line
                                ),
                            ));
                        }
                        draft.payment_info_line = walker.line();
                    }
                    [.., Tag::PmtInf, Tag::CdtTrfTxInf] => {
                        transaction = Some(TransactionDraft {
                            line: walker.line(),
                            ..TransactionDraft::default()
                        });
                    }
                    [.., Tag::CstmrCdtTrfInitn, Tag::GrpHdr, Tag::InitgPty] => {
                        draft.initiating_party = true;
                    }
                    _ => {}
                }
            }
            Step::Close => {
                if let Some(current) = transaction.as_mut() {
                    if close_transaction_element(&walker, current)? {
                        if let Some(done) = transaction.take() {
                            let done = finish_transaction(&walker, done)?;
                            draft.sum += fen_of(done.amount);
                            draft.transactions.push(done);
                        }
                    }
                    continue;
                }
                close_pain001_element(&walker, &mut draft)?;
            }
        }
    }
    if !message {
        return Err(walker.error(
            0,
            "no CstmrCdtTrfInitn element: this is not a pain.001 credit-transfer initiation"
                .to_owned(),
        ));
    }
    finish_pain001(&walker, draft)
}

/// Handles the end of an element inside a `CdtTrfTxInf`; `true` when it was the
/// `CdtTrfTxInf` itself.
fn close_transaction_element(
    walker: &Walker<'_>,
    current: &mut TransactionDraft,
) -> Result<bool, FormatError> {
    let text = walker.text();
    match walker.path() {
        [.., Tag::PmtInf, Tag::CdtTrfTxInf] => return Ok(true),
        [.., Tag::CdtTrfTxInf, Tag::PmtId, Tag::InstrId] => {
            current.instruction_id = Some((text.to_owned(), walker.line()));
        }
        [.., Tag::CdtTrfTxInf, Tag::PmtId, Tag::EndToEndId] => {
            current.end_to_end_id = Some((text.to_owned(), walker.line()));
        }
        [.., Tag::CdtTrfTxInf, Tag::Amt, Tag::InstdAmt] => {
            current.amount = Some(read_amount(walker, "CdtTrfTxInf/Amt/InstdAmt")?);
        }
        [
            ..,
            Tag::CdtTrfTxInf,
            Tag::CdtrAgt,
            Tag::FinInstnId,
            Tag::Othr,
            Tag::Id,
        ] => {
            current.bank_code = Some(text.to_owned());
        }
        [.., Tag::CdtTrfTxInf, Tag::Cdtr, Tag::Nm] => current.name = Some(text.to_owned()),
        [
            ..,
            Tag::CdtTrfTxInf,
            Tag::CdtrAcct,
            Tag::Id,
            Tag::Othr,
            Tag::Id,
        ] => {
            current.account = Some(text.to_owned());
        }
        [.., Tag::CdtTrfTxInf, Tag::RmtInf, Tag::Ustrd] => current.purpose.push_str(text),
        _ => {}
    }
    Ok(false)
}

/// Reads the amount element that just closed: CNY, at most two decimals.
fn read_amount(walker: &Walker<'_>, path: &str) -> Result<Amount, FormatError> {
    let text = walker.text();
    if walker.ccy != "CNY" {
        return Err(walker.error(
            walker.line(),
            format!(
                "{path} has Ccy={:?}; subsidies are paid in CNY only",
                walker.ccy
            ),
        ));
    }
    parse_iso_amount(text).ok_or_else(|| {
        walker.error(
            walker.line(),
            format!(
                "{path} {text:?} is not an amount in yuan (digits, a point and at most two \
                 decimals, no sign, up to 999999999999.99)"
            ),
        )
    })
}

fn missing(walker: &Walker<'_>, line: u64, what: &str, element: &str) -> FormatError {
    walker.error(line, format!("{what} has no {element}, which is required"))
}

fn finish_transaction(
    walker: &Walker<'_>,
    draft: TransactionDraft,
) -> Result<Pain001Transaction, FormatError> {
    let line = draft.line;
    let what = "CdtTrfTxInf";
    let (end_to_end_id, e2e_line) = draft
        .end_to_end_id
        .ok_or_else(|| missing(walker, line, what, "PmtId/EndToEndId"))?;
    let (reference, reference_line, element) = match &draft.instruction_id {
        Some((id, at)) => (id.as_str(), *at, "PmtId/InstrId"),
        None => (end_to_end_id.as_str(), e2e_line, "PmtId/EndToEndId"),
    };
    let instruction_id = InstructionId::parse(reference)
        .map_err(|error| walker.error(reference_line, format!("{element}: {error}")))?;
    Ok(Pain001Transaction {
        line,
        instruction_id,
        end_to_end_id,
        amount: draft
            .amount
            .ok_or_else(|| missing(walker, line, what, "Amt/InstdAmt"))?,
        name: draft
            .name
            .ok_or_else(|| missing(walker, line, what, "Cdtr/Nm"))?,
        account: draft
            .account
            .ok_or_else(|| missing(walker, line, what, "CdtrAcct/Id/Othr/Id"))?,
        // Without CdtrAgt the account is at the debtor's agent (filled in below).
        bank_code: draft.bank_code.unwrap_or_default(),
        purpose: draft.purpose,
    })
}

fn read_count(walker: &Walker<'_>, path: &str) -> Result<(usize, u64), FormatError> {
    let text = walker.text();
    parse_count(text)
        .map(|count| (count, walker.line()))
        .ok_or_else(|| {
            walker.error(
                walker.line(),
                format!("{path} {text:?} is not a count (1 to 15 digits)"),
            )
        })
}

fn read_sum(walker: &Walker<'_>, path: &str) -> Result<(Amount, u64), FormatError> {
    let text = walker.text();
    parse_iso_amount(text)
        .map(|sum| (sum, walker.line()))
        .ok_or_else(|| {
            walker.error(
                walker.line(),
                format!(
                    "{path} {text:?} is not an amount in yuan (digits, a point and at most two \
                     decimals)"
                ),
            )
        })
}

fn close_pain001_element(walker: &Walker<'_>, draft: &mut Pain001Draft) -> Result<(), FormatError> {
    let text = walker.text();
    match walker.path() {
        [.., Tag::CstmrCdtTrfInitn, Tag::GrpHdr, Tag::MsgId] => {
            draft.message_id = Some(text.to_owned());
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::GrpHdr, Tag::CreDtTm] => {
            draft.created_at = Some(text.to_owned());
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::GrpHdr, Tag::NbOfTxs] => {
            draft.count = Some(read_count(walker, "GrpHdr/NbOfTxs")?);
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::GrpHdr, Tag::CtrlSum] => {
            draft.control_sum = Some(read_sum(walker, "GrpHdr/CtrlSum")?);
        }
        [
            ..,
            Tag::GrpHdr,
            Tag::InitgPty,
            Tag::Id,
            Tag::OrgId,
            Tag::Othr,
            Tag::Id,
        ] if draft.unit_code.is_empty() => draft.unit_code = text.to_owned(),
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::PmtInfId] => {
            draft.payment_info_id = Some(text.to_owned());
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::PmtMtd] if text != "TRF" => {
            return Err(walker.error(
                walker.line(),
                format!("PmtInf/PmtMtd is {text:?}; a credit transfer has TRF"),
            ));
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::NbOfTxs] => {
            draft.payment_count = Some(read_count(walker, "PmtInf/NbOfTxs")?);
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::CtrlSum] => {
            draft.payment_sum = Some(read_sum(walker, "PmtInf/CtrlSum")?);
        }
        [.., Tag::PmtInf, Tag::ReqdExctnDt, Tag::Dt | Tag::DtTm]
        | [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::ReqdExctnDt] => {
            // pain.001.001.03 has the date right in ReqdExctnDt; later versions wrap it.
            let wrapped = walker.path().last() != Some(&Tag::ReqdExctnDt);
            if wrapped || !text.is_empty() {
                let date = parse_iso_date(text).ok_or_else(|| {
                    walker.error(
                        walker.line(),
                        format!("PmtInf/ReqdExctnDt {text:?} is not a date (YYYY-MM-DD)"),
                    )
                })?;
                draft.requested = Some(date);
            }
        }
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf, Tag::Dbtr, Tag::Nm] => {
            draft.debtor_name = Some(text.to_owned());
        }
        [.., Tag::PmtInf, Tag::DbtrAcct, Tag::Id, Tag::Othr, Tag::Id] => {
            draft.debtor_account = Some(text.to_owned())
        }
        [
            ..,
            Tag::PmtInf,
            Tag::DbtrAgt,
            Tag::FinInstnId,
            Tag::Othr,
            Tag::Id,
        ] => draft.debtor_agent = Some(text.to_owned()),
        [.., Tag::CstmrCdtTrfInitn, Tag::PmtInf] => check_payment_info(walker, draft)?,
        _ => {}
    }
    Ok(())
}

/// At the end of `PmtInf`: its own count and sum against its transactions.
fn check_payment_info(walker: &Walker<'_>, draft: &Pain001Draft) -> Result<(), FormatError> {
    let found = draft.transactions.len();
    if found == 0 {
        return Err(walker.error(
            walker.line(),
            "PmtInf has no CdtTrfTxInf; a pain.001 needs at least one transaction".to_owned(),
        ));
    }
    if let Some((count, line)) = draft.payment_count {
        if count != found {
            return Err(walker.error(
                line,
                format!(
                    "PmtInf/NbOfTxs says {count} but the PmtInf has {found} CdtTrfTxInf; the \
                     bank refuses the whole file"
                ),
            ));
        }
    }
    if let Some((sum, line)) = draft.payment_sum {
        if fen_of(sum) != draft.sum {
            return Err(walker.error(
                line,
                format!(
                    "PmtInf/CtrlSum says {sum} but the {found} amounts add up to {}; the bank \
                     refuses the whole file",
                    yuan_text(draft.sum)
                ),
            ));
        }
    }
    Ok(())
}

fn finish_pain001(walker: &Walker<'_>, draft: Pain001Draft) -> Result<Pain001, FormatError> {
    let found = draft.transactions.len();
    let header = |element: &str| missing(walker, 0, "GrpHdr", element);
    let message_id = draft.message_id.ok_or_else(|| header("MsgId"))?;
    let created_at = draft.created_at.ok_or_else(|| header("CreDtTm"))?;
    let (count, count_line) = draft.count.ok_or_else(|| header("NbOfTxs"))?;
    if !draft.initiating_party {
        return Err(header("InitgPty"));
    }
    if draft.payment_info_line == 0 {
        return Err(missing(walker, 0, "CstmrCdtTrfInitn", "PmtInf"));
    }
    if count != found {
        return Err(walker.error(
            count_line,
            format!(
                "GrpHdr/NbOfTxs says {count} but the file has {found} CdtTrfTxInf; the bank \
                 refuses the whole file"
            ),
        ));
    }
    let control_sum = match draft.control_sum {
        Some((sum, line)) => {
            if fen_of(sum) != draft.sum {
                return Err(walker.error(
                    line,
                    format!(
                        "GrpHdr/CtrlSum says {sum} but the {found} amounts add up to {}; the \
                         bank refuses the whole file",
                        yuan_text(draft.sum)
                    ),
                ));
            }
            sum
        }
        None => i64::try_from(draft.sum)
            .ok()
            .and_then(|fen| Amount::from_fen(fen).ok())
            .ok_or_else(|| {
                walker.error(
                    0,
                    format!(
                        "the amounts add up to {}, more than one file can carry",
                        yuan_text(draft.sum)
                    ),
                )
            })?,
    };
    let payment = |element: &str| missing(walker, draft.payment_info_line, "PmtInf", element);
    let payer_bank_code = draft
        .debtor_agent
        .clone()
        .ok_or_else(|| payment("DbtrAgt/FinInstnId/Othr/Id"))?;
    let mut transactions = draft.transactions;
    for transaction in &mut transactions {
        if transaction.bank_code.is_empty() {
            transaction.bank_code.clone_from(&payer_bank_code);
        }
    }
    Ok(Pain001 {
        message_id,
        created_at,
        count,
        control_sum,
        payment_info_id: draft.payment_info_id.ok_or_else(|| payment("PmtInfId"))?,
        payer: Payer {
            unit_code: draft.unit_code.into(),
            name: draft.debtor_name.ok_or_else(|| payment("Dbtr/Nm"))?,
            account: draft
                .debtor_account
                .ok_or_else(|| payment("DbtrAcct/Id/Othr/Id"))?
                .into(),
        },
        payer_bank_code: payer_bank_code.as_str().into(),
        requested_execution_date: draft.requested.ok_or_else(|| payment("ReqdExctnDt/Dt"))?,
        transactions,
    })
}

// ---------------------------------------------------------------------------
// Reading pain.002

/// A status reason as read: the first code, and the `AddtlInf` texts.
#[derive(Default, Clone)]
struct ReasonDraft {
    present: bool,
    code: String,
    text: String,
    last_piece_chars: usize,
}

impl ReasonDraft {
    fn code(&mut self, code: &str) {
        self.present = true;
        if self.code.is_empty() {
            self.code = code.to_owned();
        }
    }

    fn text(&mut self, piece: &str) {
        self.present = true;
        // A piece of exactly 105 characters continues in the next AddtlInf (the
        // writer splits long texts so); others are separate sentences.
        if !self.text.is_empty() && self.last_piece_chars != MAX105 && !piece.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(piece);
        self.last_piece_chars = piece.chars().count();
    }

    fn reason(&self) -> Option<FailureReason> {
        self.present
            .then(|| FailureReason::from_iso(&self.code, &self.text))
    }
}

#[derive(Default)]
struct StatusDraft {
    line: u64,
    instruction_id: At<String>,
    end_to_end_id: At<String>,
    status: At<String>,
    reason: ReasonDraft,
    amount: Option<Amount>,
    settlement_amount: Option<Amount>,
    name: Option<CompactString>,
    account: Option<CompactString>,
}

/// What a status code means for a line.
enum Meaning {
    Settled,
    Failed,
    Pending,
}

fn meaning(code: &str) -> Option<Meaning> {
    match code {
        "ACSC" | "ACCC" => Some(Meaning::Settled),
        "RJCT" | "BLCK" | "CANC" => Some(Meaning::Failed),
        "RCVD" | "ACTC" | "ACCP" | "ACSP" | "ACWC" | "PDNG" | "ACFC" | "ACIS" | "ACWP" | "PATC"
        | "ACCR" => Some(Meaning::Pending),
        _ => None,
    }
}

/// Reads a pain.002 payment status report from an agent bank into a [`BankReturn`].
///
/// `source` names the file in messages. Tolerant of other producers: any namespace
/// prefix or none, a byte-order mark, indentation, unknown elements, optional
/// elements absent, `Rsn/Prtry` for `Rsn/Cd`, several `OrgnlPmtInfAndSts` blocks,
/// `TxInfAndSts` outside them. A line is `Settled` for `ACSC`/`ACCC`, `Failed` for
/// `RJCT`/`BLCK`, `Pending` for `RCVD`, `ACTC`, `ACCP`, `ACSP`, `ACWC`, `PDNG`; a
/// line without `TxSts` takes its block's `PmtInfSts`, else `GrpSts`. The reference
/// is `OrgnlInstrId` when it is one of ours, else `OrgnlEndToEndId`; a line with
/// neither, an unknown status or a non-CNY amount refuses the file, naming the line.
/// `GrpSts` `RJCT` without lines is a whole-file rejection ([`BankReturn::rejected`]).
pub fn read_pain002(bytes: &[u8], source: &str) -> Result<BankReturn, FormatError> {
    let mut walker = Walker::new(bytes, "pain.002");
    let mut message = false;
    let mut batch_id: Option<String> = None;
    let mut group_status: At<String> = None;
    let mut group_reason = ReasonDraft::default();
    // The current OrgnlPmtInfAndSts block's status and reason.
    let mut block_status: Option<String> = None;
    let mut block_reason = ReasonDraft::default();
    // PmtInfSts of every block, for a report without GrpSts.
    let mut block_statuses: Vec<(Option<String>, ReasonDraft)> = Vec::new();
    let mut current: Option<StatusDraft> = None;
    let mut results = Vec::new();
    loop {
        match walker.next()? {
            Step::End => break,
            Step::Open => {
                if walker.check_message(Tag::CstmrPmtStsRpt, "CstmrPmtStsRpt")? {
                    message = true;
                }
                match walker.path() {
                    [.., Tag::TxInfAndSts] if current.is_none() => {
                        current = Some(StatusDraft {
                            line: walker.line(),
                            ..StatusDraft::default()
                        });
                    }
                    [.., Tag::CstmrPmtStsRpt, Tag::OrgnlPmtInfAndSts] => {
                        block_status = None;
                        block_reason = ReasonDraft::default();
                    }
                    _ => {}
                }
            }
            Step::Close => {
                let text = walker.text();
                if let Some(draft) = current.as_mut() {
                    match walker.path() {
                        [.., Tag::TxInfAndSts] => {
                            if let Some(done) = current.take() {
                                let status = done
                                    .status
                                    .clone()
                                    .or_else(|| block_status.clone().map(|s| (s, done.line)))
                                    .or_else(|| group_status.clone().map(|(s, _)| (s, done.line)));
                                let fallback = if block_reason.present {
                                    &block_reason
                                } else {
                                    &group_reason
                                };
                                results.push(finish_status(&walker, done, status, fallback)?);
                            }
                        }
                        [.., Tag::TxInfAndSts, Tag::OrgnlInstrId] => {
                            draft.instruction_id = Some((text.to_owned(), walker.line()));
                        }
                        [.., Tag::TxInfAndSts, Tag::OrgnlEndToEndId] => {
                            draft.end_to_end_id = Some((text.to_owned(), walker.line()));
                        }
                        [.., Tag::TxInfAndSts, Tag::TxSts] => {
                            draft.status = Some((text.to_owned(), walker.line()));
                        }
                        [
                            ..,
                            Tag::TxInfAndSts,
                            Tag::StsRsnInf,
                            Tag::Rsn,
                            Tag::Cd | Tag::Prtry,
                        ] => {
                            draft.reason.code(text);
                        }
                        [.., Tag::TxInfAndSts, Tag::StsRsnInf, Tag::AddtlInf] => {
                            draft.reason.text(text);
                        }
                        [.., Tag::OrgnlTxRef, Tag::Amt, Tag::InstdAmt] => {
                            draft.amount = Some(read_amount(&walker, "OrgnlTxRef/Amt/InstdAmt")?);
                        }
                        [.., Tag::OrgnlTxRef, Tag::IntrBkSttlmAmt] => {
                            draft.settlement_amount =
                                Some(read_amount(&walker, "OrgnlTxRef/IntrBkSttlmAmt")?);
                        }
                        [.., Tag::OrgnlTxRef, Tag::Cdtr, Tag::Pty, Tag::Nm]
                        | [.., Tag::OrgnlTxRef, Tag::Cdtr, Tag::Nm] => {
                            draft.name = Some(text.into());
                        }
                        [
                            ..,
                            Tag::OrgnlTxRef,
                            Tag::CdtrAcct,
                            Tag::Id,
                            Tag::Othr,
                            Tag::Id,
                        ]
                        | [.., Tag::OrgnlTxRef, Tag::CdtrAcct, Tag::Id, Tag::Iban] => {
                            draft.account = Some(text.into());
                        }
                        _ => {}
                    }
                    continue;
                }
                match walker.path() {
                    [.., Tag::OrgnlGrpInfAndSts, Tag::OrgnlMsgId] => {
                        batch_id = Some(text.to_owned());
                    }
                    [.., Tag::OrgnlGrpInfAndSts, Tag::GrpSts] => {
                        group_status = Some((text.to_owned(), walker.line()));
                    }
                    [
                        ..,
                        Tag::OrgnlGrpInfAndSts,
                        Tag::StsRsnInf,
                        Tag::Rsn,
                        Tag::Cd | Tag::Prtry,
                    ] => {
                        group_reason.code(text);
                    }
                    [.., Tag::OrgnlGrpInfAndSts, Tag::StsRsnInf, Tag::AddtlInf] => {
                        group_reason.text(text);
                    }
                    [.., Tag::OrgnlPmtInfAndSts, Tag::PmtInfSts] => {
                        block_status = Some(text.to_owned());
                    }
                    [
                        ..,
                        Tag::OrgnlPmtInfAndSts,
                        Tag::StsRsnInf,
                        Tag::Rsn,
                        Tag::Cd | Tag::Prtry,
                    ] => {
                        block_reason.code(text);
                    }
                    [.., Tag::OrgnlPmtInfAndSts, Tag::StsRsnInf, Tag::AddtlInf] => {
                        block_reason.text(text);
                    }
                    [.., Tag::CstmrPmtStsRpt, Tag::OrgnlPmtInfAndSts] => {
                        block_statuses
                            .push((block_status.take(), std::mem::take(&mut block_reason)));
                    }
                    _ => {}
                }
            }
        }
    }
    if !message {
        return Err(walker.error(
            0,
            "no CstmrPmtStsRpt element: this is not a pain.002 payment status report".to_owned(),
        ));
    }

    // Without GrpSts, the blocks' common PmtInfSts stands for the group.
    let (status, status_line, reason) = match &group_status {
        Some((status, line)) => (Some(status.clone()), *line, group_reason),
        None => match block_statuses.split_first() {
            Some(((Some(first), reason), rest))
                if rest
                    .iter()
                    .all(|(other, _)| other.as_deref() == Some(first.as_str())) =>
            {
                (Some(first.clone()), 0, reason.clone())
            }
            _ => (None, 0, group_reason),
        },
    };
    if let Some(status) = &status {
        if meaning(status).is_none() && status != "PART" {
            return Err(walker.error(
                status_line,
                format!(
                    "GrpSts {status:?} is not an ISO 20022 status (ACSC, ACCC, PART, RJCT, \
                     RCVD, ACTC, ACCP, ACSP, ACWC, PDNG)"
                ),
            ));
        }
    }
    let complete = matches!(status.as_deref(), Some("ACSC" | "ACCC" | "RJCT" | "PART"));
    let rejected = (status.as_deref() == Some("RJCT") && results.is_empty()).then(|| {
        reason
            .reason()
            .unwrap_or_else(|| FailureReason::from_iso("", ""))
    });
    Ok(BankReturn {
        source: source.to_owned(),
        sha256: sha256_hex(bytes),
        batch_id,
        complete,
        rejected,
        results,
    })
}

fn finish_status(
    walker: &Walker<'_>,
    draft: StatusDraft,
    status: At<String>,
    fallback_reason: &ReasonDraft,
) -> Result<BankResult, FormatError> {
    let line = draft.line;
    let from_instruction = draft
        .instruction_id
        .as_ref()
        .and_then(|(id, _)| InstructionId::parse(id).ok());
    let reference = match from_instruction {
        Some(reference) => reference,
        None => {
            let (e2e, e2e_line) = draft.end_to_end_id.as_ref().ok_or_else(|| {
                let found = match &draft.instruction_id {
                    Some((id, _)) => format!("OrgnlInstrId {id:?} is not one of ours"),
                    None => "there is no OrgnlInstrId".to_owned(),
                };
                walker.error(
                    line,
                    format!(
                        "TxInfAndSts has no OrgnlEndToEndId and {found}: the line cannot be \
                         matched to a payment"
                    ),
                )
            })?;
            let parsed = InstructionId::parse(e2e).map_err(|_| {
                let instruction = match &draft.instruction_id {
                    Some((id, _)) => format!(" (OrgnlInstrId {id:?} is not one either)"),
                    None => String::new(),
                };
                walker.error(
                    *e2e_line,
                    format!(
                        "TxInfAndSts: OrgnlEndToEndId {e2e:?} is not a payment id of ours (32 \
                         hexadecimal digits){instruction}; the line cannot be matched to a \
                         payment"
                    ),
                )
            })?;
            // The end-to-end id names the payment, not the attempt.
            InstructionId {
                payment_id: parsed.payment_id,
                attempt: None,
            }
        }
    };
    let (code, code_line) = status.ok_or_else(|| {
        walker.error(
            line,
            "TxInfAndSts has no TxSts, and neither PmtInfSts nor GrpSts gives one".to_owned(),
        )
    })?;
    let reason = || {
        draft
            .reason
            .reason()
            .or_else(|| fallback_reason.reason())
            .unwrap_or_else(|| FailureReason::from_iso("", ""))
    };
    let status = match meaning(&code) {
        Some(Meaning::Settled) => ResultStatus::Settled,
        Some(Meaning::Failed) => ResultStatus::Failed { reason: reason() },
        Some(Meaning::Pending) => ResultStatus::Pending,
        None => {
            return Err(walker.error(
                code_line,
                format!(
                    "TxSts {code:?} is not a transaction status (ACSC, ACCC, RJCT, BLCK, RCVD, \
                     ACTC, ACCP, ACSP, ACWC, PDNG)"
                ),
            ));
        }
    };
    Ok(BankResult {
        line,
        reference,
        status,
        amount: draft.amount.or(draft.settlement_amount),
        name: draft.name,
        account: draft.account,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;
    use yikatong_core::FailureKind;

    use super::*;
    use yikatong_testkit::payments::{sample_batch, sample_instruction};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn numbers_and_amounts_print_as_decimals_at_any_size() {
        let printed = |fen: u128| {
            let mut out = Vec::new();
            push_fen(&mut out, fen);
            String::from_utf8_lossy(&out).into_owned()
        };
        assert_eq!(printed(0), "0.00");
        assert_eq!(printed(5), "0.05");
        assert_eq!(printed(12_050), "120.50");
        let past_64_bits = (u128::from(u64::MAX) + 1) * 100 + 7;
        assert_eq!(
            printed(past_64_bits),
            format!("{}.07", u128::from(u64::MAX) + 1)
        );
        assert_eq!(
            printed(u128::MAX),
            format!("{}.{:02}", u128::MAX / 100, u128::MAX % 100)
        );
    }

    fn instruction(
        line_no: u32,
        amount: &str,
        name: &str,
    ) -> Result<PaymentInstruction, Box<dyn std::error::Error>> {
        Ok(sample_instruction(
            line_no,
            name,
            amount,
            "6217000012345678901",
            line_no,
        )?)
    }

    fn batch() -> Result<PaymentBatch, Box<dyn std::error::Error>> {
        Ok(sample_batch(vec![
            instruction(1, "120.00", "张三")?,
            instruction(2, "80.50", "李四 & <王五>")?,
            instruction(3, "0.05", "赵六")?,
        ])?)
    }

    fn pain001() -> Result<BankFile, Box<dyn std::error::Error>> {
        Ok(write_pain001(&batch()?, datetime!(2026-11-20 09:30:00))?)
    }

    /// The child element names of every `parent` element, in order.
    fn children(xml: &[u8], parent: &str) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
        let mut reader = Reader::from_reader(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut found: Vec<Vec<String>> = Vec::new();
        loop {
            match reader.read_event()? {
                Event::Start(start) => {
                    let name = String::from_utf8(start.local_name().as_ref().to_vec())?;
                    if stack.last().map(String::as_str) == Some(parent) {
                        if let Some(last) = found.last_mut() {
                            last.push(name.clone());
                        }
                    }
                    if name == parent {
                        found.push(Vec::new());
                    }
                    stack.push(name);
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty());
        Ok(found)
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn bank_error(error: FormatError) -> (u64, String) {
        match error {
            FormatError::BankFile { line, problem, .. } => (line, problem),
            other => (u64::MAX, other.to_string()),
        }
    }

    #[test]
    fn pain001_is_well_formed_in_schema_order() -> TestResult {
        let file = pain001()?;
        assert_eq!(file.lines, 3);
        assert_eq!(file.sha256, sha256_hex(&file.bytes));
        let xml = std::str::from_utf8(&file.bytes)?;
        assert!(xml.contains("xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\""));
        assert!(xml.contains("<CreDtTm>2026-11-20T09:30:00+08:00</CreDtTm>"));
        assert!(xml.contains("<Nm>李四 &amp; &lt;王五&gt;</Nm>"));
        assert!(xml.contains("<InstdAmt Ccy=\"CNY\">0.05</InstdAmt>"));
        assert_eq!(
            children(&file.bytes, "GrpHdr")?,
            vec![strings(&[
                "MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"
            ])]
        );
        assert_eq!(
            children(&file.bytes, "PmtInf")?,
            vec![strings(&[
                "PmtInfId",
                "PmtMtd",
                "BtchBookg",
                "NbOfTxs",
                "CtrlSum",
                "ReqdExctnDt",
                "Dbtr",
                "DbtrAcct",
                "DbtrAgt",
                "CdtTrfTxInf",
                "CdtTrfTxInf",
                "CdtTrfTxInf",
            ])]
        );
        let transactions = children(&file.bytes, "CdtTrfTxInf")?;
        assert_eq!(transactions.len(), 3);
        // Accounts at the paying bank need no CdtrAgt.
        for names in transactions {
            assert_eq!(
                names,
                strings(&["PmtId", "Amt", "Cdtr", "CdtrAcct", "RmtInf"])
            );
        }
        // An account at another bank names it, in its place in the schema.
        let mut other = batch()?;
        other.instructions[1].account.bank_code = "ICBC".into();
        let file = write_pain001(&other, datetime!(2026-11-20 09:30:00))?;
        let transactions = children(&file.bytes, "CdtTrfTxInf")?;
        assert_eq!(
            transactions[1],
            strings(&["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"])
        );
        let read = read_pain001(&file.bytes)?;
        let banks: Vec<&str> = read
            .transactions
            .iter()
            .map(|t| t.bank_code.as_str())
            .collect();
        assert_eq!(banks, ["NXS", "ICBC", "NXS"]);
        assert_eq!(
            children(&file.bytes, "PmtId")?[0],
            strings(&["InstrId", "EndToEndId"])
        );
        assert_eq!(children(&file.bytes, "ReqdExctnDt")?[0], strings(&["Dt"]));
        Ok(())
    }

    #[test]
    fn large_pain001_streams_in_chunks_with_the_same_bytes_and_hash() -> TestResult {
        let lines = (1..=1_000)
            .map(|n| instruction(n, "1.00", "张三"))
            .collect::<Result<Vec<_>, _>>()?;
        let batch = sample_batch(lines)?;
        let file = write_pain001(&batch, datetime!(2026-11-20 09:30:00))?;
        assert!(file.bytes.len() > 300_000);
        assert_eq!(file.sha256, sha256_hex(&file.bytes));
        let mut streamed = Vec::new();
        let written = write_pain001_to(&batch, datetime!(2026-11-20 09:30:00), &mut streamed)?;
        assert_eq!(streamed, file.bytes);
        assert_eq!(written.sha256, file.sha256);
        assert_eq!(read_pain001(&file.bytes)?.transactions.len(), 1_000);
        Ok(())
    }

    #[test]
    fn pain001_round_trips() -> TestResult {
        let batch = batch()?;
        let file = write_pain001(&batch, datetime!(2026-11-20 09:30:00))?;
        let read = read_pain001(&file.bytes)?;
        assert_eq!(read.message_id, batch.id);
        assert_eq!(read.payment_info_id, batch.id);
        assert_eq!(read.created_at, "2026-11-20T09:30:00+08:00");
        assert_eq!(read.count, 3);
        assert_eq!(read.control_sum, batch.control_sum);
        assert_eq!(read.payer, batch.payer);
        assert_eq!(read.payer_bank_code, "NXS");
        assert_eq!(
            read.requested_execution_date,
            batch.requested_execution_date
        );
        for (read, sent) in read.transactions.iter().zip(&batch.instructions) {
            assert_eq!(read.instruction_id, sent.instruction_id());
            assert_eq!(read.end_to_end_id, sent.payment_id.to_string());
            assert_eq!(read.amount, sent.amount);
            assert_eq!(read.name, sent.account.holder_name.as_str());
            assert_eq!(read.account, sent.account.number.as_str());
            assert_eq!(read.bank_code, "NXS");
            assert_eq!(read.purpose, "2026年11月高龄津贴");
        }
        let xml = std::str::from_utf8(&file.bytes)?;
        let first = xml
            .lines()
            .position(|line| line.contains("<CdtTrfTxInf>"))
            .ok_or("none")?;
        assert_eq!(read.transactions[0].line, first as u64 + 1);
        Ok(())
    }

    #[test]
    fn writing_refuses_what_iso_cannot_carry() -> TestResult {
        let mut long = batch()?;
        long.id = "GLJT-2026-11-150422-NXS-01-REISSUE-0001".into();
        let (_, problem) = bank_error(
            write_pain001(&long, datetime!(2026-11-20 09:30:00))
                .err()
                .ok_or("accepted")?,
        );
        assert!(
            problem.contains("MsgId")
                && problem.contains("39 characters")
                && problem.contains("35"),
            "{problem}"
        );

        let mut control = batch()?;
        control.instructions[1].account.holder_name = "李\u{1}四".into();
        let (_, problem) = bank_error(
            write_pain001(&control, datetime!(2026-11-20 09:30:00))
                .err()
                .ok_or("accepted")?,
        );
        assert!(
            problem.contains("line 2") && problem.contains("U+0001"),
            "{problem}"
        );

        let mut sum = batch()?;
        sum.control_sum = Amount::parse("1.00")?;
        let (_, problem) = bank_error(
            write_pain001(&sum, datetime!(2026-11-20 09:30:00))
                .err()
                .ok_or("accepted")?,
        );
        assert!(problem.contains("200.55"), "{problem}");

        let mut empty = batch()?;
        empty.instructions.clear();
        assert!(write_pain001(&empty, datetime!(2026-11-20 09:30:00)).is_err());
        Ok(())
    }

    /// The one-based line of the first line containing `needle`.
    fn line_of(xml: &str, needle: &str) -> u64 {
        xml.lines()
            .position(|line| line.contains(needle))
            .map_or(0, |at| at as u64 + 1)
    }

    #[test]
    fn pain001_sums_that_disagree_refuse_the_file() -> TestResult {
        let file = pain001()?;
        let xml = String::from_utf8(file.bytes)?;

        let count = xml.replacen("<NbOfTxs>3</NbOfTxs>", "<NbOfTxs>4</NbOfTxs>", 1);
        let (line, problem) = bank_error(read_pain001(count.as_bytes()).err().ok_or("accepted")?);
        assert_eq!(line, line_of(&xml, "<NbOfTxs>"));
        assert!(
            problem.contains("GrpHdr/NbOfTxs says 4") && problem.contains("3 CdtTrfTxInf"),
            "{problem}"
        );

        // The second CtrlSum is PmtInf's.
        let at = xml.rfind("<CtrlSum>200.55").ok_or("no CtrlSum")?;
        let mut sum = xml.clone();
        sum.replace_range(at..at + "<CtrlSum>200.55".len(), "<CtrlSum>200.56");
        let (line, problem) = bank_error(read_pain001(sum.as_bytes()).err().ok_or("accepted")?);
        assert_eq!(line, xml[..at].matches('\n').count() as u64 + 1);
        assert!(
            problem.contains("PmtInf/CtrlSum says 200.56") && problem.contains("200.55"),
            "{problem}"
        );

        let amount = xml.replacen(">120.00<", ">121.00<", 1);
        let (_, problem) = bank_error(read_pain001(amount.as_bytes()).err().ok_or("accepted")?);
        assert!(problem.contains("CtrlSum"), "{problem}");

        let currency = xml.replacen("Ccy=\"CNY\">80.50", "Ccy=\"USD\">80.50", 1);
        let (line, problem) =
            bank_error(read_pain001(currency.as_bytes()).err().ok_or("accepted")?);
        assert_eq!(line, line_of(&xml, ">80.50<"));
        assert!(problem.contains("USD"), "{problem}");

        let bad_amount = xml.replacen(">0.05<", ">0.055<", 1);
        let (line, problem) = bank_error(
            read_pain001(bad_amount.as_bytes())
                .err()
                .ok_or("accepted")?,
        );
        assert_eq!(line, line_of(&xml, ">0.05<"));
        assert!(problem.contains("\"0.055\""), "{problem}");

        let no_name = xml
            .replacen("<Cdtr>", "<Other>", 1)
            .replacen("</Cdtr>", "</Other>", 1);
        let (line, problem) = bank_error(read_pain001(no_name.as_bytes()).err().ok_or("accepted")?);
        assert_eq!(line, line_of(&xml, "<CdtTrfTxInf>"));
        assert!(problem.contains("Cdtr/Nm"), "{problem}");
        Ok(())
    }

    fn report() -> Result<Pain002Report, Box<dyn std::error::Error>> {
        let batch = batch()?;
        let status =
            |index: usize, status: &str, reason: Option<FailureReason>| Pain002Transaction {
                instruction_id: Some(batch.instructions[index].instruction_id().to_string()),
                end_to_end_id: batch.instructions[index].payment_id.to_string(),
                status: status.to_owned(),
                reason,
                amount: Some(batch.instructions[index].amount),
                name: Some(batch.instructions[index].account.holder_name.to_string()),
                account: Some(batch.instructions[index].account.number.as_str().to_owned()),
            };
        Ok(Pain002Report {
            message_id: "NXS-RPT-0001".into(),
            created_at: datetime!(2026-11-25 16:00:00),
            original_message_id: batch.id.clone(),
            original_count: 3,
            original_sum: batch.control_sum,
            group_status: Some("PART".into()),
            group_reason: None,
            payment_info_id: Some(batch.id.clone()),
            payment_info_status: Some("PART".into()),
            transactions: vec![
                status(0, "ACSC", None),
                status(
                    1,
                    "RJCT",
                    Some(FailureReason::of_kind(FailureKind::AccountClosed)),
                ),
                status(2, "PDNG", None),
            ],
        })
    }

    #[test]
    fn pain002_written_reads_back() -> TestResult {
        let batch = batch()?;
        let bytes = write_pain002(&report()?)?;
        let read = read_pain002(&bytes, "rpt.xml")?;
        assert_eq!(read.source, "rpt.xml");
        assert_eq!(read.sha256, sha256_hex(&bytes));
        assert_eq!(read.batch_id.as_deref(), Some(batch.id.as_str()));
        assert!(read.complete);
        assert_eq!(read.rejected, None);
        assert_eq!(read.results.len(), 3);
        let xml = std::str::from_utf8(&bytes)?;
        let first = line_of(xml, "<TxInfAndSts>");
        assert_eq!(read.results[0].line, first);
        for (result, sent) in read.results.iter().zip(&batch.instructions) {
            assert_eq!(result.reference, sent.instruction_id());
            assert_eq!(result.amount, Some(sent.amount));
            assert_eq!(
                result.name.as_deref(),
                Some(sent.account.holder_name.as_str())
            );
            assert_eq!(
                result.account.as_deref(),
                Some(sent.account.number.as_str())
            );
        }
        assert_eq!(read.results[0].status, ResultStatus::Settled);
        assert_eq!(
            read.results[1].status,
            ResultStatus::Failed {
                reason: FailureReason::of_kind(FailureKind::AccountClosed)
            }
        );
        assert_eq!(read.results[2].status, ResultStatus::Pending);
        // A proprietary code goes in Prtry and comes back.
        let mut proprietary = report()?;
        proprietary.transactions[1].reason = Some(FailureReason::from_text("已销户"));
        proprietary.transactions[1]
            .reason
            .as_mut()
            .ok_or("none")?
            .code = Some("E-1234".into());
        let bytes = write_pain002(&proprietary)?;
        assert!(std::str::from_utf8(&bytes)?.contains("<Prtry>E-1234</Prtry>"));
        let read = read_pain002(&bytes, "rpt.xml")?;
        match &read.results[1].status {
            ResultStatus::Failed { reason } => {
                assert_eq!(reason.kind, FailureKind::AccountClosed);
                assert_eq!(reason.code.as_deref(), Some("E-1234"));
                assert_eq!(reason.text, "已销户");
            }
            other => return Err(format!("{other:?}").into()),
        }
        Ok(())
    }

    #[test]
    fn a_pain001_answered_reads_back_as_the_bank_said() -> TestResult {
        let batch = batch()?;
        let file = read_pain001(&write_pain001(&batch, datetime!(2026-11-20 09:30:00))?.bytes)?;
        let closed = batch.instructions[1].payment_id;
        let failed = BTreeMap::from([(closed, "AC04".to_owned())]);
        let report = answer_pain001(&file, &failed, datetime!(2026-11-21 18:00:00));
        assert_eq!(report.group_status.as_deref(), Some("PART"));
        let read = read_pain002(&write_pain002(&report)?, "answer.xml")?;
        assert_eq!(read.batch_id.as_deref(), Some(batch.id.as_str()));
        for (result, sent) in read.results.iter().zip(&batch.instructions) {
            assert_eq!(result.reference, sent.instruction_id());
            assert_eq!(result.amount, Some(sent.amount));
            match &result.status {
                ResultStatus::Failed { reason } => {
                    assert_eq!(sent.payment_id, closed);
                    assert_eq!(reason.kind, FailureKind::AccountClosed);
                    assert_eq!(reason.code.as_deref(), Some("AC04"));
                }
                other => {
                    assert_ne!(sent.payment_id, closed);
                    assert_eq!(other, &ResultStatus::Settled);
                }
            }
        }
        // Nothing refused: the whole file is accepted and settled.
        let all_paid = answer_pain001(&file, &BTreeMap::new(), datetime!(2026-11-21 18:00:00));
        assert_eq!(all_paid.group_status.as_deref(), Some("ACSC"));
        let read = read_pain002(&write_pain002(&all_paid)?, "answer.xml")?;
        assert!(
            read.results
                .iter()
                .all(|r| r.status == ResultStatus::Settled)
        );
        Ok(())
    }

    #[test]
    fn pain002_from_another_producer_is_read() -> TestResult {
        let batch = batch()?;
        let id = |index: usize| batch.instructions[index].payment_id.to_string();
        let xml = format!(
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
             <!-- produced elsewhere -->\r\n\
             <ns2:Document xmlns:ns2=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\">\r\n\
             \t<ns2:CstmrPmtStsRpt>\r\n\
             \t\t<ns2:GrpHdr>\r\n\
             \t\t\t<ns2:MsgId>X-1</ns2:MsgId>\r\n\
             \t\t\t<ns2:CreDtTm>2026-11-25T16:00:00</ns2:CreDtTm>\r\n\
             \t\t\t<ns2:InitgPty><ns2:Nm>Bank</ns2:Nm></ns2:InitgPty>\r\n\
             \t\t</ns2:GrpHdr>\r\n\
             \t\t<ns2:OrgnlGrpInfAndSts>\r\n\
             \t\t\t<ns2:OrgnlMsgId>{batch_id}</ns2:OrgnlMsgId>\r\n\
             \t\t\t<ns2:OrgnlMsgNmId>pain.001.001.09</ns2:OrgnlMsgNmId>\r\n\
             \t\t</ns2:OrgnlGrpInfAndSts>\r\n\
             \t\t<ns2:OrgnlPmtInfAndSts>\r\n\
             \t\t\t<ns2:OrgnlPmtInfId>{batch_id}</ns2:OrgnlPmtInfId>\r\n\
             \t\t\t<ns2:TxInfAndSts>\r\n\
             \t\t\t\t<ns2:StsId>S1</ns2:StsId>\r\n\
             \t\t\t\t<ns2:OrgnlInstrId>BANK-OWN-REF-1</ns2:OrgnlInstrId>\r\n\
             \t\t\t\t<ns2:OrgnlEndToEndId>{e2e0}</ns2:OrgnlEndToEndId>\r\n\
             \t\t\t\t<ns2:TxSts>ACCC</ns2:TxSts>\r\n\
             \t\t\t\t<ns2:SplmtryData><ns2:Envlp><x:TxSts xmlns:x=\"urn:x\">RJCT</x:TxSts></ns2:Envlp></ns2:SplmtryData>\r\n\
             \t\t\t</ns2:TxInfAndSts>\r\n\
             \t\t</ns2:OrgnlPmtInfAndSts>\r\n\
             \t\t<ns2:OrgnlPmtInfAndSts>\r\n\
             \t\t\t<ns2:OrgnlPmtInfId>{batch_id}</ns2:OrgnlPmtInfId>\r\n\
             \t\t\t<ns2:PmtInfSts>RJCT</ns2:PmtInfSts>\r\n\
             \t\t\t<ns2:TxInfAndSts>\r\n\
             \t\t\t\t<ns2:OrgnlEndToEndId>{e2e1}</ns2:OrgnlEndToEndId>\r\n\
             \t\t\t\t<ns2:TxSts>RJCT</ns2:TxSts>\r\n\
             \t\t\t\t<ns2:StsRsnInf>\r\n\
             \t\t\t\t\t<ns2:Rsn><ns2:Prtry>E042</ns2:Prtry></ns2:Rsn>\r\n\
             \t\t\t\t\t<ns2:AddtlInf>户名不符 &amp; 其他</ns2:AddtlInf>\r\n\
             \t\t\t\t</ns2:StsRsnInf>\r\n\
             \t\t\t\t<ns2:OrgnlTxRef><ns2:Amt><ns2:InstdAmt Ccy=\"CNY\">80.5</ns2:InstdAmt></ns2:Amt></ns2:OrgnlTxRef>\r\n\
             \t\t\t</ns2:TxInfAndSts>\r\n\
             \t\t</ns2:OrgnlPmtInfAndSts>\r\n\
             \t</ns2:CstmrPmtStsRpt>\r\n\
             </ns2:Document>\r\n",
            batch_id = batch.id,
            e2e0 = id(0),
            e2e1 = id(1),
        );
        let read = read_pain002(xml.as_bytes(), "other.xml")?;
        assert_eq!(read.batch_id.as_deref(), Some(batch.id.as_str()));
        // No GrpSts and blocks with different statuses: not known to be final.
        assert!(!read.complete);
        assert_eq!(read.results.len(), 2);
        let first = &read.results[0];
        assert_eq!(first.line, line_of(&xml, "<ns2:TxInfAndSts>"));
        assert_eq!(first.reference.payment_id, batch.instructions[0].payment_id);
        assert_eq!(first.reference.attempt, None);
        assert_eq!(first.status, ResultStatus::Settled);
        assert_eq!(first.amount, None);
        let second = &read.results[1];
        assert_eq!(
            second.reference.payment_id,
            batch.instructions[1].payment_id
        );
        assert_eq!(second.amount, Some(Amount::parse("80.50")?));
        match &second.status {
            ResultStatus::Failed { reason } => {
                assert_eq!(reason.kind, FailureKind::NameMismatch);
                assert_eq!(reason.code.as_deref(), Some("E042"));
                assert_eq!(reason.text, "户名不符 & 其他");
            }
            other => return Err(format!("{other:?}").into()),
        }
        // The same without the prefix, as a default namespace, also reads.
        let plain = xml.replace("ns2:", "").replace("xmlns:ns2", "xmlns");
        assert_eq!(
            read_pain002(plain.as_bytes(), "other.xml")?.results,
            read.results
        );
        Ok(())
    }

    #[test]
    fn group_rejection_rejects_the_file() -> TestResult {
        let mut rejected = report()?;
        rejected.group_status = Some("RJCT".into());
        rejected.group_reason = Some(FailureReason::of_kind(FailureKind::ControlSumMismatch));
        rejected.payment_info_id = None;
        rejected.transactions.clear();
        let read = read_pain002(&write_pain002(&rejected)?, "rjct.xml")?;
        assert!(read.complete);
        assert!(read.results.is_empty());
        assert_eq!(
            read.rejected,
            Some(FailureReason::of_kind(FailureKind::ControlSumMismatch))
        );

        rejected.group_reason = None;
        let read = read_pain002(&write_pain002(&rejected)?, "rjct.xml")?;
        assert_eq!(
            read.rejected.map(|reason| reason.kind),
            Some(FailureKind::Unspecified)
        );

        let mut pending = report()?;
        pending.group_status = Some("ACTC".into());
        pending.payment_info_status = None;
        assert!(!read_pain002(&write_pain002(&pending)?, "actc.xml")?.complete);
        Ok(())
    }

    #[test]
    fn bad_pain002_files_name_line_and_value() -> TestResult {
        let bytes = write_pain002(&report()?)?;
        let xml = String::from_utf8(bytes)?;
        let batch = batch()?;
        let e2e = batch.instructions[2].payment_id.to_string();
        let bad = xml.replace(&e2e, "NOT-OURS");
        let (line, problem) =
            bank_error(read_pain002(bad.as_bytes(), "x").err().ok_or("accepted")?);
        assert_eq!(line, line_of(&bad, ">NOT-OURS</OrgnlEndToEndId>"));
        assert!(problem.contains("\"NOT-OURS\""), "{problem}");

        let status = xml.replacen("<TxSts>PDNG", "<TxSts>ZZZZ", 1);
        let (line, problem) = bank_error(
            read_pain002(status.as_bytes(), "x")
                .err()
                .ok_or("accepted")?,
        );
        assert_eq!(line, line_of(&xml, "<TxSts>PDNG"));
        assert!(problem.contains("\"ZZZZ\""), "{problem}");

        let broken = xml.replacen("</TxSts>", "</TxStatus>", 1);
        let (line, problem) = bank_error(
            read_pain002(broken.as_bytes(), "x")
                .err()
                .ok_or("accepted")?,
        );
        assert_eq!(line, line_of(&xml, "</TxSts>"));
        assert!(problem.contains("not well-formed"), "{problem}");

        let cut = &xml.as_bytes()[..xml.len() / 2];
        assert!(read_pain002(cut, "x").is_err());

        let (_, problem) = bank_error(
            read_pain002(&pain001()?.bytes, "x")
                .err()
                .ok_or("accepted")?,
        );
        assert!(problem.contains("pain.001"), "{problem}");
        let (_, problem) = bank_error(read_pain001(xml.as_bytes()).err().ok_or("accepted")?);
        assert!(problem.contains("pain.002"), "{problem}");
        assert!(read_pain002(b"", "x").is_err());
        Ok(())
    }

    fn valid_files() -> Vec<Vec<u8>> {
        let mut files = Vec::new();
        if let Ok(file) = pain001() {
            files.push(file.bytes);
        }
        if let Ok(bytes) = report().and_then(|report| Ok(write_pain002(&report)?)) {
            files.push(bytes);
        }
        files
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_pain001(&bytes);
            let _ = read_pain002(&bytes, "x");
        }

        #[test]
        fn mutated_files_never_panic(
            which in 0usize..2,
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        ) {
            let files = valid_files();
            prop_assume!(files.len() == 2);
            let mut bytes = files[which].clone();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at.index(bytes.len());
                match kind {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => { bytes.remove(at); }
                }
            }
            let _ = read_pain001(&bytes);
            let _ = read_pain002(&bytes, "x");
        }
    }
}
