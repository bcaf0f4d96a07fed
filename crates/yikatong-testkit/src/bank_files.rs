//! The agent-bank simulator at the level of files: it reads an instruction file as
//! a bank would (refusing a file whose summary disagrees with its lines), answers
//! it with [`BankSimulator`] and writes the result files the bank would send back.

use std::collections::HashMap;

use time::{Date, PrimitiveDateTime};
use yikatong_core::{BankResult, BankReturn, PaymentId, ResultStatus};
use yikatong_formats::{
    AgencyProfile, AgencyResultLine, FormatError, Pain002Report, Pain002Transaction,
    read_agency_file, read_pain001, write_agency_results, write_pain002,
};

use crate::{BankSimulator, SimulatedInstruction};

/// What the bank sends back for one instruction file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAnswer {
    /// The bank could not read the file, or its summary disagrees with its lines:
    /// refused whole, with the reader's reason.
    Unreadable(FormatError),
    /// The bank refused the whole file after reading it (control sum, format).
    Rejected(BankReturn),
    /// Result files: the first answer, and later files (late successes, returns).
    Results {
        /// Success and failure files of the first answer.
        first: (Vec<u8>, Vec<u8>),
        /// Success and failure files sent later, if any.
        later: Option<(Vec<u8>, Vec<u8>)>,
    },
}

/// Answers a domestic agency-payment file (代发文件) in `profile`'s layout.
pub fn answer_agency_file(
    simulator: &BankSimulator,
    batch_id: &str,
    bytes: &[u8],
    profile: &AgencyProfile,
    date: Date,
) -> FileAnswer {
    let file = match read_agency_file(bytes, profile) {
        Ok(file) => file,
        Err(error) => return FileAnswer::Unreadable(error),
    };
    let lines: Vec<SimulatedInstruction> = file
        .lines
        .iter()
        .map(|line| SimulatedInstruction {
            reference: line.reference,
            name: line.name.clone(),
            account: line.account.clone(),
            amount: line.amount,
            sequence: line.sequence.unwrap_or(0),
        })
        .collect();
    let answer = simulator.answer(batch_id, &lines);
    if answer.first.rejected.is_some() {
        return FileAnswer::Rejected(answer.first);
    }
    let write = |bank_return: &BankReturn| {
        let (success, failure) = split(&bank_return.results, &lines);
        write_agency_results(&success, &failure, profile, date)
    };
    let first = match write(&answer.first) {
        Ok(files) => files,
        Err(error) => return FileAnswer::Unreadable(error),
    };
    let later = match answer.later.as_ref().map(write).transpose() {
        Ok(files) => files,
        Err(error) => return FileAnswer::Unreadable(error),
    };
    FileAnswer::Results { first, later }
}

/// Success lines and failure lines (returns are failure lines with a 退票 text).
fn split(
    results: &[BankResult],
    lines: &[SimulatedInstruction],
) -> (Vec<AgencyResultLine>, Vec<AgencyResultLine>) {
    let by_id: HashMap<PaymentId, &SimulatedInstruction> = lines
        .iter()
        .map(|line| (line.reference.payment_id, line))
        .collect();
    let mut success = Vec::new();
    let mut failure = Vec::new();
    for result in results {
        let sent = by_id.get(&result.reference.payment_id).copied();
        let line = AgencyResultLine {
            reference: result.reference,
            name: result
                .name
                .as_deref()
                .map(str::to_owned)
                .or_else(|| sent.map(|line| line.name.clone()))
                .unwrap_or_default(),
            account: result
                .account
                .as_deref()
                .map(str::to_owned)
                .or_else(|| sent.map(|line| line.account.clone()))
                .unwrap_or_default(),
            amount: result
                .amount
                .or_else(|| sent.map(|line| line.amount))
                .unwrap_or_default(),
            sequence: sent.map_or(1, |line| line.sequence.max(1)),
            text: None,
        };
        match &result.status {
            ResultStatus::Settled => success.push(line),
            ResultStatus::Failed { reason } => failure.push(AgencyResultLine {
                text: Some(reason.text.clone()),
                ..line
            }),
            ResultStatus::Returned { reason } => failure.push(AgencyResultLine {
                text: Some(if reason.text.contains("退") {
                    reason.text.clone()
                } else {
                    format!("{},退票", reason.text)
                }),
                ..line
            }),
            ResultStatus::Pending => {}
        }
    }
    (success, failure)
}

/// What the bank sends back for a pain.001: pain.002 status reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsoAnswer {
    /// The bank could not read the pain.001 (or its sums disagree): refused whole.
    Unreadable(FormatError),
    /// Status reports: the first, and a later one (late successes), if any. A
    /// whole-file rejection is a first report with `GrpSts` RJCT and no lines.
    Reports {
        /// The first pain.002.
        first: Vec<u8>,
        /// A later pain.002, if any.
        later: Option<Vec<u8>>,
    },
}

/// Answers an ISO 20022 pain.001 with pain.002 reports. pain.002 has no status for
/// a credit returned after payment, so returns are left out here.
pub fn answer_pain001(
    simulator: &BankSimulator,
    bytes: &[u8],
    created_at: PrimitiveDateTime,
) -> IsoAnswer {
    let file = match read_pain001(bytes) {
        Ok(file) => file,
        Err(error) => return IsoAnswer::Unreadable(error),
    };
    let lines: Vec<SimulatedInstruction> = file
        .transactions
        .iter()
        .map(|transaction| SimulatedInstruction {
            reference: transaction.instruction_id,
            name: transaction.name.clone(),
            account: transaction.account.clone(),
            amount: transaction.amount,
            sequence: 0,
        })
        .collect();
    let answer = simulator.answer(&file.message_id, &lines);
    let report = |bank_return: &BankReturn, suffix: &str| {
        let transactions = bank_return
            .results
            .iter()
            .filter_map(|result| {
                let (status, reason) = match &result.status {
                    ResultStatus::Settled => ("ACSC", None),
                    ResultStatus::Failed { reason } => ("RJCT", Some(reason.clone())),
                    ResultStatus::Pending => ("PDNG", None),
                    ResultStatus::Returned { .. } => return None,
                };
                Some(Pain002Transaction {
                    instruction_id: result
                        .reference
                        .attempt
                        .map(|_| result.reference.to_string()),
                    end_to_end_id: result.reference.payment_id.to_string(),
                    status: status.to_owned(),
                    reason,
                    amount: result.amount,
                    name: result.name.as_deref().map(str::to_owned),
                    account: result.account.as_deref().map(str::to_owned),
                })
            })
            .collect();
        let rejected = bank_return.rejected.clone();
        write_pain002(&Pain002Report {
            message_id: format!(
                "{}{suffix}",
                &file.message_id[..file.message_id.len().min(30)]
            ),
            created_at,
            original_message_id: file.message_id.clone(),
            original_count: file.count,
            original_sum: file.control_sum,
            group_status: Some(
                if rejected.is_some() {
                    "RJCT"
                } else if suffix.is_empty() {
                    "PART"
                } else {
                    "ACSC"
                }
                .to_owned(),
            ),
            group_reason: rejected,
            payment_info_id: Some(file.payment_info_id.clone()),
            payment_info_status: None,
            transactions,
        })
    };
    let first = match report(&answer.first, "") {
        Ok(bytes) => bytes,
        Err(error) => return IsoAnswer::Unreadable(error),
    };
    let later = match answer
        .later
        .as_ref()
        .map(|later| report(later, "-L"))
        .transpose()
    {
        Ok(bytes) => bytes,
        Err(error) => return IsoAnswer::Unreadable(error),
    };
    IsoAnswer::Reports { first, later }
}
