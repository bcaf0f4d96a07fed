//! The agent-bank simulator at the level of files: it reads an instruction file as
//! a bank would (refusing a file whose summary disagrees with its lines), answers
//! it with [`BankSimulator`] and writes the result files the bank would send back.

use std::collections::HashMap;

use time::Date;
use yikatong_core::{BankResult, BankReturn, PaymentId, ResultStatus};
use yikatong_formats::{
    AgencyProfile, AgencyResultLine, FormatError, read_agency_file, write_agency_results,
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
            sequence: sent.map_or(0, |line| line.sequence),
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
