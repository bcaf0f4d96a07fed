//! Building audit rows from the ledger, the approved rosters and the register.

use std::collections::HashSet;
use std::sync::Arc;

use compact_str::CompactString;
use time::Date;

use super::{ApprovedLine, AuditInput, PaidRow};
use crate::entitlement::{Outcome, amount_due};
use crate::register::FastMap;
use crate::{
    PaymentBatch, PaymentId, PaymentIdSeed, PaymentInstruction, PaymentLedger, Period,
    PolicyCatalog, RecoveryStatus, RegionCode, RegionLevel, Register, ResidentId, Review,
    ReviewStatus, Roster, RosterLine,
};

/// The attempt a row describes: its batch and instruction.
type Attempt<'a> = (&'a PaymentBatch, &'a PaymentInstruction);

impl AuditInput {
    /// The rows of the finance-approved rosters in `approved` (others are skipped):
    /// per line, one row for its counted success, one per second success the ledger
    /// is recovering (status due), or — when nothing was paid — one unpaid row from
    /// its latest attempt (or from the line, if never sent). Payments of these
    /// rosters that no line explains get a row without an approved line.
    ///
    /// A second success's row carries the day its recovery was opened as its
    /// settlement day. The amount due is the approved amount; see
    /// [`AuditInput::collect_recomputed`] to recompute it from the policy in force.
    /// Linear in lines and instructions.
    pub fn collect(
        ledger: &PaymentLedger,
        approved: &[(&Roster, &Review)],
        register: &Register,
    ) -> AuditInput {
        gather(ledger, approved, register, None)
    }

    /// As [`AuditInput::collect`], with each line recomputed under the catalogue's
    /// policy in force for its project, region and period (the version a roster for
    /// the period is computed under: in force on its first day, else its last): the amount due becomes the recomputed amount, and a line
    /// whose person is no longer eligible (or for which no policy is in force) says why.
    pub fn collect_recomputed(
        ledger: &PaymentLedger,
        approved: &[(&Roster, &Review)],
        register: &Register,
        catalog: &PolicyCatalog,
    ) -> AuditInput {
        gather(ledger, approved, register, Some(catalog))
    }
}

/// What recomputing a line found: the amount due, or why nothing is due.
fn recompute(
    catalog: &PolicyCatalog,
    project: &str,
    period: Period,
    line: &RosterLine,
) -> (Option<i64>, Option<String>) {
    let region = line.facts.region;
    let policy = catalog.policy_for_period(project, region, period);
    let Some(policy) = policy else {
        return (
            None,
            Some(format!(
                "no policy of {project} is in force for {region} in {period}"
            )),
        );
    };
    match amount_due(policy, &line.facts, period) {
        Ok((amount, Outcome::Entitled)) => (Some(amount.to_fen()), None),
        Ok((_, Outcome::NotEligible(failed))) => (
            None,
            Some(format!(
                "{}（{} 第 {} 版）",
                failed.describe_zh(),
                policy.document,
                policy.version
            )),
        ),
        Ok((_, Outcome::NotInForce)) => (
            None,
            Some(format!(
                "{} version {} is not in force in {period}",
                policy.document, policy.version
            )),
        ),
        Ok((_, Outcome::OutOfScope { region })) => (
            None,
            Some(format!(
                "{region} is outside the scope of {} version {}",
                policy.document, policy.version
            )),
        ),
        // An amount that cannot be computed is not a finding: leave it unknown.
        Err(_) => (None, None),
    }
}

fn gather(
    ledger: &PaymentLedger,
    approved: &[(&Roster, &Review)],
    register: &Register,
    catalog: Option<&PolicyCatalog>,
) -> AuditInput {
    // Per payment: its latest attempt; per project, period and county: the deadline.
    let mut latest: FastMap<PaymentId, Attempt<'_>> = FastMap::default();
    let mut deadlines: FastMap<(&str, Period, RegionCode), Date> = FastMap::default();
    // One shared id per batch, not one allocation per row.
    let mut batch_ids: FastMap<&str, Arc<str>> = FastMap::default();
    for batch in ledger.batches() {
        batch_ids.insert(batch.id.as_str(), Arc::from(batch.id.as_str()));
        deadlines
            .entry((batch.project.as_str(), batch.period, batch.county))
            .and_modify(|day| *day = (*day).min(batch.deadline))
            .or_insert(batch.deadline);
        for instruction in &batch.instructions {
            latest
                .entry(instruction.payment_id)
                .and_modify(|seen| {
                    if instruction.attempt > seen.1.attempt {
                        *seen = (batch, instruction);
                    }
                })
                .or_insert((batch, instruction));
        }
    }
    let settled: FastMap<PaymentId, (Attempt<'_>, Date)> = ledger
        .settlements()
        .map(|s| {
            (
                s.instruction.payment_id,
                ((s.batch, s.instruction), s.settled_on),
            )
        })
        .collect();
    // Second successes still to be recovered: paid, not counted.
    let mut extra: FastMap<PaymentId, Vec<(u8, Date)>> = FastMap::default();
    for recovery in ledger.recoveries() {
        if recovery.status == RecoveryStatus::Due {
            extra
                .entry(recovery.payment_id)
                .or_default()
                .push((recovery.attempt, recovery.opened_on));
        }
    }

    let mut rows = Vec::new();
    let mut explained: HashSet<PaymentId, foldhash::fast::RandomState> = HashSet::default();
    let mut rosters: HashSet<&str> = HashSet::new();
    for &(roster, review) in approved {
        if review.status() != ReviewStatus::FinanceApproved {
            continue;
        }
        rosters.insert(roster.id());
        let roster_id: Arc<str> = Arc::from(roster.id());
        let project: Arc<str> = Arc::from(roster.project());
        let period = roster.period();
        let township = roster.township();
        let county = township.truncate(RegionLevel::County);
        let seed = PaymentIdSeed::new(roster.project(), period, roster.id());
        let holds = review.holds();
        rows.reserve(roster.lines().len());
        for line in roster.lines() {
            let payment_id = seed.for_line(line.line_no, line.payee);
            explained.insert(payment_id);
            let approved_line = ApprovedLine {
                roster_id: Arc::clone(&roster_id),
                line_no: line.line_no,
                payee: line.payee,
                account: line
                    .account
                    .as_ref()
                    .map(|a| CompactString::from(a.number.as_str()))
                    .unwrap_or_default(),
                amount_fen: line.amount.to_fen(),
            };
            let (entitled_fen, ineligible) = match catalog {
                Some(catalog) => recompute(catalog, &project, period, line),
                None => (Some(line.amount.to_fen()), None),
            };
            let mut row = PaidRow {
                payment_id,
                attempt: 0,
                beneficiary: line.beneficiary(),
                payee: line.payee,
                household_id: household_of(line, register),
                registered_name: name_of(line.payee, line, register),
                holder_name: line
                    .account
                    .as_ref()
                    .map(|a| a.holder_name.clone())
                    .unwrap_or_default(),
                account: approved_line.account.clone(),
                project: Arc::clone(&project),
                period,
                township,
                county,
                batch_id: None,
                amount_fen: line.amount.to_fen(),
                entitled_fen,
                recovered_fen: 0,
                settled_on: None,
                counted: false,
                deadline: deadlines.get(&(roster.project(), period, county)).copied(),
                on_hold: holds.contains_key(&line.line_no),
                ineligible,
                approved: Some(approved_line),
            };
            if let Some(&(attempt, settled_on)) = settled.get(&payment_id) {
                let mut paid = row.clone();
                fill(&mut paid, attempt, &batch_ids);
                paid.settled_on = Some(settled_on);
                paid.counted = true;
                for &(number, opened_on) in extra.get(&payment_id).into_iter().flatten() {
                    let found = ledger
                        .attempts(&payment_id)
                        .into_iter()
                        .find(|(instruction, _)| instruction.attempt == number)
                        .map(|(instruction, _)| instruction.clone());
                    if let Some(instruction) = found {
                        let mut second = paid.clone();
                        second.counted = false;
                        second.attempt = instruction.attempt;
                        second.account = instruction.account.number.as_str().into();
                        second.holder_name = instruction.account.holder_name.clone();
                        second.amount_fen = instruction.amount.to_fen();
                        second.settled_on = Some(opened_on);
                        rows.push(second);
                    }
                }
                rows.push(paid);
            } else {
                if let Some(&attempt) = latest.get(&payment_id) {
                    fill(&mut row, attempt, &batch_ids);
                }
                rows.push(row);
            }
        }
    }
    // Paid from these rosters, but no approved line explains the payment: in id
    // order, so the rows come out the same every time.
    let unexplained_from = rows.len();
    for (payment_id, &(attempt, settled_on)) in &settled {
        if explained.contains(payment_id) || !rosters.contains(&*attempt.1.roster_id) {
            continue;
        }
        let (batch, instruction) = attempt;
        let mut row = PaidRow {
            payment_id: *payment_id,
            attempt: 0,
            beneficiary: instruction.beneficiary.unwrap_or(instruction.payee),
            payee: instruction.payee,
            household_id: register
                .beneficiary(&instruction.payee)
                .map(|b| b.household_id.clone())
                .unwrap_or_default(),
            registered_name: register
                .beneficiary(&instruction.payee)
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            holder_name: CompactString::default(),
            account: CompactString::default(),
            project: Arc::from(batch.project.as_str()),
            period: batch.period,
            township: instruction.township,
            county: batch.county,
            batch_id: None,
            amount_fen: 0,
            entitled_fen: None,
            recovered_fen: 0,
            settled_on: Some(settled_on),
            counted: true,
            deadline: None,
            on_hold: false,
            ineligible: None,
            approved: None,
        };
        fill(&mut row, attempt, &batch_ids);
        rows.push(row);
    }
    if let Some(tail) = rows.get_mut(unexplained_from..) {
        tail.sort_unstable_by_key(|row| row.payment_id);
    }
    AuditInput { rows }
}

/// Copies an attempt's facts onto a row.
fn fill(row: &mut PaidRow, (batch, instruction): Attempt<'_>, batch_ids: &FastMap<&str, Arc<str>>) {
    row.attempt = instruction.attempt;
    row.payee = instruction.payee;
    row.account = instruction.account.number.as_str().into();
    row.holder_name = instruction.account.holder_name.clone();
    row.amount_fen = instruction.amount.to_fen();
    row.batch_id = Some(match batch_ids.get(batch.id.as_str()) {
        Some(id) => Arc::clone(id),
        None => Arc::from(batch.id.as_str()),
    });
    row.deadline = Some(batch.deadline);
    row.township = instruction.township;
}

fn household_of(line: &RosterLine, register: &Register) -> CompactString {
    match &line.facts.household_id {
        Some(id) => id.clone(),
        None => register
            .beneficiary(&line.beneficiary())
            .map(|b| b.household_id.clone())
            .unwrap_or_default(),
    }
}

fn name_of(payee: ResidentId, line: &RosterLine, register: &Register) -> CompactString {
    match register.beneficiary(&payee) {
        Some(person) => person.name.clone(),
        None => line.name.clone(),
    }
}
