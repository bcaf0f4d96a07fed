//! An agent-bank simulator: answers a payment batch with what a bank would send back
//! (回盘), including the ways real banks misbehave, at the level of core types
//! ([`BankReturn`], [`BankResult`]); writing those as files is the formats crate's job.
//!
//! Whether a line fails, and with which result text, is drawn from the seed and the
//! line's reference (payment id and attempt): answering the same file twice gives the
//! same results, and a reissue (the next attempt) gets a fresh draw. Texts are the
//! ones real core-banking systems write (户名不符, 已销户, 完全冻结 …), read back
//! with [`FailureReason::from_text`] so the kind always comes from the text.
//!
//! ```
//! use yikatong_core::{Amount, InstructionId, PaymentId, ResultStatus};
//! use yikatong_testkit::bank::{Adversity, BankSimulator, SimulatedInstruction};
//!
//! let line = SimulatedInstruction {
//!     reference: PaymentId::from_bytes([7; 16]).instruction_id(1),
//!     name: "王建国".into(),
//!     account: "6228480000000000011".into(),
//!     amount: Amount::from_fen(128_000)?,
//!     sequence: 1,
//! };
//! let bank = BankSimulator::new(2026).with_closed_accounts(["6228480000000000011".to_owned()]);
//! let answer = bank.answer("GLJT-2026-11-150422-NMNX-01", &[line]);
//! assert!(matches!(&answer.first.results[0].status,
//!     ResultStatus::Failed { reason } if reason.text == "已销户"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yikatong_core::{
    Amount, BankResult, BankReturn, FailureReason, InstructionId, PaymentBatch, PaymentId,
    PaymentInstruction, ResultStatus, sha256_hex,
};

/// Result texts for failed lines, as real core-banking code writes them, with a
/// weight (out of 100) that roughly follows how often each is seen: name and account
/// errors most, payer-side and duplicate refusals least.
const FAILURE_TEXTS: [(&str, u32); 12] = [
    ("户名不符", 20),
    ("单位编号错误或者卡号不存在", 18),
    ("已销户", 14),
    ("完全冻结", 8),
    ("只进不出", 4),
    ("冻结状态异常", 6),
    ("介质状态异常", 6),
    ("账号状态异常", 6),
    ("该户为非结算户,不能转帐", 5),
    ("代理编号不存在", 5),
    ("账面可用余额不足", 6),
    ("记录重复", 2),
];

/// Result texts of a credit that came back after it was paid (退票 / 退汇).
const RETURN_TEXTS: [&str; 4] = ["退票", "已销户,退票", "户名不符,退票", "账号状态异常,退汇"];

/// Texts of a refusal of the whole file: the summary disagrees with the lines, or the
/// file cannot be read.
const REJECT_TEXTS: [&str; 2] = ["汇总金额不符", "文件格式错误"];

/// The text of a line whose account is known to be closed.
pub const CLOSED_ACCOUNT_TEXT: &str = "已销户";

/// The text of a line that repeats an account's sequence number.
pub const REPEATED_LINE_TEXT: &str = "记录重复";

/// One line as the bank sees it: the reference, the holder's name and account, the
/// amount and the per-account sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedInstruction {
    /// The reference the file carries (`<payment id>-<attempt>`).
    pub reference: InstructionId,
    /// The account holder's name as written in the file.
    pub name: String,
    /// The account number.
    pub account: String,
    /// The amount to pay.
    pub amount: Amount,
    /// The per-account sequence number; a repeat is refused with 记录重复.
    pub sequence: u32,
}

impl From<&PaymentInstruction> for SimulatedInstruction {
    fn from(instruction: &PaymentInstruction) -> SimulatedInstruction {
        SimulatedInstruction {
            reference: instruction.instruction_id(),
            name: instruction.account.holder_name.to_string(),
            account: instruction.account.number.as_str().to_owned(),
            amount: instruction.amount,
            sequence: instruction.account_sequence,
        }
    }
}

/// A way a bank's answer departs from a clean, complete, one-line-per-instruction
/// result. Per-line adversities hit each line with
/// [`BankSimulator::adversity_per_mille`] chance; [`Adversity::RejectWholeFile`] hits
/// the whole answer with that chance; [`Adversity::ReorderLines`] and
/// [`Adversity::EchoWithoutAttempt`] are traits of the bank and apply whenever listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Adversity {
    /// Some result lines are sent twice.
    DuplicateLines,
    /// Some lines get no result, though the file claims to be complete.
    MissingLines,
    /// The results come in an order unrelated to the file's (whole answer).
    ReorderLines,
    /// Results for payment ids that were never instructed (valid 32-hex references).
    UnknownExtraLines,
    /// Some success lines state an amount other than the one instructed.
    AlteredAmounts,
    /// Some failed lines are reported settled in a later result set: the bank paid
    /// after all.
    LateSuccessAfterFailure,
    /// The whole file is refused (汇总金额不符 or 文件格式错误), no line results.
    RejectWholeFile,
    /// Some settled lines come back later as returned (退票).
    Returns,
    /// References carry only the payment id, no attempt (whole answer).
    EchoWithoutAttempt,
}

impl Adversity {
    /// Every adversity.
    pub const ALL: [Adversity; 9] = [
        Adversity::DuplicateLines,
        Adversity::MissingLines,
        Adversity::ReorderLines,
        Adversity::UnknownExtraLines,
        Adversity::AlteredAmounts,
        Adversity::LateSuccessAfterFailure,
        Adversity::RejectWholeFile,
        Adversity::Returns,
        Adversity::EchoWithoutAttempt,
    ];
}

/// What the bank sends back for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAnswer {
    /// The result set answering the file (success and failure lines, or a refusal).
    pub first: BankReturn,
    /// A later result set, when there is one: late successes of lines that failed in
    /// `first`, and returns (退票) of lines settled in `first`. Never complete.
    pub later: Option<BankReturn>,
}

/// A deterministic agent bank. Build it with [`BankSimulator::new`] and the `with_`
/// methods; the fields are public so a test can also write it out in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankSimulator {
    /// Seed of every draw.
    pub seed: u64,
    /// Chance, in per mille, that a line fails (values above 1000 count as 1000).
    pub failure_per_mille: u32,
    /// The adversities the bank shows.
    pub adversities: Vec<Adversity>,
    /// Chance, in per mille, that an adversity hits a line (or the whole answer).
    pub adversity_per_mille: u32,
    /// Accounts known to be closed: lines to them always fail with 已销户.
    pub closed_accounts: BTreeSet<String>,
}

/// Independent per-line draws, all made whatever the configuration so that turning
/// one adversity on never changes another decision.
#[derive(Debug, Clone, Copy)]
struct LineDraws {
    fails: bool,
    text: &'static str,
    duplicate: bool,
    missing: bool,
    extra: bool,
    altered: bool,
    late_success: bool,
    returned: bool,
    amount_delta_fen: i64,
    return_text: &'static str,
    extra_id: [u8; 16],
    extra_fen: i64,
}

/// Salts that keep the per-line and per-answer draws apart.
const SALT_LINE: u8 = 1;
const SALT_ANSWER: u8 = 2;

impl BankSimulator {
    /// A bank seeded with `seed` that pays every line and misbehaves in no way.
    pub fn new(seed: u64) -> BankSimulator {
        BankSimulator {
            seed,
            failure_per_mille: 0,
            adversities: Vec::new(),
            adversity_per_mille: 0,
            closed_accounts: BTreeSet::new(),
        }
    }

    /// Lines fail with `per_mille` chance each.
    pub fn with_failure_per_mille(mut self, per_mille: u32) -> BankSimulator {
        self.failure_per_mille = per_mille;
        self
    }

    /// The bank also shows `adversity` (listing it twice changes nothing).
    pub fn with_adversity(mut self, adversity: Adversity) -> BankSimulator {
        if !self.adversities.contains(&adversity) {
            self.adversities.push(adversity);
        }
        self
    }

    /// The bank no longer shows `adversity`: e.g. a file refused as a whole is sent
    /// again and this time accepted.
    pub fn without(mut self, adversity: Adversity) -> BankSimulator {
        self.adversities.retain(|&a| a != adversity);
        self
    }

    /// Adversities hit with `per_mille` chance each.
    pub fn with_adversity_per_mille(mut self, per_mille: u32) -> BankSimulator {
        self.adversity_per_mille = per_mille;
        self
    }

    /// Lines to these accounts always fail with 已销户, whatever the draw; a reissue to
    /// a corrected account is then drawn like any other line.
    pub fn with_closed_accounts(mut self, accounts: impl IntoIterator<Item = String>) -> Self {
        self.closed_accounts.extend(accounts);
        self
    }

    /// Whether the bank shows `adversity`.
    pub fn shows(&self, adversity: Adversity) -> bool {
        self.adversities.contains(&adversity)
    }

    /// Answers the lines of `batch`, with the batch id as the file's name.
    pub fn answer_batch(&self, batch: &PaymentBatch) -> BankAnswer {
        let lines: Vec<SimulatedInstruction> = batch
            .instructions
            .iter()
            .map(SimulatedInstruction::from)
            .collect();
        self.answer(&batch.id, &lines)
    }

    /// Answers the file `batch_id` carrying `lines`. The same simulator and input
    /// always give the same answer.
    pub fn answer(&self, batch_id: &str, lines: &[SimulatedInstruction]) -> BankAnswer {
        let echo_attempt = !self.shows(Adversity::EchoWithoutAttempt);
        let mut answer_rng = self.answer_rng(batch_id);
        // Drawn always, so that the other adversities do not move these draws.
        let reject_draw = answer_rng.random_range(0u32..1000);
        let reject_text = REJECT_TEXTS[answer_rng.random_range(0..REJECT_TEXTS.len())];
        if self.shows(Adversity::RejectWholeFile) && reject_draw < self.adversity_cap() {
            let reason = FailureReason::from_text(reject_text);
            let sha256 = sha256_hex(&canonical_bytes(batch_id, Some(&reason), &[]));
            return BankAnswer {
                first: BankReturn {
                    source: format!("{batch_id}.result"),
                    sha256,
                    batch_id: Some(batch_id.to_owned()),
                    complete: true,
                    rejected: Some(reason),
                    results: Vec::new(),
                },
                later: None,
            };
        }

        let instructed: HashSet<PaymentId> =
            lines.iter().map(|line| line.reference.payment_id).collect();
        let mut sequences_seen: HashSet<(&str, u32)> = HashSet::with_capacity(lines.len());
        let mut first = Vec::with_capacity(lines.len());
        let mut later = Vec::new();
        for line in lines {
            let draws = self.line_draws(line.reference);
            let reference = InstructionId {
                payment_id: line.reference.payment_id,
                attempt: line.reference.attempt.filter(|_| echo_attempt),
            };
            let repeated = !sequences_seen.insert((line.account.as_str(), line.sequence));
            let failure = if self.closed_accounts.contains(&line.account) {
                Some(CLOSED_ACCOUNT_TEXT)
            } else if repeated {
                Some(REPEATED_LINE_TEXT)
            } else if draws.fails {
                Some(draws.text)
            } else {
                None
            };
            let echoed = |status: ResultStatus, amount: Amount| BankResult {
                line: 0,
                reference,
                status,
                amount: Some(amount),
                name: Some(line.name.as_str().into()),
                account: Some(line.account.as_str().into()),
            };
            let result = match failure {
                Some(text) => echoed(
                    ResultStatus::Failed {
                        reason: FailureReason::from_text(text),
                    },
                    line.amount,
                ),
                None => {
                    let amount = if self.hits(Adversity::AlteredAmounts, draws.altered) {
                        altered(line.amount, draws.amount_delta_fen)
                    } else {
                        line.amount
                    };
                    echoed(ResultStatus::Settled, amount)
                }
            };
            if self.hits(Adversity::MissingLines, draws.missing) {
                // Nothing at all about the line: not now, not later.
                continue;
            }
            if failure.is_some()
                && self.hits(Adversity::LateSuccessAfterFailure, draws.late_success)
            {
                later.push(echoed(ResultStatus::Settled, line.amount));
            }
            if failure.is_none() && self.hits(Adversity::Returns, draws.returned) {
                later.push(echoed(
                    ResultStatus::Returned {
                        reason: FailureReason::from_text(draws.return_text),
                    },
                    line.amount,
                ));
            }
            if self.hits(Adversity::DuplicateLines, draws.duplicate) {
                first.push(result.clone());
            }
            first.push(result);
            if self.hits(Adversity::UnknownExtraLines, draws.extra) {
                first.push(unknown_line(&instructed, &draws, echo_attempt));
            }
        }
        if self.shows(Adversity::ReorderLines) {
            shuffle(&mut first, &mut answer_rng);
        }
        number_lines(&mut first);
        number_lines(&mut later);

        let first = BankReturn {
            source: format!("{batch_id}.result"),
            sha256: sha256_hex(&canonical_bytes(batch_id, None, &first)),
            batch_id: Some(batch_id.to_owned()),
            // Claimed even when lines are missing: that is the adversity.
            complete: true,
            rejected: None,
            results: first,
        };
        let later = (!later.is_empty()).then(|| BankReturn {
            source: format!("{batch_id}.later.result"),
            sha256: sha256_hex(&canonical_bytes(batch_id, None, &later)),
            batch_id: Some(batch_id.to_owned()),
            complete: false,
            rejected: None,
            results: later,
        });
        BankAnswer { first, later }
    }

    fn adversity_cap(&self) -> u32 {
        self.adversity_per_mille.min(1000)
    }

    fn hits(&self, adversity: Adversity, drawn: bool) -> bool {
        drawn && self.shows(adversity)
    }

    /// The draws of one line, from the seed and the line's payment id and attempt.
    fn line_draws(&self, reference: InstructionId) -> LineDraws {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        key[8..24].copy_from_slice(reference.payment_id.as_bytes());
        key[24] = reference.attempt.unwrap_or(0);
        key[31] = SALT_LINE;
        let mut rng = ChaCha8Rng::from_seed(key);
        let failure_cap = self.failure_per_mille.min(1000);
        let adversity_cap = self.adversity_cap();
        let fails = rng.random_range(0u32..1000) < failure_cap;
        let text = weighted_text(rng.random_range(0u32..100));
        let mut adversity = || rng.random_range(0u32..1000) < adversity_cap;
        let (duplicate, missing, extra) = (adversity(), adversity(), adversity());
        let (altered, late_success, returned) = (adversity(), adversity(), adversity());
        let amount_delta_fen = rng.random_range(1i64..=10_000);
        let return_text = RETURN_TEXTS[rng.random_range(0..RETURN_TEXTS.len())];
        let mut extra_id = [0u8; 16];
        extra_id[..8].copy_from_slice(&rng.random::<u64>().to_le_bytes());
        extra_id[8..].copy_from_slice(&rng.random::<u64>().to_le_bytes());
        let extra_fen = rng.random_range(1_000i64..=500_000);
        LineDraws {
            fails,
            text,
            duplicate,
            missing,
            extra,
            altered,
            late_success,
            returned,
            amount_delta_fen,
            return_text,
            extra_id,
            extra_fen,
        }
    }

    /// The generator of whole-answer draws, from the seed and the batch id.
    fn answer_rng(&self, batch_id: &str) -> ChaCha8Rng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        key[8..16].copy_from_slice(&fnv1a(batch_id.as_bytes()).to_le_bytes());
        key[16..24].copy_from_slice(&(batch_id.len() as u64).to_le_bytes());
        key[31] = SALT_ANSWER;
        ChaCha8Rng::from_seed(key)
    }
}

/// The failure text at `draw` (0..100) of the weighted table.
fn weighted_text(draw: u32) -> &'static str {
    let mut left = draw;
    for (text, weight) in FAILURE_TEXTS {
        if left < weight {
            return text;
        }
        left -= weight;
    }
    // The weights add up to 100; a draw past them takes the last text.
    FAILURE_TEXTS[FAILURE_TEXTS.len() - 1].0
}

/// `amount` moved by `delta_fen`: up, or down when up would leave the range.
fn altered(amount: Amount, delta_fen: i64) -> Amount {
    let fen = amount.to_fen();
    Amount::from_fen(fen + delta_fen)
        .or_else(|_| Amount::from_fen(fen - delta_fen))
        .unwrap_or(amount)
}

/// A settled line for a payment id that was never instructed.
fn unknown_line(
    instructed: &HashSet<PaymentId>,
    draws: &LineDraws,
    echo_attempt: bool,
) -> BankResult {
    let mut bytes = draws.extra_id;
    // A drawn 128-bit id all but never collides; if it does, step until it does not.
    while instructed.contains(&PaymentId::from_bytes(bytes)) {
        bytes[15] = bytes[15].wrapping_add(1);
        bytes[14] = bytes[14].wrapping_add(u8::from(bytes[15] == 0));
    }
    let amount = Amount::from_fen(draws.extra_fen).unwrap_or(Amount::ZERO);
    let account = format!(
        "62284800{:011}",
        u64::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], 0
        ]) % 100_000_000_000
    );
    BankResult {
        line: 0,
        reference: InstructionId {
            payment_id: PaymentId::from_bytes(bytes),
            attempt: echo_attempt.then_some(1),
        },
        status: ResultStatus::Settled,
        amount: Some(amount),
        name: Some("张三".into()),
        account: Some(account.as_str().into()),
    }
}

/// Numbers result lines from 2 in file order (line 1 is the summary).
fn number_lines(results: &mut [BankResult]) {
    for (line, result) in (2u64..).zip(results.iter_mut()) {
        result.line = line;
    }
}

/// Fisher–Yates with `u32`-range draws, the same on every platform.
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// FNV-1a, 64 bits: enough to fold a batch id into a seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The bytes hashed for a result set's SHA-256: a `|`-separated text, one summary
/// line and one line per result, as a domestic result file would carry them.
fn canonical_bytes(
    batch_id: &str,
    rejected: Option<&FailureReason>,
    results: &[BankResult],
) -> Vec<u8> {
    let mut text = String::with_capacity(64 + results.len() * 96);
    let _ = write!(text, "{batch_id}|{}", results.len());
    if let Some(reason) = rejected {
        let _ = write!(text, "|REJECTED|{}", reason.text);
    }
    text.push('\n');
    for result in results {
        let _ = write!(text, "{}|{}|", result.line, result.reference);
        match &result.status {
            ResultStatus::Settled => text.push_str("S|"),
            ResultStatus::Failed { reason } => {
                let _ = write!(text, "F:{}|", reason.text);
            }
            ResultStatus::Returned { reason } => {
                let _ = write!(text, "R:{}|", reason.text);
            }
            ResultStatus::Pending => text.push_str("P|"),
        }
        let amount = result.amount.map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(
            text,
            "{amount}|{}|{}",
            result.name.as_deref().unwrap_or(""),
            result.account.as_deref().unwrap_or("")
        );
    }
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use yikatong_core::FailureKind;

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// `n` distinct lines, attempt 1, each to its own account.
    fn lines(n: u32) -> Result<Vec<SimulatedInstruction>, yikatong_core::Error> {
        (0..n)
            .map(|i| {
                let mut bytes = [0u8; 16];
                bytes[..4].copy_from_slice(&i.to_be_bytes());
                bytes[4..8].copy_from_slice(&i.wrapping_mul(0x9E37_79B9).to_le_bytes());
                bytes[15] = 0xA5;
                Ok(SimulatedInstruction {
                    reference: PaymentId::from_bytes(bytes).instruction_id(1),
                    name: format!("牧民{i}"),
                    account: format!("6228480{i:012}"),
                    amount: Amount::from_fen(10_000 + i64::from(i))?,
                    sequence: 1,
                })
            })
            .collect()
    }

    fn failed_text(result: &BankResult) -> Option<&str> {
        match &result.status {
            ResultStatus::Failed { reason } => Some(reason.text.as_str()),
            _ => None,
        }
    }

    /// The expected kind of every text the simulator writes.
    fn expected_kind(text: &str) -> Option<FailureKind> {
        Some(match text {
            "户名不符" => FailureKind::NameMismatch,
            "已销户" | "已销户,退票" => FailureKind::AccountClosed,
            "完全冻结" | "只进不出" | "冻结状态异常" | "介质状态异常" | "账号状态异常" => {
                FailureKind::AccountBlocked
            }
            "账号状态异常,退汇" => FailureKind::AccountBlocked,
            "户名不符,退票" => FailureKind::NameMismatch,
            "退票" => FailureKind::Returned,
            "该户为非结算户,不能转帐" => FailureKind::AccountTypeForbidden,
            "单位编号错误或者卡号不存在" | "代理编号不存在" => {
                FailureKind::InvalidAccount
            }
            "账面可用余额不足" => FailureKind::InsufficientFunds,
            "记录重复" => FailureKind::Duplicate,
            "汇总金额不符" => FailureKind::ControlSumMismatch,
            "文件格式错误" => FailureKind::FormatInvalid,
            _ => return None,
        })
    }

    fn noisy(adversity: Adversity) -> BankSimulator {
        BankSimulator::new(11)
            .with_failure_per_mille(200)
            .with_adversity(adversity)
            .with_adversity_per_mille(100)
    }

    #[test]
    fn same_seed_same_answer_and_outcomes_follow_the_reference() -> TestResult {
        let input = lines(500)?;
        let bank = BankSimulator::new(42)
            .with_failure_per_mille(100)
            .with_adversity_per_mille(50);
        let one = bank.answer("B-1", &input);
        assert_eq!(one, bank.answer("B-1", &input));
        let all = bank.clone().with_adversity(Adversity::Returns);
        assert_eq!(
            all.answer("B-1", &input),
            all.answer("B-1", &input),
            "with adversities too"
        );
        // Outcomes depend on the line, not on its place or its batch.
        let mut reversed = input.clone();
        reversed.reverse();
        let other = bank.answer("B-2", &reversed);
        let outcome = |answer: &BankAnswer| -> HashMap<InstructionId, ResultStatus> {
            answer
                .first
                .results
                .iter()
                .map(|r| (r.reference, r.status.clone()))
                .collect()
        };
        assert_eq!(outcome(&one), outcome(&other));
        // Another seed decides differently.
        let reseeded = BankSimulator::new(43).with_failure_per_mille(100);
        assert_ne!(outcome(&one), outcome(&reseeded.answer("B-1", &input)));
        Ok(())
    }

    #[test]
    fn failure_rate_is_roughly_honoured_with_varied_texts() -> TestResult {
        let input = lines(10_000)?;
        let answer = BankSimulator::new(7)
            .with_failure_per_mille(50)
            .answer("B", &input);
        let texts: Vec<&str> = answer
            .first
            .results
            .iter()
            .filter_map(failed_text)
            .collect();
        assert!(
            (400..=600).contains(&texts.len()),
            "{} failures",
            texts.len()
        );
        let distinct: BTreeSet<&str> = texts.iter().copied().collect();
        assert!(distinct.len() >= 10, "{distinct:?}");
        let none = BankSimulator::new(7).answer("B", &input);
        assert!(
            none.first
                .results
                .iter()
                .all(|r| r.status == ResultStatus::Settled)
        );
        let all = BankSimulator::new(7)
            .with_failure_per_mille(5_000)
            .answer("B", &input);
        assert!(all.first.results.iter().all(|r| failed_text(r).is_some()));
        Ok(())
    }

    #[test]
    fn without_adversity_every_line_is_answered_once_in_order() -> TestResult {
        let input = lines(1_000)?;
        let answer = BankSimulator::new(3)
            .with_failure_per_mille(100)
            .with_adversity_per_mille(1_000)
            .answer("GLJT-2026-11-150422-NMNX-01", &input);
        let first = &answer.first;
        assert!(answer.later.is_none());
        assert!(first.complete);
        assert!(first.rejected.is_none());
        assert_eq!(
            first.batch_id.as_deref(),
            Some("GLJT-2026-11-150422-NMNX-01")
        );
        assert_eq!(first.source, "GLJT-2026-11-150422-NMNX-01.result");
        assert_eq!(first.sha256.len(), 64);
        assert!(first.sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(first.results.len(), input.len());
        for ((result, line), number) in first.results.iter().zip(&input).zip(2u64..) {
            assert_eq!(result.line, number);
            assert_eq!(result.reference, line.reference);
            assert_eq!(result.amount, Some(line.amount));
            assert_eq!(result.name.as_deref(), Some(line.name.as_str()));
            assert_eq!(result.account.as_deref(), Some(line.account.as_str()));
        }
        Ok(())
    }

    #[test]
    fn duplicate_lines_are_sent_twice() -> TestResult {
        let input = lines(1_000)?;
        let answer = noisy(Adversity::DuplicateLines).answer("B", &input);
        let mut counts: HashMap<InstructionId, usize> = HashMap::new();
        for result in &answer.first.results {
            *counts.entry(result.reference).or_default() += 1;
        }
        let twice = counts.values().filter(|&&n| n == 2).count();
        assert!(twice > 0 && counts.values().all(|&n| n <= 2));
        assert_eq!(counts.len(), input.len());
        assert_eq!(answer.first.results.len(), input.len() + twice);
        Ok(())
    }

    #[test]
    fn missing_lines_are_absent_though_complete_is_claimed() -> TestResult {
        let input = lines(1_000)?;
        let answer = noisy(Adversity::MissingLines).answer("B", &input);
        let answered: HashSet<InstructionId> =
            answer.first.results.iter().map(|r| r.reference).collect();
        let missing = input
            .iter()
            .filter(|l| !answered.contains(&l.reference))
            .count();
        assert!(missing > 0);
        assert_eq!(answer.first.results.len() + missing, input.len());
        assert!(answer.first.complete);
        Ok(())
    }

    #[test]
    fn reordered_lines_hold_the_same_results_in_another_order() -> TestResult {
        let input = lines(200)?;
        let plain = noisy(Adversity::ReorderLines)
            .without(Adversity::ReorderLines)
            .answer("B", &input);
        let shuffled = noisy(Adversity::ReorderLines).answer("B", &input);
        let refs = |answer: &BankAnswer| -> Vec<InstructionId> {
            answer.first.results.iter().map(|r| r.reference).collect()
        };
        assert_ne!(refs(&plain), refs(&shuffled));
        let mut sorted_plain = refs(&plain);
        let mut sorted_shuffled = refs(&shuffled);
        sorted_plain.sort_by_key(|r| r.payment_id);
        sorted_shuffled.sort_by_key(|r| r.payment_id);
        assert_eq!(sorted_plain, sorted_shuffled);
        let numbers: Vec<u64> = shuffled.first.results.iter().map(|r| r.line).collect();
        assert_eq!(numbers, (2..2 + 200).collect::<Vec<u64>>());
        Ok(())
    }

    #[test]
    fn unknown_extra_lines_name_payments_never_instructed() -> TestResult {
        let input = lines(1_000)?;
        let instructed: HashSet<PaymentId> = input.iter().map(|l| l.reference.payment_id).collect();
        let answer = noisy(Adversity::UnknownExtraLines).answer("B", &input);
        let unknown: Vec<&BankResult> = answer
            .first
            .results
            .iter()
            .filter(|r| !instructed.contains(&r.reference.payment_id))
            .collect();
        assert!(!unknown.is_empty());
        assert_eq!(answer.first.results.len(), input.len() + unknown.len());
        for result in unknown {
            // Valid references: they survive a round trip through the file text.
            let text = result.reference.to_string();
            assert_eq!(InstructionId::parse(&text)?, result.reference);
            assert!(result.amount.is_some_and(|a| !a.is_zero()));
        }
        Ok(())
    }

    #[test]
    fn altered_amounts_differ_on_success_lines_only() -> TestResult {
        let input = lines(1_000)?;
        let by_ref: HashMap<InstructionId, Amount> =
            input.iter().map(|l| (l.reference, l.amount)).collect();
        let answer = noisy(Adversity::AlteredAmounts).answer("B", &input);
        let mut altered = 0;
        for result in &answer.first.results {
            let instructed = by_ref.get(&result.reference).copied();
            if result.amount != instructed {
                assert_eq!(result.status, ResultStatus::Settled);
                altered += 1;
            }
        }
        assert!(altered > 0);
        Ok(())
    }

    #[test]
    fn late_successes_are_for_lines_that_failed_first() -> TestResult {
        let input = lines(1_000)?;
        let answer = noisy(Adversity::LateSuccessAfterFailure).answer("B", &input);
        let failed: HashSet<InstructionId> = answer
            .first
            .results
            .iter()
            .filter(|r| failed_text(r).is_some())
            .map(|r| r.reference)
            .collect();
        let later = answer.later.ok_or("no later result set")?;
        assert!(!later.complete);
        assert!(!later.results.is_empty());
        assert_eq!(later.source, "B.later.result");
        for result in &later.results {
            assert_eq!(result.status, ResultStatus::Settled);
            assert!(failed.contains(&result.reference));
        }
        Ok(())
    }

    #[test]
    fn returns_are_for_lines_settled_first() -> TestResult {
        let input = lines(1_000)?;
        let answer = noisy(Adversity::Returns).answer("B", &input);
        let settled: HashSet<InstructionId> = answer
            .first
            .results
            .iter()
            .filter(|r| r.status == ResultStatus::Settled)
            .map(|r| r.reference)
            .collect();
        let later = answer.later.ok_or("no later result set")?;
        assert!(!later.results.is_empty());
        for result in &later.results {
            let ResultStatus::Returned { reason } = &result.status else {
                return Err(format!("not a return: {result:?}").into());
            };
            assert!(settled.contains(&result.reference));
            assert_eq!(Some(reason.kind), expected_kind(&reason.text));
        }
        Ok(())
    }

    #[test]
    fn echo_without_attempt_drops_the_attempt_everywhere() -> TestResult {
        let input = lines(300)?;
        let answer = noisy(Adversity::EchoWithoutAttempt)
            .with_adversity(Adversity::Returns)
            .with_adversity(Adversity::UnknownExtraLines)
            .answer("B", &input);
        let later = answer.later.as_ref().ok_or("no later result set")?;
        for result in answer.first.results.iter().chain(&later.results) {
            assert_eq!(result.reference.attempt, None);
        }
        let ids: HashSet<PaymentId> = input.iter().map(|l| l.reference.payment_id).collect();
        assert!(
            answer
                .first
                .results
                .iter()
                .any(|r| ids.contains(&r.reference.payment_id))
        );
        Ok(())
    }

    #[test]
    fn whole_file_rejection_has_no_lines_and_a_file_level_kind() -> TestResult {
        let input = lines(100)?;
        let always = noisy(Adversity::RejectWholeFile).with_adversity_per_mille(1_000);
        let answer = always.answer("B", &input);
        let reason = answer.first.rejected.as_ref().ok_or("not rejected")?;
        assert!(matches!(
            reason.kind,
            FailureKind::ControlSumMismatch | FailureKind::FormatInvalid
        ));
        assert!(answer.first.results.is_empty());
        assert!(answer.later.is_none());
        assert_eq!(answer.first.sha256.len(), 64);
        // Sent again without the fault, the same file is answered line by line.
        let again = always
            .without(Adversity::RejectWholeFile)
            .answer("B", &input);
        assert!(again.first.rejected.is_none());
        assert_eq!(again.first.results.len(), input.len());
        // At half chance, some batches are refused and some not, with both kinds.
        let half = noisy(Adversity::RejectWholeFile).with_adversity_per_mille(500);
        let mut kinds = BTreeSet::new();
        let mut accepted = 0;
        for n in 0..100 {
            match half.answer(&format!("B-{n}"), &input).first.rejected {
                Some(reason) => {
                    kinds.insert(format!("{:?}", reason.kind));
                }
                None => accepted += 1,
            }
        }
        assert!((20..=80).contains(&accepted), "{accepted} accepted");
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        let never = noisy(Adversity::RejectWholeFile).with_adversity_per_mille(0);
        assert!(never.answer("B", &input).first.rejected.is_none());
        Ok(())
    }

    #[test]
    fn closed_accounts_fail_until_the_account_is_fixed() -> TestResult {
        let input = lines(50)?;
        let closed = input[7].account.clone();
        let bank = BankSimulator::new(5).with_closed_accounts([closed.clone()]);
        let answer = bank.answer("B", &input);
        for result in &answer.first.results {
            let expected =
                (result.account.as_deref() == Some(closed.as_str())).then_some(CLOSED_ACCOUNT_TEXT);
            assert_eq!(failed_text(result), expected);
        }
        let ResultStatus::Failed { reason } = &answer.first.results[7].status else {
            return Err("closed account paid".into());
        };
        assert_eq!(reason.kind, FailureKind::AccountClosed);
        // The reissue: next attempt, corrected account.
        let mut reissue = input[7].clone();
        reissue.reference = reissue.reference.payment_id.instruction_id(2);
        reissue.account = "6217000000000000001".into();
        reissue.sequence = 1;
        let answer = bank.answer("B-R1", &[reissue]);
        assert_eq!(answer.first.results[0].status, ResultStatus::Settled);
        Ok(())
    }

    #[test]
    fn a_repeated_sequence_number_is_refused_as_a_duplicate() -> TestResult {
        let mut input = lines(3)?;
        let mut repeat = input[1].clone();
        repeat.reference = PaymentId::from_bytes([9; 16]).instruction_id(1);
        input.push(repeat);
        let answer = BankSimulator::new(1).answer("B", &input);
        let texts: Vec<Option<&str>> = answer.first.results.iter().map(failed_text).collect();
        assert_eq!(texts, [None, None, None, Some(REPEATED_LINE_TEXT)]);
        Ok(())
    }

    #[test]
    fn every_text_maps_back_to_its_kind() -> TestResult {
        for (text, _) in FAILURE_TEXTS {
            let reason = FailureReason::from_text(text);
            assert_eq!(Some(reason.kind), expected_kind(text), "{text}");
            assert_ne!(reason.kind, FailureKind::Unspecified, "{text}");
        }
        for text in RETURN_TEXTS.into_iter().chain(REJECT_TEXTS) {
            assert_eq!(
                Some(FailureKind::from_text(text)),
                expected_kind(text),
                "{text}"
            );
        }
        assert_eq!(FAILURE_TEXTS.iter().map(|(_, w)| w).sum::<u32>(), 100);
        let input = lines(2_000)?;
        let answer = BankSimulator::new(9)
            .with_failure_per_mille(300)
            .answer("B", &input);
        for result in &answer.first.results {
            if let ResultStatus::Failed { reason } = &result.status {
                assert_eq!(Some(reason.kind), expected_kind(&reason.text));
                assert_eq!(reason.kind, FailureKind::from_text(&reason.text));
            }
        }
        Ok(())
    }
}
