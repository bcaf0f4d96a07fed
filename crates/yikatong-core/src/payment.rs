//! Payment batches (发放批次) and what banks send back (回盘): the shapes shared by
//! the ledger ([`crate::ledger`]), the bank files (`yikatong-formats`) and the
//! agent-bank simulator (`yikatong-testkit`).
//!
//! Every roster line has one [`PaymentId`], derived from the project, period, roster,
//! line and payee, so rebuilding a batch from the same roster gives the same ids.
//! Each time the line is sent to a bank is an *attempt*; a reissue (补发) keeps the id
//! and takes the next attempt number. Files carry both as the instruction id
//! `<32 hex digits>-<attempt>` (35 characters, the ISO 20022 `Max35Text` limit).

use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
use sha2::{Digest, Sha256};
use time::Date;

use crate::{Amount, Error, PayeeAccount, Period, RegionCode, ResidentId, Result};

/// Why a payment command or a bank reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentRule {
    /// A payment id or instruction id that is not `<32 hex digits>` or `<32 hex digits>-<attempt>`.
    #[error(
        "{value:?} is not a payment reference: expected 32 hexadecimal digits, optionally \
         followed by \"-\" and a two-digit attempt number (01–99)"
    )]
    BadReference {
        /// The text as given.
        value: String,
    },
    /// A line would be sent more often than the files allow.
    #[error("payment {payment_id} has been sent {attempts} times; no further attempt is allowed")]
    TooManyAttempts {
        /// The payment.
        payment_id: PaymentId,
        /// Attempts so far.
        attempts: u8,
    },
    /// A roster not approved by finance, or changed since approval.
    #[error("roster {roster_id}: {detail}")]
    RosterNotPayable {
        /// The roster.
        roster_id: String,
        /// Why it cannot be paid.
        detail: String,
    },
    /// No agency agreement lets the bank pay in the county on the day.
    #[error(
        "roster {roster_id}, line {line_no}: bank {bank_code} has no agency agreement for county \
         {county} on {on}; record the agreement or move the account to a bank that has one"
    )]
    NoAgreement {
        /// The roster.
        roster_id: String,
        /// The line.
        line_no: u32,
        /// The account's bank.
        bank_code: CompactString,
        /// The county.
        county: RegionCode,
        /// The day the batch is prepared.
        on: Date,
    },
    /// The payment id is already in the ledger: the line was batched before.
    #[error(
        "payment {payment_id} (roster {roster_id}, line {line_no}) is already in batch {batch_id}; \
         a line is batched once and reissued only from the correction queue"
    )]
    AlreadyBatched {
        /// The payment.
        payment_id: PaymentId,
        /// The roster.
        roster_id: String,
        /// The line.
        line_no: u32,
        /// The batch that holds it.
        batch_id: String,
    },
    /// A payment that has settled may never be sent again.
    #[error("payment {payment_id} settled on attempt {attempt}; it can never enter another batch")]
    AlreadySettled {
        /// The payment.
        payment_id: PaymentId,
        /// The attempt that settled.
        attempt: u8,
    },
    /// No such batch in the ledger.
    #[error("there is no batch {batch_id}")]
    UnknownBatch {
        /// The id asked for.
        batch_id: String,
    },
    /// No such payment in the ledger.
    #[error("there is no payment {payment_id}")]
    UnknownPayment {
        /// The id asked for.
        payment_id: PaymentId,
    },
    /// A batch command that its status does not allow.
    #[error("batch {batch_id} is {status}; {action} is not possible now: {hint}")]
    BatchStatus {
        /// The batch.
        batch_id: String,
        /// Its status.
        status: BatchStatus,
        /// What was asked.
        action: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// A correction-queue command for a payment not waiting there, or in the wrong state.
    #[error("payment {payment_id}: {detail}")]
    Correction {
        /// The payment.
        payment_id: PaymentId,
        /// What is wrong.
        detail: String,
    },
    /// A file's SHA-256 that is not 64 hex digits.
    #[error("file hash {value:?} is not a SHA-256 (64 hexadecimal digits)")]
    BadFileHash {
        /// The text given.
        value: String,
    },
    /// Nothing to pay: the command would make an empty batch.
    #[error("there is nothing to put in a batch: {detail}")]
    NothingToPay {
        /// Why.
        detail: String,
    },
}

pub(crate) fn fail(rule: PaymentRule) -> Error {
    Error::Payment { rule }
}

// ---------------------------------------------------------------------------
// Identifiers

/// A payment's id: 128 bits of the SHA-256 of the project, period, roster, line
/// number and payee — the same whenever the batch is rebuilt from the same roster.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentId([u8; 16]);

/// What the ids of one roster's lines share: the SHA-256 of the project, period and
/// roster id. Hashed once per roster, it leaves each line one SHA-256 block (the
/// 32-byte seed, the line number and the 18-character payee: 54 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PaymentIdSeed([u8; 32]);

impl fmt::Debug for PaymentIdSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaymentIdSeed(")?;
        f.write_str(&lower_hex(&self.0))?;
        f.write_str(")")
    }
}

impl PaymentIdSeed {
    /// The seed of roster `roster_id`'s payments for `project` and `period`.
    pub fn new(project: &str, period: Period, roster_id: &str) -> PaymentIdSeed {
        let mut hasher = Sha256::new();
        // Lengths first, so no two different inputs run together into one text.
        for part in [project.as_bytes(), roster_id.as_bytes()] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let _ = fmt::Write::write_fmt(&mut HashText(&mut hasher), format_args!("{period}"));
        PaymentIdSeed(hasher.finalize().into())
    }

    /// The id of line `line_no`, paying `payee`.
    pub fn for_line(&self, line_no: u32, payee: ResidentId) -> PaymentId {
        let digest = Sha256::new()
            .chain_update(self.0)
            .chain_update(line_no.to_le_bytes())
            .chain_update(payee.as_str().as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        PaymentId(bytes)
    }
}

impl PaymentId {
    /// The id of `line_no` of roster `roster_id`, paying `payee`, for `project` and
    /// `period`. For many lines of one roster, [`PaymentIdSeed`] hashes the shared
    /// part once.
    pub fn for_line(
        project: &str,
        period: Period,
        roster_id: &str,
        line_no: u32,
        payee: ResidentId,
    ) -> PaymentId {
        PaymentIdSeed::new(project, period, roster_id).for_line(line_no, payee)
    }

    /// Reads 32 hexadecimal digits (either case).
    pub fn parse(text: &str) -> Result<PaymentId> {
        parse_hex16(text.as_bytes())
            .map(PaymentId)
            .ok_or_else(|| bad_reference(text))
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// From 16 bytes (as stored by a host system).
    pub const fn from_bytes(bytes: [u8; 16]) -> PaymentId {
        PaymentId(bytes)
    }

    /// Writes the 32 upper-case hex digits into `out`.
    pub fn write_hex(&self, out: &mut [u8; 32]) {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(byte >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(byte & 0xF)];
        }
    }

    /// The instruction id of `attempt`: `<id>-<attempt, two digits>`.
    pub fn instruction_id(&self, attempt: u8) -> InstructionId {
        InstructionId {
            payment_id: *self,
            attempt: Some(attempt),
        }
    }
}

/// Feeds formatted text straight into a hash.
struct HashText<'a>(&'a mut Sha256);

impl fmt::Write for HashText<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.0.update(text.as_bytes());
        Ok(())
    }
}

fn bad_reference(text: &str) -> Error {
    fail(PaymentRule::BadReference {
        value: text.to_owned(),
    })
}

fn parse_hex16(bytes: &[u8]) -> Option<[u8; 16]> {
    if bytes.len() != 32 {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 16];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 32];
        self.write_hex(&mut hex);
        // Only ASCII digits were written.
        f.pad(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaymentId({self})")
    }
}

impl std::str::FromStr for PaymentId {
    type Err = Error;

    fn from_str(text: &str) -> Result<PaymentId> {
        PaymentId::parse(text)
    }
}

impl serde::Serialize for PaymentId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PaymentId {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<PaymentId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PaymentId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The reference a file carries for one line: the payment id and, when the bank
/// echoes it, the attempt (`<id>-<attempt>`). Banks that return only the end-to-end
/// id give no attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstructionId {
    /// The payment.
    pub payment_id: PaymentId,
    /// The attempt, 1–99, when the reference names it.
    pub attempt: Option<u8>,
}

impl InstructionId {
    /// Reads `<32 hex>` or `<32 hex>-<01..99>`, ignoring surrounding spaces.
    pub fn parse(text: &str) -> Result<InstructionId> {
        let trimmed = text.trim();
        let bytes = trimmed.as_bytes();
        let (id, attempt) = match bytes.len() {
            32 => (bytes, None),
            35 if bytes[32] == b'-' => {
                let (tens, units) = (bytes[33], bytes[34]);
                if !tens.is_ascii_digit() || !units.is_ascii_digit() {
                    return Err(bad_reference(text));
                }
                let attempt = (tens - b'0') * 10 + (units - b'0');
                if attempt == 0 {
                    return Err(bad_reference(text));
                }
                (&bytes[..32], Some(attempt))
            }
            _ => return Err(bad_reference(text)),
        };
        let payment_id = parse_hex16(id)
            .map(PaymentId)
            .ok_or_else(|| bad_reference(text))?;
        Ok(InstructionId {
            payment_id,
            attempt,
        })
    }

    /// Writes the reference as files carry it into `out` (32 or 35 ASCII bytes).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut hex = [0u8; 32];
        self.payment_id.write_hex(&mut hex);
        out.extend_from_slice(&hex);
        if let Some(attempt) = self.attempt {
            out.extend_from_slice(&[b'-', b'0' + attempt / 10 % 10, b'0' + attempt % 10]);
        }
    }
}

impl fmt::Display for InstructionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.attempt {
            Some(attempt) => write!(f, "{}-{attempt:02}", self.payment_id),
            None => write!(f, "{}", self.payment_id),
        }
    }
}

/// The highest attempt number a reference can carry.
pub const MAX_ATTEMPTS: u8 = 99;

// ---------------------------------------------------------------------------
// Batches

/// The finance account the money comes from (付款单位): it heads every bank file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// The unit code the bank knows the payer by (单位编号).
    pub unit_code: CompactString,
    /// The payer's name, e.g. 某某旗财政局.
    pub name: String,
    /// The account debited (财政专户 / 零余额账户).
    pub account: CompactString,
}

/// One line of a batch: pay `amount` to `account` for roster line `line_no`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInstruction {
    /// The payment, the same in every attempt.
    pub payment_id: PaymentId,
    /// 1 for the first sending, then one more per reissue.
    pub attempt: u8,
    /// The roster the line belongs to.
    pub roster_id: Arc<str>,
    /// The roster line.
    pub line_no: u32,
    /// The township whose roster it is (where a failure is corrected).
    pub township: RegionCode,
    /// Who is paid: the beneficiary, or the household head.
    pub payee: ResidentId,
    /// The person the roster line is for, when not the payee (a household member
    /// listed on a per-household roster, paid through the head); `None` when the
    /// payee is the beneficiary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<ResidentId>,
    /// The account, with the holder's name as the bank has it.
    pub account: PayeeAccount,
    /// The amount, in yuan.
    pub amount: Amount,
    /// The purpose (用途/摘要), e.g. 2026年11月高龄津贴.
    pub purpose: Arc<str>,
    /// The per-account sequence number: one more than the last instruction to the
    /// same account, so a bank can reject a repeated line.
    pub account_sequence: u32,
}

impl PaymentInstruction {
    /// The reference files carry for this attempt.
    pub fn instruction_id(&self) -> InstructionId {
        self.payment_id.instruction_id(self.attempt)
    }
}

/// Whether a batch is a first payment or a reissue of corrected lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    /// Lines of finance-approved rosters, sent for the first time.
    Original,
    /// Corrected failed or returned lines (补发), same payment ids, next attempt.
    Reissue,
}

/// A payment batch (发放批次) for one agent bank and one county: what one bank file
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentBatch {
    /// The batch id, e.g. `GLJT-2026-11-150422-NXS-01`: project, period, county,
    /// bank and a sequence number. It is the file's message id.
    pub id: String,
    /// The project's code.
    pub project: String,
    /// The period paid.
    pub period: Period,
    /// The county (旗县).
    pub county: RegionCode,
    /// The agent bank's code.
    pub bank_code: CompactString,
    /// Whose account is debited.
    pub payer: Payer,
    /// First or reissue.
    pub kind: BatchKind,
    /// The day the batch was prepared.
    #[serde(with = "crate::policy::iso_date")]
    pub prepared_on: Date,
    /// The period's deadline (the project's deadline rule on the working-day calendar).
    #[serde(with = "crate::policy::iso_date")]
    pub deadline: Date,
    /// The day the bank is asked to pay: the deadline, or the earliest day the bank
    /// can pay when that is later (then the batch is late).
    #[serde(with = "crate::policy::iso_date")]
    pub requested_execution_date: Date,
    /// The lines, ordered by roster and line number.
    pub instructions: Vec<PaymentInstruction>,
    /// The sum of the amounts (控制金额).
    pub control_sum: Amount,
}

impl PaymentBatch {
    /// The number of instructions.
    pub fn count(&self) -> usize {
        self.instructions.len()
    }

    /// Whether the bank is asked to pay after the deadline (迟发).
    pub fn is_late(&self) -> bool {
        self.requested_execution_date > self.deadline
    }
}

/// Where a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Built; no file sent yet.
    Prepared,
    /// Its file was written and its SHA-256 recorded.
    Exported,
    /// The bank accepted the file.
    Accepted,
    /// The bank rejected the whole file: fix and export again (same payment ids).
    Rejected,
    /// Some results are in; others are pending.
    Settling,
    /// Every line has a final result (settled or failed).
    Settled,
    /// Reconciled and closed: failures are in the correction queue.
    Closed,
}

impl BatchStatus {
    /// The English name with the Chinese one.
    pub const fn label(self) -> &'static str {
        match self {
            BatchStatus::Prepared => "prepared (已生成)",
            BatchStatus::Exported => "exported (已导出)",
            BatchStatus::Accepted => "accepted by the bank (银行已受理)",
            BatchStatus::Rejected => "rejected by the bank as a whole (整批退回)",
            BatchStatus::Settling => "settling (发放中)",
            BatchStatus::Settled => "settled (已回盘)",
            BatchStatus::Closed => "closed (已关闭)",
        }
    }
}

impl fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.label())
    }
}

// ---------------------------------------------------------------------------
// Failures and results

/// Why a bank did not pay a line, in one vocabulary for ISO 20022 reason codes and
/// the result texts of domestic files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// The account number is wrong or does not exist (AC01, AC03, AC16; 卡号不存在).
    InvalidAccount,
    /// The account is closed (AC04, AC07; 已销户).
    AccountClosed,
    /// The account is frozen or blocked (AC06; 冻结, 介质/账号状态异常).
    AccountBlocked,
    /// The holder's name does not match the account (BE01; 户名不符).
    NameMismatch,
    /// The bank does not know the customer (BE06).
    UnknownCustomer,
    /// The account holder has died (MD07).
    Deceased,
    /// The account type cannot take this payment (AG01; 非结算户).
    AccountTypeForbidden,
    /// The payer's account lacked funds (AM04; 余额不足).
    InsufficientFunds,
    /// The bank saw the line as a repeat (AM05, DUPL; 记录重复).
    Duplicate,
    /// The file's sums disagree (AM10).
    ControlSumMismatch,
    /// The file could not be read (FF01).
    FormatInvalid,
    /// Received after the bank's cut-off (TM01).
    AfterCutOff,
    /// The credit was returned after it had been paid (退票).
    Returned,
    /// No reason given (MS03) or one this library does not know.
    Unspecified,
}

impl FailureKind {
    /// Whether the township must fix the account (or the payee) before a reissue;
    /// otherwise the line can be sent again as it is.
    pub const fn needs_account_fix(self) -> bool {
        matches!(
            self,
            FailureKind::InvalidAccount
                | FailureKind::AccountClosed
                | FailureKind::AccountBlocked
                | FailureKind::NameMismatch
                | FailureKind::UnknownCustomer
                | FailureKind::Deceased
                | FailureKind::AccountTypeForbidden
                | FailureKind::Returned
        )
    }

    /// The ISO 20022 reason code that best names the kind.
    pub const fn iso_code(self) -> &'static str {
        match self {
            FailureKind::InvalidAccount => "AC01",
            FailureKind::AccountClosed => "AC04",
            FailureKind::AccountBlocked => "AC06",
            FailureKind::NameMismatch => "BE01",
            FailureKind::UnknownCustomer => "BE06",
            FailureKind::Deceased => "MD07",
            FailureKind::AccountTypeForbidden => "AG01",
            FailureKind::InsufficientFunds => "AM04",
            FailureKind::Duplicate => "AM05",
            FailureKind::ControlSumMismatch => "AM10",
            FailureKind::FormatInvalid => "FF01",
            FailureKind::AfterCutOff => "TM01",
            FailureKind::Returned => "NARR",
            FailureKind::Unspecified => "MS03",
        }
    }

    /// A result text a domestic bank file uses for the kind.
    pub const fn text_zh(self) -> &'static str {
        match self {
            FailureKind::InvalidAccount => "单位编号错误或者卡号不存在",
            FailureKind::AccountClosed => "已销户",
            FailureKind::AccountBlocked => "完全冻结",
            FailureKind::NameMismatch => "户名不符",
            FailureKind::UnknownCustomer => "客户不存在",
            FailureKind::Deceased => "客户已身故",
            FailureKind::AccountTypeForbidden => "该户为非结算户,不能转帐",
            FailureKind::InsufficientFunds => "账面可用余额不足",
            FailureKind::Duplicate => "记录重复",
            FailureKind::ControlSumMismatch => "汇总金额不符",
            FailureKind::FormatInvalid => "文件格式错误",
            FailureKind::AfterCutOff => "超过截止时间",
            FailureKind::Returned => "退票",
            FailureKind::Unspecified => "交易失败",
        }
    }

    /// Reads an ISO 20022 reason code (external code set); unknown codes are `Unspecified`.
    pub fn from_iso_code(code: &str) -> FailureKind {
        match code.trim() {
            "AC01" | "AC03" | "AC16" | "AC02" | "RC01" => FailureKind::InvalidAccount,
            "AC04" | "AC07" => FailureKind::AccountClosed,
            "AC06" | "AC05" => FailureKind::AccountBlocked,
            "BE01" | "BE04" => FailureKind::NameMismatch,
            "BE06" | "BE05" => FailureKind::UnknownCustomer,
            "MD07" => FailureKind::Deceased,
            "AG01" | "AG03" => FailureKind::AccountTypeForbidden,
            "AM04" => FailureKind::InsufficientFunds,
            "AM05" | "DUPL" => FailureKind::Duplicate,
            "AM10" => FailureKind::ControlSumMismatch,
            "FF01" => FailureKind::FormatInvalid,
            "TM01" => FailureKind::AfterCutOff,
            _ => FailureKind::Unspecified,
        }
    }

    /// Reads a domestic result text by the phrases banks use; unknown texts are
    /// `Unspecified`.
    pub fn from_text(text: &str) -> FailureKind {
        // Most specific phrases first: 只进不出 and 冻结 both mean blocked.
        const PHRASES: &[(&str, FailureKind)] = &[
            ("户名不符", FailureKind::NameMismatch),
            ("户名错", FailureKind::NameMismatch),
            ("姓名不符", FailureKind::NameMismatch),
            ("销户", FailureKind::AccountClosed),
            ("冻结", FailureKind::AccountBlocked),
            ("只进不出", FailureKind::AccountBlocked),
            ("介质状态异常", FailureKind::AccountBlocked),
            ("账号状态异常", FailureKind::AccountBlocked),
            ("挂失", FailureKind::AccountBlocked),
            ("非结算户", FailureKind::AccountTypeForbidden),
            ("卡号不存在", FailureKind::InvalidAccount),
            ("账号不存在", FailureKind::InvalidAccount),
            ("代理编号不存在", FailureKind::InvalidAccount),
            ("账号错", FailureKind::InvalidAccount),
            ("客户不存在", FailureKind::UnknownCustomer),
            ("身故", FailureKind::Deceased),
            ("死亡", FailureKind::Deceased),
            ("余额不足", FailureKind::InsufficientFunds),
            ("记录重复", FailureKind::Duplicate),
            ("重复", FailureKind::Duplicate),
            ("汇总金额不符", FailureKind::ControlSumMismatch),
            ("格式错误", FailureKind::FormatInvalid),
            ("截止时间", FailureKind::AfterCutOff),
            ("退票", FailureKind::Returned),
            ("退汇", FailureKind::Returned),
        ];
        PHRASES
            .iter()
            .find(|(phrase, _)| text.contains(phrase))
            .map_or(FailureKind::Unspecified, |&(_, kind)| kind)
    }
}

/// A bank's reason for not paying (or for returning) a line: the kind this library
/// acts on, with the code and text exactly as the bank sent them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureReason {
    /// What it means.
    pub kind: FailureKind,
    /// The ISO 20022 reason code or proprietary code as sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CompactString>,
    /// The result text as sent (e.g. 已销户, or `AddtlInf`), possibly empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl FailureReason {
    /// From an ISO 20022 `Rsn/Cd` (or `Prtry`) and `AddtlInf`. A code this library does
    /// not know, or `NARR`, is read from the text when the text names a known reason.
    pub fn from_iso(code: &str, additional: &str) -> FailureReason {
        let mut kind = FailureKind::from_iso_code(code);
        if kind == FailureKind::Unspecified {
            kind = FailureKind::from_text(additional);
        }
        FailureReason {
            kind,
            code: (!code.trim().is_empty()).then(|| code.trim().into()),
            text: additional.to_owned(),
        }
    }

    /// From a domestic failure file's result text.
    pub fn from_text(text: &str) -> FailureReason {
        FailureReason {
            kind: FailureKind::from_text(text),
            code: None,
            text: text.to_owned(),
        }
    }

    /// The reason of `kind` with its usual code and text (what the simulator writes).
    pub fn of_kind(kind: FailureKind) -> FailureReason {
        FailureReason {
            kind,
            code: Some(kind.iso_code().into()),
            text: kind.text_zh().to_owned(),
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if self.text.is_empty() {
            self.kind.text_zh()
        } else {
            &self.text
        };
        match &self.code {
            Some(code) => write!(f, "{code} {text}"),
            None => f.write_str(text),
        }
    }
}

/// What a bank says about one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ResultStatus {
    /// Paid onto the account (ACSC, ACCC; the success file).
    Settled,
    /// Not paid (RJCT; the failure file).
    Failed {
        /// Why.
        reason: FailureReason,
    },
    /// Paid, then the credit came back (退票).
    Returned {
        /// Why.
        reason: FailureReason,
    },
    /// Received or in progress (RCVD, ACTC, ACCP, ACSP, ACWC, PDNG): nothing final.
    Pending,
}

/// One line of a bank's result file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankResult {
    /// The line (or, for XML, the line where the transaction's element starts).
    pub line: u64,
    /// The reference the bank echoed.
    pub reference: InstructionId,
    /// What happened.
    #[serde(flatten)]
    pub status: ResultStatus,
    /// The amount the bank states, if it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The account holder's name the bank states, if it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    /// The account number the bank states, if it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<CompactString>,
}

/// A bank's result file (回盘文件), read into one shape whatever its format.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankReturn {
    /// The file name or another label for messages.
    pub source: String,
    /// The SHA-256 of the file's bytes (for a success/failure pair, of both in order).
    pub sha256: String,
    /// The batch the file answers, when the file says so (message id / 批次号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// Whether the file answers every line of the batch (a final status report, a
    /// success and failure pair): then lines it does not mention are missing.
    pub complete: bool,
    /// The bank rejected the whole file, with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<FailureReason>,
    /// The lines, in file order.
    pub results: Vec<BankResult>,
}

impl serde::Serialize for InstructionId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for InstructionId {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<InstructionId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        InstructionId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The SHA-256 of `bytes` as 64 lower-case hex digits (what the ledger records of a file).
pub fn sha256_hex(bytes: &[u8]) -> String {
    lower_hex(&Sha256::digest(bytes))
}

/// Bytes (a digest) as lower-case hex digits, two per byte.
pub fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xF)]));
    }
    hex
}

/// Checks a recorded file hash is 64 hex digits.
pub(crate) fn check_file_hash(value: &str) -> Result<()> {
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(fail(PaymentRule::BadFileHash {
            value: value.to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn id() -> std::result::Result<PaymentId, Error> {
        Ok(PaymentId::for_line(
            "GLJT",
            Period::parse("2026-11")?,
            "R-150422101",
            7,
            ResidentId::parse("11010519491231002X")?,
        ))
    }

    #[test]
    fn payment_ids_are_stable_and_differ_by_line() -> TestResult {
        let a = id()?;
        assert_eq!(a, id()?);
        let other = PaymentId::for_line(
            "GLJT",
            Period::parse("2026-11")?,
            "R-150422101",
            8,
            ResidentId::parse("11010519491231002X")?,
        );
        assert_ne!(a, other);
        // Project and roster id are length-prefixed: moving a character between them
        // changes the id.
        let shifted = PaymentId::for_line(
            "GLJTR",
            Period::parse("2026-11")?,
            "-150422101",
            7,
            ResidentId::parse("11010519491231002X")?,
        );
        assert_ne!(a, shifted);
        Ok(())
    }

    #[test]
    fn a_roster_seed_gives_the_ids_of_its_lines() -> TestResult {
        let period = Period::parse("2026-11")?;
        let payee = ResidentId::parse("11010519491231002X")?;
        let seed = PaymentIdSeed::new("GLJT", period, "R-150422101");
        assert_eq!(seed.for_line(7, payee), id()?);
        assert_ne!(
            PaymentIdSeed::new("GLJT", period, "R-150422102").for_line(7, payee),
            id()?
        );
        // The documented recipe, written out: ids stay the same across versions.
        let mut prefix = Vec::new();
        for part in ["GLJT", "R-150422101"] {
            prefix.extend_from_slice(&(part.len() as u64).to_le_bytes());
            prefix.extend_from_slice(part.as_bytes());
        }
        prefix.extend_from_slice(b"2026-11");
        let mut line = Sha256::digest(&prefix).to_vec();
        line.extend_from_slice(&7u32.to_le_bytes());
        line.extend_from_slice(b"11010519491231002X");
        assert_eq!(id()?.as_bytes()[..], Sha256::digest(&line)[..16]);
        Ok(())
    }

    #[test]
    fn references_round_trip_with_and_without_attempt() -> TestResult {
        let payment = id()?;
        let text = payment.instruction_id(3).to_string();
        assert_eq!(text.len(), 35);
        assert!(text.ends_with("-03"));
        let back = InstructionId::parse(&text)?;
        assert_eq!(back.payment_id, payment);
        assert_eq!(back.attempt, Some(3));
        let bare = InstructionId::parse(&payment.to_string().to_lowercase())?;
        assert_eq!(bare.attempt, None);
        assert_eq!(bare.payment_id, payment);
        let mut bytes = Vec::new();
        payment.instruction_id(12).write_to(&mut bytes);
        assert_eq!(bytes, payment.instruction_id(12).to_string().into_bytes());
        Ok(())
    }

    #[test]
    fn bad_references_name_the_value() -> TestResult {
        let payment = id()?.to_string();
        for bad in [
            String::new(),
            "12".into(),
            format!("{payment}-00"),
            format!("{payment}-1x"),
            format!("{payment}_01"),
            payment.replace('A', "G").replacen(&payment[..1], "Z", 1),
        ] {
            let error = InstructionId::parse(&bad).err().ok_or("accepted")?;
            assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        }
        Ok(())
    }

    #[test]
    fn result_texts_and_codes_map_to_one_vocabulary() {
        assert_eq!(
            FailureKind::from_text("户名不符"),
            FailureKind::NameMismatch
        );
        assert_eq!(FailureKind::from_text("已销户"), FailureKind::AccountClosed);
        assert_eq!(
            FailureKind::from_text("只进不出"),
            FailureKind::AccountBlocked
        );
        assert_eq!(
            FailureKind::from_text("该户为非结算户,不能转帐"),
            FailureKind::AccountTypeForbidden
        );
        assert_eq!(
            FailureKind::from_text("单位编号错误或者卡号不存在"),
            FailureKind::InvalidAccount
        );
        assert_eq!(FailureKind::from_text("天气不好"), FailureKind::Unspecified);
        assert_eq!(
            FailureKind::from_iso_code("AC07"),
            FailureKind::AccountClosed
        );
        assert_eq!(FailureKind::from_iso_code("DUPL"), FailureKind::Duplicate);
        let narr = FailureReason::from_iso("NARR", "账户已销户");
        assert_eq!(narr.kind, FailureKind::AccountClosed);
        assert_eq!(narr.code.as_deref(), Some("NARR"));
        assert_eq!(narr.text, "账户已销户");
        for kind in [
            FailureKind::InvalidAccount,
            FailureKind::AccountClosed,
            FailureKind::AccountBlocked,
            FailureKind::NameMismatch,
            FailureKind::Deceased,
            FailureKind::InsufficientFunds,
            FailureKind::Duplicate,
            FailureKind::AfterCutOff,
        ] {
            assert_eq!(FailureKind::from_text(kind.text_zh()), kind);
            assert_eq!(FailureKind::from_iso_code(kind.iso_code()), kind);
        }
    }
}
