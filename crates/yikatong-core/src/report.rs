//! Payment reports (发放统计): per project, period and region, what finance approved
//! and where each approved line stands in the payment ledger — paid, failed and
//! waiting in the correction queue, pending at the bank, cancelled, or not yet in a
//! batch — with how many were paid by the deadline.
//!
//! Every approved line is in exactly one of those five places, so each row
//! balances (approved = paid + failed + pending + cancelled + not batched, in count
//! and in sum; [`ReportRow::balances`]), whatever the banks answered.
//!
//! The report reads rosters, reviews and the ledger and changes nothing. It is
//! linear in roster lines plus ledger instructions: one payment id is computed per
//! line and looked up in one hash map, and each instruction, settlement and queued
//! correction is visited once.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use time::Date;

use crate::register::FastMap;
use crate::{
    CorrectionStatus, PaymentId, PaymentIdSeed, PaymentLedger, Period, RegionCode, RegionLevel,
    RegionTree, ResidentId, Review, ReviewStatus, Roster, Tally,
};

/// The regions a report's rows are per.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One row per township (苏木乡镇): the roster's own region.
    Township,
    /// One row per county (旗县).
    County,
    /// One row per prefecture (盟市).
    Prefecture,
}

impl Grouping {
    /// The region level of the rows.
    pub const fn level(self) -> RegionLevel {
        match self {
            Grouping::Township => RegionLevel::Township,
            Grouping::County => RegionLevel::County,
            Grouping::Prefecture => RegionLevel::Prefecture,
        }
    }
}

/// One row of a [`PaymentReport`]: one project, period and region, or the total of
/// one project and period.
///
/// Counted are the lines of finance-approved rosters that are not on hold and have
/// something to pay (a 0.00 line is never paid, so it is not counted). Each such
/// line is exactly one of: paid, failed, pending, cancelled, not batched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportRow {
    /// The project's code.
    pub project: String,
    /// The period.
    pub period: Period,
    /// The region (truncated to the grouping's level); `None` on the total row of the
    /// project and period.
    pub region: Option<RegionCode>,
    /// The region's name from the region tree; empty when the tree lacks the code
    /// and on the total row.
    pub region_name: String,
    /// Distinct payees of the counted lines. On the total row a payee on rosters of
    /// two regions counts once, so the total can be less than the sum of the rows.
    pub beneficiaries: u64,
    /// The counted lines and their amounts (审批).
    pub approved: Tally,
    /// Paid: the ledger counts a success for the payment (and it was not returned).
    pub paid: Tally,
    /// Not paid and waiting in the correction queue (open or ready for a reissue):
    /// refused or returned by the bank, or its batch was withdrawn before sending.
    pub failed: Tally,
    /// In a batch, with no final result yet (not sent, or at the bank).
    pub pending: Tally,
    /// Will not be paid: the township cancelled the queued payment.
    pub cancelled: Tally,
    /// In no batch yet (including lines queued for want of an account).
    pub not_batched: Tally,
    /// Paid lines whose settlement day is on or before the deadline of the first
    /// batch that carried the payment.
    pub on_time: u64,
    /// Paid lines settled after that deadline (迟发).
    pub late: u64,
}

impl ReportRow {
    fn new(project: &str, period: Period, region: Option<RegionCode>, name: String) -> ReportRow {
        ReportRow {
            project: project.to_owned(),
            period,
            region,
            region_name: name,
            beneficiaries: 0,
            approved: Tally::default(),
            paid: Tally::default(),
            failed: Tally::default(),
            pending: Tally::default(),
            cancelled: Tally::default(),
            not_batched: Tally::default(),
            on_time: 0,
            late: 0,
        }
    }

    /// Whether this is the total row of its project and period.
    pub fn is_total(&self) -> bool {
        self.region.is_none()
    }

    /// Whether approved = paid + failed + pending + cancelled + not batched, in count
    /// and in sum, and on time + late = paid.
    pub fn balances(&self) -> bool {
        self.approved
            == self
                .paid
                .plus(self.failed)
                .plus(self.pending)
                .plus(self.cancelled)
                .plus(self.not_batched)
            && self.on_time + self.late == self.paid.count
    }

    /// The on-time rate (及时率): paid on time / paid, as a fraction with exactly four
    /// decimals, rounded half up (`0.9667`, `1.0000`). `None` when nothing is paid.
    pub fn on_time_rate(&self) -> Option<Decimal> {
        let paid = u128::from(self.paid.count);
        if paid == 0 {
            return None;
        }
        // Ten-thousandths, rounded half up, in integers.
        let ten_thousandths = (u128::from(self.on_time) * 20_000 + paid) / (2 * paid);
        let mantissa = i128::try_from(ten_thousandths).ok()?;
        Some(Decimal::from_i128_with_scale(mantissa, 4))
    }

    fn add(&mut self, other: &ReportRow) {
        self.approved = self.approved.plus(other.approved);
        self.paid = self.paid.plus(other.paid);
        self.failed = self.failed.plus(other.failed);
        self.pending = self.pending.plus(other.pending);
        self.cancelled = self.cancelled.plus(other.cancelled);
        self.not_batched = self.not_batched.plus(other.not_batched);
        self.on_time += other.on_time;
        self.late += other.late;
    }
}

/// A payment report: rows per project, period and region, in that order (projects
/// by code, periods in time order, regions by code), each project and period
/// followed by its total row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentReport {
    /// The regions the rows are per.
    pub grouping: Grouping,
    /// The rows.
    pub rows: Vec<ReportRow>,
}

/// Where a line's payment stands in the ledger, gathered in one pass each over
/// batches, settlements and the correction queue.
#[derive(Debug, Clone, Copy)]
struct Track {
    /// The row the line counts in.
    row: u32,
    fen: i64,
    /// The deadline of the first batch that carried the payment.
    first_deadline: Option<Date>,
    /// The day the counted success was reported.
    settled_on: Option<Date>,
    queue: Queue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    None,
    Waiting,
    Cancelled,
}

fn add(tally: &mut Tally, fen: i64) {
    tally.count += 1;
    tally.fen += fen;
}

impl PaymentReport {
    /// Builds the report of `rosters` against `ledger`, with rows per `group`,
    /// region names from `regions`.
    ///
    /// Rosters not approved by finance are left out, as is a roster given a second
    /// time (same id). A line's payment is found by its payment id
    /// ([`PaymentIdSeed::for_line`]), as the ledger made it.
    ///
    /// On time: a payment's settlement day (the day of the bank result that said it
    /// was paid, [`PaymentLedger::settlements`]) is on or before the deadline of the
    /// first batch that carried it, in the order batches were prepared. A payment
    /// reissued after a failure is judged against its first batch's deadline, so a
    /// reissue paid after the deadline is late.
    ///
    /// ```
    /// use yikatong_core::{Grouping, PaymentLedger, PaymentReport, RegionTree};
    ///
    /// let report = PaymentReport::build(&[], &PaymentLedger::new(), Grouping::County, RegionTree::bundled()?);
    /// assert!(report.rows.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(
        rosters: &[(&Roster, &Review)],
        ledger: &PaymentLedger,
        group: Grouping,
        regions: &RegionTree,
    ) -> PaymentReport {
        let level = group.level();
        // Rows by key while lines are read; each roster looks its row up once.
        let mut keys: BTreeMap<(&str, Period, RegionCode), u32> = BTreeMap::new();
        let mut rows: Vec<ReportRow> = Vec::new();
        let mut payees: Vec<HashSet<ResidentId>> = Vec::new();
        let mut total_payees: BTreeMap<(&str, Period), HashSet<ResidentId>> = BTreeMap::new();
        let mut tracks: FastMap<PaymentId, Track> = FastMap::default();
        let mut projects: HashSet<&str> = HashSet::new();
        let mut given: HashSet<&str> = HashSet::new();
        for &(roster, review) in rosters {
            if review.status() != ReviewStatus::FinanceApproved || !given.insert(roster.id()) {
                continue;
            }
            projects.insert(roster.project());
            let region = roster.township().truncate(level);
            let next = rows.len() as u32;
            let row = *keys
                .entry((roster.project(), roster.period(), region))
                .or_insert(next);
            if row == next {
                let name = regions
                    .get(region)
                    .map(|r| r.name().to_owned())
                    .unwrap_or_default();
                rows.push(ReportRow::new(
                    roster.project(),
                    roster.period(),
                    Some(region),
                    name,
                ));
                payees.push(HashSet::new());
            }
            let totals = total_payees
                .entry((roster.project(), roster.period()))
                .or_default();
            let holds = review.holds();
            let seed = PaymentIdSeed::new(roster.project(), roster.period(), roster.id());
            tracks.reserve(roster.lines().len());
            for line in roster.lines() {
                if holds.contains_key(&line.line_no) || line.amount.to_fen() == 0 {
                    continue;
                }
                let fen = line.amount.to_fen();
                if let Some(at) = rows.get_mut(row as usize) {
                    add(&mut at.approved, fen);
                }
                if let Some(set) = payees.get_mut(row as usize) {
                    set.insert(line.payee);
                }
                totals.insert(line.payee);
                tracks.insert(
                    seed.for_line(line.line_no, line.payee),
                    Track {
                        row,
                        fen,
                        first_deadline: None,
                        settled_on: None,
                        queue: Queue::None,
                    },
                );
            }
        }
        for batch in ledger.batches() {
            if !projects.contains(batch.project.as_str()) {
                continue;
            }
            for instruction in &batch.instructions {
                if let Some(track) = tracks.get_mut(&instruction.payment_id) {
                    track.first_deadline.get_or_insert(batch.deadline);
                }
            }
        }
        for settlement in ledger.settlements() {
            if let Some(track) = tracks.get_mut(&settlement.instruction.payment_id) {
                track.settled_on = Some(settlement.settled_on);
            }
        }
        for item in ledger.corrections() {
            if let Some(track) = tracks.get_mut(&item.payment_id) {
                track.queue = match item.status {
                    CorrectionStatus::Cancelled { .. } => Queue::Cancelled,
                    CorrectionStatus::Open | CorrectionStatus::Ready { .. } => Queue::Waiting,
                };
            }
        }
        for track in tracks.values() {
            let Some(row) = rows.get_mut(track.row as usize) else {
                continue;
            };
            let bucket = match (track.settled_on, track.queue, track.first_deadline) {
                (Some(settled_on), _, deadline) => {
                    // A settled payment was in a batch, so it has a deadline.
                    if deadline.is_some_and(|deadline| settled_on <= deadline) {
                        row.on_time += 1;
                    } else {
                        row.late += 1;
                    }
                    &mut row.paid
                }
                (None, Queue::Cancelled, _) => &mut row.cancelled,
                (None, _, None) => &mut row.not_batched,
                (None, Queue::Waiting, Some(_)) => &mut row.failed,
                (None, Queue::None, Some(_)) => &mut row.pending,
            };
            add(bucket, track.fen);
        }
        for (row, set) in rows.iter_mut().zip(&payees) {
            row.beneficiaries = set.len() as u64;
        }
        // Ordered: each project and period's region rows, then its total.
        let mut ordered = Vec::with_capacity(rows.len() + total_payees.len());
        let mut total: Option<ReportRow> = None;
        for (&(project, period, _), &at) in &keys {
            let Some(row) = rows.get(at as usize) else {
                continue;
            };
            if total
                .as_ref()
                .is_some_and(|t| t.project != project || t.period != period)
            {
                ordered.extend(total.take());
            }
            let sum = total.get_or_insert_with(|| {
                let mut sum = ReportRow::new(project, period, None, String::new());
                sum.beneficiaries = total_payees
                    .get(&(project, period))
                    .map_or(0, |set| set.len() as u64);
                sum
            });
            sum.add(row);
            ordered.push(row.clone());
        }
        ordered.extend(total);
        PaymentReport {
            grouping: group,
            rows: ordered,
        }
    }

    /// The total rows, one per project and period.
    pub fn totals(&self) -> impl Iterator<Item = &ReportRow> + '_ {
        self.rows.iter().filter(|row| row.is_total())
    }

    /// The total row of `project` and `period`, if the report has it.
    pub fn total(&self, project: &str, period: Period) -> Option<&ReportRow> {
        self.totals()
            .find(|row| row.project == project && row.period == period)
    }

    /// The row of `project`, `period` and `region` (at the report's grouping level).
    pub fn row(&self, project: &str, period: Period, region: RegionCode) -> Option<&ReportRow> {
        self.rows.iter().find(|row| {
            row.project == project && row.period == period && row.region == Some(region)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;
    use time::macros::date;

    use super::*;
    use crate::review::{Actor, Role};
    use crate::{
        AccountKind, AccountNumber, AgencyAgreement, Amount, BankResult, BankReturn, BatchPlan,
        BeneficiaryFacts, FailureKind, FailureReason, InstructionId, PayeeAccount, Payer,
        PaymentBatch, PaymentCommand, ResultStatus, RosterLine, SubsidyProject, WorkCalendar,
    };

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;
    type Fallible<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    /// Results before the deadline (Friday 13 November 2026, the 10th working day).
    const ON: Date = date!(2026 - 11 - 10);
    /// After the deadline.
    const LATE: Date = date!(2026 - 11 - 20);
    const TOWN_A: &str = "150422101000"; // 隆昌镇, 巴林左旗
    const TOWN_B: &str = "150422102000"; // 十三敖包镇, 巴林左旗
    const TOWN_C: &str = "150423100000"; // 大板镇, 巴林右旗

    fn person(n: u32) -> Fallible<ResidentId> {
        let base = format!("15042219500101{:03}", n % 1000);
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = base
            .bytes()
            .zip(weights)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        Ok(ResidentId::parse(&format!("{base}{check}"))?)
    }

    fn account(bank: &str, n: u32, holder: &str) -> Fallible<PayeeAccount> {
        Ok(PayeeAccount {
            bank_code: bank.into(),
            number: AccountNumber::parse(
                &format!("62{:014}{:02}", n, n % 97),
                AccountKind::Passbook,
            )?,
            holder_name: holder.into(),
        })
    }

    /// A roster of township `township`; line i pays `lines[i].0` fen to person
    /// `first + i` through bank `lines[i].1` ("" for no account).
    fn roster(id: &str, township: &str, first: u32, lines: &[(i64, &str)]) -> Fallible<Roster> {
        let code = RegionCode::parse(township)?;
        let mut built = Vec::new();
        for (i, &(fen, bank)) in lines.iter().enumerate() {
            let n = first + i as u32;
            let payee = person(n)?;
            let name = format!("村民{n}");
            built.push(RosterLine {
                line_no: i as u32 + 1,
                name: name.as_str().into(),
                payee,
                facts: BeneficiaryFacts::new(payee, code),
                amount: Amount::from_fen(fen)?,
                policy_document: Arc::from("内财社〔2026〕1号"),
                policy_version: 1,
                account: if bank.is_empty() {
                    None
                } else {
                    Some(account(bank, n, &name)?)
                },
                stated_amount: None,
                source_line: None,
                note: None,
            });
        }
        let value = serde_json::json!({
            "id": id, "project": "GLJT", "period": "2026-11", "township": township,
            "kind": { "kind": "original" }, "lines": built, "next_line_no": lines.len() + 1,
        });
        Ok(serde_json::from_value(value)?)
    }

    use crate::ledger::tests::approve;

    fn draft() -> Fallible<Review> {
        let clerk = Actor::new("c1", "乌云", Role::TownshipClerk);
        Ok(Review::new(&clerk, date!(2026 - 10 - 01))?)
    }

    struct Setting {
        project: SubsidyProject,
        payers: BTreeMap<RegionCode, Payer>,
        agreements: Vec<AgencyAgreement>,
        calendar: WorkCalendar,
    }

    impl Setting {
        fn new() -> Fallible<Setting> {
            let project = serde_json::from_value(serde_json::json!({
                "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
                "category": "people",
                "department": { "name": "民政厅", "credit_code": "111500000116068826" },
                "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
            }))?;
            let mut payers = BTreeMap::new();
            let mut agreements = Vec::new();
            for county in ["150422", "150423"] {
                let code = RegionCode::parse(county)?;
                payers.insert(
                    code,
                    Payer {
                        unit_code: format!("CZ{county}").as_str().into(),
                        name: "财政局".into(),
                        account: "15050000000000000001".into(),
                    },
                );
                for bank in ["NXS", "ICBC"] {
                    agreements.push(AgencyAgreement {
                        bank_code: bank.into(),
                        county: code,
                        valid_from: date!(2020 - 01 - 01),
                        valid_to: None,
                    });
                }
            }
            Ok(Setting {
                project,
                payers,
                agreements,
                calendar: WorkCalendar::weekdays_only(),
            })
        }

        fn plan(&self) -> BatchPlan<'_> {
            BatchPlan {
                project: &self.project,
                payers: &self.payers,
                agreements: &self.agreements,
                calendar: &self.calendar,
                prepared_on: date!(2026 - 11 - 02),
                lead_working_days: 1,
            }
        }
    }

    fn hash(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn export(ledger: &mut PaymentLedger, batch_id: &str, n: u8) -> Fallible<()> {
        ledger.execute(
            PaymentCommand::Export {
                batch_id: batch_id.to_owned(),
                file_name: format!("{batch_id}.txt"),
                sha256: hash(n),
            },
            "finance",
            date!(2026 - 11 - 02),
        )?;
        Ok(())
    }

    fn answer(
        ledger: &mut PaymentLedger,
        batch_id: &str,
        n: u8,
        on: Date,
        lines: Vec<(InstructionId, ResultStatus)>,
    ) -> Fallible<()> {
        let results = lines
            .into_iter()
            .enumerate()
            .map(|(i, (reference, status))| BankResult {
                line: i as u64 + 2,
                reference,
                status,
                amount: None,
                name: None,
                account: None,
            })
            .collect();
        ledger.receive(
            BankReturn {
                source: format!("result-{n}"),
                sha256: hash(n),
                batch_id: Some(batch_id.to_owned()),
                complete: false,
                rejected: None,
                results,
            },
            "bank",
            on,
        )?;
        Ok(())
    }

    fn failed() -> ResultStatus {
        ResultStatus::Failed {
            reason: FailureReason::of_kind(FailureKind::AccountClosed),
        }
    }

    fn id_of(roster: &Roster, line_no: u32) -> Fallible<PaymentId> {
        let line = roster
            .lines()
            .iter()
            .find(|line| line.line_no == line_no)
            .ok_or("no such line")?;
        Ok(PaymentId::for_line(
            roster.project(),
            roster.period(),
            roster.id(),
            line_no,
            line.payee,
        ))
    }

    fn batch_of(ledger: &PaymentLedger, county: &str) -> Fallible<PaymentBatch> {
        let county = RegionCode::parse(county)?;
        Ok(ledger
            .batches()
            .find(|batch| batch.county == county)
            .ok_or("no batch")?
            .clone())
    }

    fn tally(count: u64, fen: i64) -> Tally {
        Tally { count, fen }
    }

    /// Three townships in two counties, each line in a known place:
    ///
    /// - R1 (隆昌镇): 100.00 paid on time; 80.50 failed; 300.00 pending; 50.00 no
    ///   account; a 0.00 line (not counted);
    /// - R2 (十三敖包镇, the first two payees of R1 again): 200.00 paid late;
    ///   150.00 failed, then cancelled;
    /// - R3 (大板镇): 60.00 paid on time;
    /// - R4 (隆昌镇): a draft, not counted.
    struct Case {
        rosters: Vec<(Roster, Review)>,
        ledger: PaymentLedger,
    }

    fn known_case() -> Fallible<Case> {
        let setting = Setting::new()?;
        let r1 = roster(
            "R1",
            TOWN_A,
            1,
            &[
                (10_000, "NXS"),
                (8_050, "NXS"),
                (30_000, "NXS"),
                (5_000, ""),
                (0, "NXS"),
            ],
        )?;
        let r2 = roster("R2", TOWN_B, 1, &[(20_000, "NXS"), (15_000, "NXS")])?;
        let r3 = roster("R3", TOWN_C, 101, &[(6_000, "ICBC")])?;
        let r4 = roster("R4", TOWN_A, 201, &[(99_900, "NXS")])?;
        let rosters = vec![
            (r1.clone(), approve(&r1)?),
            (r2.clone(), approve(&r2)?),
            (r3.clone(), approve(&r3)?),
            (r4, draft()?),
        ];
        let mut ledger = PaymentLedger::new();
        let approved: Vec<(&Roster, &Review)> = rosters[..3].iter().map(|(r, v)| (r, v)).collect();
        let prepared = ledger.prepare(&setting.plan(), &approved, "finance")?;
        ledger.apply_all(&prepared.events);
        let left = batch_of(&ledger, "150422")?;
        let right = batch_of(&ledger, "150423")?;
        export(&mut ledger, &left.id, 1)?;
        export(&mut ledger, &right.id, 2)?;
        let reference = |roster: &Roster, line| -> Fallible<InstructionId> {
            Ok(id_of(roster, line)?.instruction_id(1))
        };
        answer(
            &mut ledger,
            &left.id,
            3,
            ON,
            vec![
                (reference(&r1, 1)?, ResultStatus::Settled),
                (reference(&r1, 2)?, failed()),
                (reference(&r2, 2)?, failed()),
            ],
        )?;
        answer(
            &mut ledger,
            &left.id,
            4,
            LATE,
            vec![(reference(&r2, 1)?, ResultStatus::Settled)],
        )?;
        answer(
            &mut ledger,
            &right.id,
            5,
            ON,
            vec![(reference(&r3, 1)?, ResultStatus::Settled)],
        )?;
        ledger.execute(
            PaymentCommand::CancelPayment {
                payment_id: id_of(&r2, 2)?,
                reason: "本人已去世".to_owned(),
            },
            "clerk",
            LATE,
        )?;
        Ok(Case { rosters, ledger })
    }

    fn report(case: &Case, group: Grouping) -> Fallible<PaymentReport> {
        let pairs: Vec<(&Roster, &Review)> = case.rosters.iter().map(|(r, v)| (r, v)).collect();
        Ok(PaymentReport::build(
            &pairs,
            &case.ledger,
            group,
            RegionTree::bundled()?,
        ))
    }

    #[test]
    fn a_known_case_counts_and_sums_every_row() -> TestResult {
        let case = known_case()?;
        let report = report(&case, Grouping::Township)?;
        let period = Period::parse("2026-11")?;
        let regions: Vec<Option<String>> = report
            .rows
            .iter()
            .map(|row| row.region.map(|code| code.to_string()))
            .collect();
        assert_eq!(
            regions,
            [Some(TOWN_A), Some(TOWN_B), Some(TOWN_C), None].map(|r| r.map(str::to_owned))
        );

        let a = report
            .row("GLJT", period, RegionCode::parse(TOWN_A)?)
            .ok_or("no row A")?;
        assert_eq!(a.region_name, "隆昌镇");
        assert_eq!(a.beneficiaries, 4);
        assert_eq!(a.approved, tally(4, 53_050));
        assert_eq!(a.paid, tally(1, 10_000));
        assert_eq!(a.failed, tally(1, 8_050));
        assert_eq!(a.pending, tally(1, 30_000));
        assert_eq!(a.cancelled, tally(0, 0));
        assert_eq!(a.not_batched, tally(1, 5_000));
        assert_eq!((a.on_time, a.late), (1, 0));
        assert_eq!(a.on_time_rate(), Some(Decimal::new(10_000, 4)));

        let b = report
            .row("GLJT", period, RegionCode::parse(TOWN_B)?)
            .ok_or("no row B")?;
        assert_eq!(b.region_name, "十三敖包镇");
        assert_eq!(b.beneficiaries, 2);
        assert_eq!(b.approved, tally(2, 35_000));
        assert_eq!(b.paid, tally(1, 20_000));
        assert_eq!(b.cancelled, tally(1, 15_000));
        assert_eq!((b.on_time, b.late), (0, 1));
        assert_eq!(
            b.on_time_rate().map(|r| r.to_string()),
            Some("0.0000".into())
        );

        let c = report
            .row("GLJT", period, RegionCode::parse(TOWN_C)?)
            .ok_or("no row C")?;
        assert_eq!(c.approved, tally(1, 6_000));
        assert_eq!(c.paid, tally(1, 6_000));

        let total = report.total("GLJT", period).ok_or("no total")?;
        assert!(total.is_total());
        // Persons 1–4, 101: R2's payees are R1's first two.
        assert_eq!(total.beneficiaries, 5);
        assert_eq!(total.approved, tally(7, 94_050));
        assert_eq!(total.paid, tally(3, 36_000));
        assert_eq!(total.failed, tally(1, 8_050));
        assert_eq!(total.pending, tally(1, 30_000));
        assert_eq!(total.cancelled, tally(1, 15_000));
        assert_eq!(total.not_batched, tally(1, 5_000));
        assert_eq!((total.on_time, total.late), (2, 1));
        assert_eq!(
            total.on_time_rate().map(|r| r.to_string()),
            Some("0.6667".into())
        );
        assert!(report.rows.iter().all(ReportRow::balances));
        Ok(())
    }

    #[test]
    fn grouping_by_county_or_prefecture_sums_alike() -> TestResult {
        let case = known_case()?;
        let period = Period::parse("2026-11")?;
        let township = report(&case, Grouping::Township)?;
        let county = report(&case, Grouping::County)?;
        let prefecture = report(&case, Grouping::Prefecture)?;
        let codes = |report: &PaymentReport| -> Vec<String> {
            report
                .rows
                .iter()
                .filter_map(|row| row.region.map(|code| code.to_string()))
                .collect()
        };
        assert_eq!(codes(&county), ["150422000000", "150423000000"]);
        assert_eq!(codes(&prefecture), ["150400000000"]);
        let left = county
            .row("GLJT", period, RegionCode::parse("150422")?)
            .ok_or("no county row")?;
        assert_eq!(left.region_name, "巴林左旗");
        assert_eq!(left.approved, tally(6, 88_050));
        // The two townships share two payees.
        assert_eq!(left.beneficiaries, 4);
        let mut by_township = ReportRow::new("GLJT", period, None, String::new());
        for row in township.rows.iter().filter(|row| {
            row.region.is_some_and(|code| {
                code.truncate(RegionLevel::County) == left.region.unwrap_or(code)
            })
        }) {
            by_township.add(row);
        }
        by_township.beneficiaries = left.beneficiaries;
        by_township.region = left.region;
        by_township.region_name = left.region_name.clone();
        assert_eq!(&by_township, left);
        let total = township.total("GLJT", period);
        assert_eq!(county.total("GLJT", period), total);
        assert_eq!(prefecture.total("GLJT", period), total);
        Ok(())
    }

    #[test]
    fn a_roster_given_twice_counts_once() -> TestResult {
        let case = known_case()?;
        let (r1, v1) = (&case.rosters[0].0, &case.rosters[0].1);
        let once = PaymentReport::build(
            &[(r1, v1)],
            &case.ledger,
            Grouping::Township,
            RegionTree::bundled()?,
        );
        let twice = PaymentReport::build(
            &[(r1, v1), (r1, v1)],
            &case.ledger,
            Grouping::Township,
            RegionTree::bundled()?,
        );
        assert_eq!(once, twice);
        assert_eq!(once.rows.len(), 2);
        Ok(())
    }

    #[test]
    fn an_unknown_region_has_no_name() -> TestResult {
        let case = known_case()?;
        let pairs: Vec<(&Roster, &Review)> = case.rosters.iter().map(|(r, v)| (r, v)).collect();
        let empty = RegionTree::from_csv_reader(
            "empty.csv",
            "code12,name,level,parent_code12\n".as_bytes(),
        )?;
        let report = PaymentReport::build(&pairs, &case.ledger, Grouping::County, &empty);
        assert!(report.rows.iter().all(|row| row.region_name.is_empty()));
        assert_eq!(report.rows.len(), 3);
        Ok(())
    }

    /// Where a line ends up in the property test.
    #[derive(Debug, Clone, Copy)]
    enum Fate {
        PaidOnTime,
        Failed,
        Unanswered,
        Cancelled,
        ReissuedPending,
        Returned,
        NoAccount,
        ReissuedPaidLate,
    }

    fn fate() -> impl Strategy<Value = Fate> {
        prop_oneof![
            Just(Fate::PaidOnTime),
            Just(Fate::Failed),
            Just(Fate::Unanswered),
            Just(Fate::Cancelled),
            Just(Fate::ReissuedPending),
            Just(Fate::Returned),
            Just(Fate::NoAccount),
            Just(Fate::ReissuedPaidLate),
        ]
    }

    #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
    struct Expected {
        approved: Tally,
        paid: Tally,
        failed: Tally,
        pending: Tally,
        cancelled: Tally,
        not_batched: Tally,
        on_time: u64,
        late: u64,
    }

    /// Rosters paid through the ledger, with what each township row should say.
    struct Run {
        rosters: Vec<(Roster, Review)>,
        ledger: PaymentLedger,
        expected: [Expected; 2],
    }

    /// Builds two rosters (townships A and B) with the given fates and pays them
    /// through the real ledger.
    fn run(lines: &[(i64, Fate, bool)]) -> Fallible<Run> {
        let setting = Setting::new()?;
        let mut specs: [Vec<(i64, &str)>; 2] = [Vec::new(), Vec::new()];
        let mut fates: [Vec<Fate>; 2] = [Vec::new(), Vec::new()];
        let mut expected = [Expected::default(); 2];
        for &(fen, fate, in_b) in lines {
            let side = usize::from(in_b);
            specs[side].push((
                fen,
                if matches!(fate, Fate::NoAccount) {
                    ""
                } else {
                    "NXS"
                },
            ));
            fates[side].push(fate);
            let e = &mut expected[side];
            add(&mut e.approved, fen);
            match fate {
                Fate::PaidOnTime => {
                    add(&mut e.paid, fen);
                    e.on_time += 1;
                }
                Fate::ReissuedPaidLate => {
                    add(&mut e.paid, fen);
                    e.late += 1;
                }
                Fate::Failed | Fate::Returned => add(&mut e.failed, fen),
                Fate::Unanswered | Fate::ReissuedPending => add(&mut e.pending, fen),
                Fate::Cancelled => add(&mut e.cancelled, fen),
                Fate::NoAccount => add(&mut e.not_batched, fen),
            }
        }
        let mut rosters = Vec::new();
        for (side, (id, town)) in [("RA", TOWN_A), ("RB", TOWN_B)].into_iter().enumerate() {
            if !specs[side].is_empty() {
                let built = roster(id, town, 1 + 100 * side as u32, &specs[side])?;
                let review = approve(&built)?;
                rosters.push((built, review, fates[side].clone()));
            }
        }
        let mut ledger = PaymentLedger::new();
        let pairs: Vec<(&Roster, &Review)> = rosters.iter().map(|(r, v, _)| (r, v)).collect();
        let prepared = ledger.prepare(&setting.plan(), &pairs, "finance")?;
        ledger.apply_all(&prepared.events);
        let first = ledger.batches().next().cloned();
        if let Some(batch) = &first {
            export(&mut ledger, &batch.id, 1)?;
        }
        let mut answers = Vec::new();
        let mut returns = Vec::new();
        let mut cancel = Vec::new();
        let mut correct = Vec::new();
        let mut reissue_paid = Vec::new();
        for (roster, _, fates) in &rosters {
            for (line, fate) in roster.lines().iter().zip(fates) {
                let id = id_of(roster, line.line_no)?;
                let first = id.instruction_id(1);
                match fate {
                    Fate::PaidOnTime => answers.push((first, ResultStatus::Settled)),
                    Fate::Returned => {
                        answers.push((first, ResultStatus::Settled));
                        returns.push((
                            first,
                            ResultStatus::Returned {
                                reason: FailureReason::of_kind(FailureKind::Returned),
                            },
                        ));
                    }
                    Fate::Failed => answers.push((first, failed())),
                    Fate::Cancelled => {
                        answers.push((first, failed()));
                        cancel.push(id);
                    }
                    Fate::ReissuedPending => {
                        answers.push((first, failed()));
                        correct.push((id, line.line_no));
                    }
                    Fate::ReissuedPaidLate => {
                        answers.push((first, failed()));
                        correct.push((id, line.line_no));
                        reissue_paid.push((id.instruction_id(2), ResultStatus::Settled));
                    }
                    Fate::Unanswered | Fate::NoAccount => {}
                }
            }
        }
        if let Some(batch) = &first {
            answer(&mut ledger, &batch.id, 2, ON, answers)?;
            answer(&mut ledger, &batch.id, 3, ON, returns)?;
        }
        for payment_id in cancel {
            ledger.execute(
                PaymentCommand::CancelPayment {
                    payment_id,
                    reason: "不再发放".to_owned(),
                },
                "clerk",
                ON,
            )?;
        }
        if !correct.is_empty() {
            for (n, (payment_id, line_no)) in correct.into_iter().enumerate() {
                ledger.execute(
                    PaymentCommand::CorrectAccount {
                        payment_id,
                        account: account("ICBC", 700 + n as u32, &format!("村民{line_no}"))?,
                    },
                    "clerk",
                    ON,
                )?;
            }
            let events = ledger.prepare_reissue(&setting.plan(), "finance")?;
            ledger.apply_all(&events);
            let reissue = ledger.batches().last().ok_or("no reissue")?.clone();
            export(&mut ledger, &reissue.id, 4)?;
            answer(&mut ledger, &reissue.id, 5, LATE, reissue_paid)?;
        }
        let rosters = rosters.into_iter().map(|(r, v, _)| (r, v)).collect();
        Ok(Run {
            rosters,
            ledger,
            expected,
        })
    }

    fn observed(row: &ReportRow) -> Expected {
        Expected {
            approved: row.approved,
            paid: row.paid,
            failed: row.failed,
            pending: row.pending,
            cancelled: row.cancelled,
            not_batched: row.not_batched,
            on_time: row.on_time,
            late: row.late,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn every_row_balances_whatever_the_banks_answer(
            lines in proptest::collection::vec((1i64..1_000_000, fate(), any::<bool>()), 1..12),
        ) {
            let fail = |e: Box<dyn std::error::Error>| TestCaseError::fail(e.to_string());
            let Run { rosters, ledger, expected } = run(&lines).map_err(fail)?;
            let pairs: Vec<(&Roster, &Review)> = rosters.iter().map(|(r, v)| (r, v)).collect();
            let regions = RegionTree::bundled().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let township = PaymentReport::build(&pairs, &ledger, Grouping::Township, regions);
            let county = PaymentReport::build(&pairs, &ledger, Grouping::County, regions);
            let period = Period::parse("2026-11").map_err(|e| TestCaseError::fail(e.to_string()))?;
            for row in township.rows.iter().chain(&county.rows) {
                prop_assert!(row.balances(), "{row:?}");
            }
            let mut sum = Expected::default();
            for (side, town) in [TOWN_A, TOWN_B].into_iter().enumerate() {
                let code = RegionCode::parse(town).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let row = township.row("GLJT", period, code);
                if expected[side].approved.count == 0 {
                    prop_assert!(row.is_none());
                    continue;
                }
                let row = row.ok_or_else(|| TestCaseError::fail("no row"))?;
                prop_assert_eq!(observed(row), expected[side]);
                let e = expected[side];
                sum = Expected {
                    approved: sum.approved.plus(e.approved),
                    paid: sum.paid.plus(e.paid),
                    failed: sum.failed.plus(e.failed),
                    pending: sum.pending.plus(e.pending),
                    cancelled: sum.cancelled.plus(e.cancelled),
                    not_batched: sum.not_batched.plus(e.not_batched),
                    on_time: sum.on_time + e.on_time,
                    late: sum.late + e.late,
                };
            }
            let total = township.total("GLJT", period).ok_or_else(|| TestCaseError::fail("no total"))?;
            prop_assert_eq!(observed(total), sum);
            prop_assert_eq!(county.total("GLJT", period), Some(total));
            let county_row = county
                .row("GLJT", period, RegionCode::parse("150422").map_err(|e| TestCaseError::fail(e.to_string()))?)
                .ok_or_else(|| TestCaseError::fail("no county row"))?;
            prop_assert_eq!(observed(county_row), sum);
            prop_assert_eq!(county_row.beneficiaries, total.beneficiaries);
        }
    }
}
