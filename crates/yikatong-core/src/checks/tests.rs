use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::{
    AccountKind, AccountNumber, AgencyAgreement, Amount, BankResult, BankReturn, Beneficiary,
    BeneficiaryFacts, FailureKind, FailureReason, PayeeAccount, Payer, PaymentCommand,
    PaymentLedger, PolicyCatalog, ResultStatus, Review, Roster, RosterLine, WorkCalendar,
};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;
type Fallible<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const TOWNSHIP: &str = "150422101000";
const AS_OF: Date = date!(2026 - 12 - 01);

/// A valid resident ID born on 1 January of `year`, with sequence `n`.
fn born(year: i32, n: u32) -> Fallible<ResidentId> {
    let base = format!("150422{year}0101{:03}", n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = base
        .bytes()
        .zip(weights)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    Ok(ResidentId::parse(&format!("{base}{check}"))?)
}

fn person(n: u32) -> Fallible<ResidentId> {
    born(1950, n)
}

fn pid(n: u32) -> PaymentId {
    let mut bytes = [0u8; 16];
    bytes[12..].copy_from_slice(&n.to_be_bytes());
    PaymentId::from_bytes(bytes)
}

/// A clean row: person `n`, own household and account, paid on time, as approved.
fn row(n: u32) -> Fallible<PaidRow> {
    let person = person(n)?;
    let account = CompactString::from(format!("6228{n:012}"));
    Ok(PaidRow {
        payment_id: pid(n),
        attempt: 1,
        beneficiary: person,
        payee: person,
        household_id: format!("H{n}").into(),
        registered_name: "王芳".into(),
        holder_name: "王芳".into(),
        account: account.clone(),
        project: Arc::from("A"),
        period: Period::month(2026, 11)?,
        township: RegionCode::parse(TOWNSHIP)?,
        county: RegionCode::parse("150422")?,
        batch_id: Some(Arc::from("B1")),
        amount_fen: 10_000,
        entitled_fen: Some(10_000),
        recovered_fen: 0,
        settled_on: Some(date!(2026 - 11 - 10)),
        counted: true,
        deadline: Some(date!(2026 - 11 - 13)),
        on_hold: false,
        ineligible: None,
        approved: Some(ApprovedLine {
            roster_id: Arc::from("R1"),
            line_no: n,
            payee: person,
            account,
            amount_fen: 10_000,
        }),
    })
}

fn rows(n: u32) -> Fallible<Vec<PaidRow>> {
    (1..=n).map(row).collect()
}

fn run(rows: Vec<PaidRow>, references: &References, config: &CheckConfig) -> AuditReport {
    run_checks(&AuditInput::from_rows(rows), references, config)
}

fn only(report: &AuditReport, check: CheckKind) -> Fallible<AuditFinding> {
    let found: Vec<&AuditFinding> = report.findings.iter().collect();
    match found.as_slice() {
        [one] if one.check == check => Ok((*one).clone()),
        _ => Err(format!("expected one {check:?} finding, got {found:#?}").into()),
    }
}

fn evidence(finding: &AuditFinding) -> Vec<(&str, &str)> {
    finding
        .evidence
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_str()))
        .collect()
}

const P1: &str = "00000000000000000000000000000001";
const P2: &str = "00000000000000000000000000000002";

#[test]
fn clean_rows_give_no_findings_and_count_on_time() -> TestResult {
    let report = run(rows(5)?, &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(
        report.timeliness,
        [Timeliness {
            county: RegionCode::parse("150422")?,
            project: "A".into(),
            on_time: 5,
            late: 0,
            missed: 0,
            not_yet_due: 0,
        }]
    );
    Ok(())
}

#[test]
fn duplicate_across_townships_and_batches() -> TestResult {
    let first = row(1)?;
    let mut second = row(1)?;
    second.payment_id = pid(2);
    second.township = RegionCode::parse("150422102000")?;
    second.batch_id = Some(Arc::from("B2"));
    second.settled_on = Some(date!(2026 - 11 - 11));
    let report = run(
        vec![second.clone(), first.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::DuplicatePayment)?;
    assert_eq!(finding.severity, AuditSeverity::Critical);
    assert_eq!(finding.amount_fen, 10_000);
    assert_eq!(finding.region, RegionCode::parse(TOWNSHIP)?);
    assert_eq!(
        evidence(&finding),
        [
            ("times_paid", "2"),
            (
                "payment",
                &*format!(
                    "{P1} attempt 1 batch B1 township 150422101000 paid 2026-11-10 100.00 yuan"
                )
            ),
            (
                "payment",
                &*format!(
                    "{P2} attempt 1 batch B2 township 150422102000 paid 2026-11-11 100.00 yuan"
                )
            ),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "recover 100.00 yuan (追回): 王芳 ({}) was paid 2 times for A 2026-11; keep one payment",
            first.beneficiary
        )
    );
    // Near miss: the same person paid for two different periods.
    let mut next_month = second;
    next_month.period = Period::month(2026, 12)?;
    let report = run(
        vec![first, next_month],
        &References::default(),
        &CheckConfig::new(date!(2026 - 11 - 20)),
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    Ok(())
}

#[test]
fn missed_after_the_deadline_and_not_before() -> TestResult {
    let mut unpaid = row(1)?;
    unpaid.settled_on = None;
    unpaid.counted = false;
    let report = run(
        vec![unpaid.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::MissedPayment)?;
    assert_eq!(
        evidence(&finding),
        [
            ("deadline", "2026-11-13"),
            ("as_of", "2026-12-01"),
            ("approved_line", "R1 line 1"),
            ("last_attempt", "attempt 1 batch B1"),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "pay 100.00 yuan (补发) to 王芳 ({}) for A 2026-11: approved but unpaid after the deadline 2026-11-13; fix the account or reissue",
            unpaid.payee
        )
    );
    assert_eq!(report.timeliness[0].missed, 1);
    // Near misses: on the deadline day itself, or on hold by the auditor.
    let report = run(
        vec![unpaid.clone()],
        &References::default(),
        &CheckConfig::new(date!(2026 - 11 - 13)),
    );
    assert!(report.findings.is_empty());
    assert_eq!(report.timeliness[0].not_yet_due, 1);
    unpaid.on_hold = true;
    let report = run(
        vec![unpaid],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn late_after_the_deadline_and_not_on_it() -> TestResult {
    let mut late = row(1)?;
    late.settled_on = Some(date!(2026 - 11 - 20));
    let report = run(
        vec![late.clone(), row(2)?],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::LatePayment)?;
    assert_eq!(finding.severity, AuditSeverity::Low);
    assert_eq!(
        evidence(&finding)[..3],
        [
            ("deadline", "2026-11-13"),
            ("settled_on", "2026-11-20"),
            ("days_late", "7"),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "explain the delay (迟发): 100.00 yuan for A 2026-11 to 王芳 ({}) was paid on 2026-11-20, 7 days after the deadline 2026-11-13",
            late.beneficiary
        )
    );
    assert_eq!(
        (report.timeliness[0].on_time, report.timeliness[0].late),
        (1, 1)
    );
    late.settled_on = Some(date!(2026 - 11 - 13));
    let report = run(vec![late], &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn over_payment_counts_recoveries() -> TestResult {
    let mut over = row(1)?;
    over.amount_fen = 130_000;
    over.entitled_fen = Some(100_000);
    if let Some(line) = over.approved.as_mut() {
        line.amount_fen = 130_000;
    }
    over.recovered_fen = 10_000;
    let report = run(
        vec![over.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::OverPayment)?;
    assert_eq!(finding.amount_fen, 20_000);
    assert_eq!(
        evidence(&finding)[..3],
        [
            ("paid", "1,300.00"),
            ("recovered", "100.00"),
            ("due", "1,000.00")
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "recover 200.00 yuan (扣回) from 王芳 ({}): paid 1,300.00 less 100.00 recovered, due 1,000.00 for A 2026-11",
            over.beneficiary
        )
    );
    // Near miss: the recovery already brought it down to what is due.
    over.recovered_fen = 30_000;
    let report = run(vec![over], &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn deceased_paid_for_a_later_period_only() -> TestResult {
    let paid = row(1)?;
    let mut references = References::default();
    references
        .deaths
        .insert(paid.beneficiary, date!(2026 - 08 - 03));
    let report = run(vec![paid.clone()], &references, &CheckConfig::new(AS_OF));
    let finding = only(&report, CheckKind::Deceased)?;
    assert_eq!(
        evidence(&finding)[..3],
        [
            ("died_on", "2026-08-03"),
            ("person", paid.beneficiary.as_str()),
            ("period_starts", "2026-11-01"),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "stop payments and recover 100.00 yuan (追回) paid for A 2026-11 after the death of {} on 2026-08-03",
            paid.beneficiary
        )
    );
    // A household head paid for a member: the payee's death counts too, in one
    // finding even when both died, whichever part of the rows it is in.
    let mut for_member = paid.clone();
    for_member.payee = person(2)?;
    if let Some(line) = for_member.approved.as_mut() {
        line.payee = for_member.payee;
    }
    let mut both = References::default();
    both.deaths.insert(for_member.payee, date!(2026 - 09 - 01));
    let input = AuditInput::from_rows(vec![row(3)?, for_member.clone(), row(4)?]);
    for threads in 1..=3 {
        let report = run_checks_on(
            &input,
            &both,
            &CheckConfig::new(AS_OF),
            threads,
            &crate::Silent,
        );
        let finding = only(&report, CheckKind::Deceased)?;
        assert_eq!(evidence(&finding)[1], ("person", for_member.payee.as_str()));
        both.deaths
            .insert(for_member.beneficiary, date!(2026 - 08 - 03));
        let report = run_checks_on(
            &input,
            &both,
            &CheckConfig::new(AS_OF),
            threads,
            &crate::Silent,
        );
        let finding = only(&report, CheckKind::Deceased)?;
        assert_eq!(evidence(&finding)[1], ("person", paid.beneficiary.as_str()));
        both = References::default();
        both.deaths.insert(for_member.payee, date!(2026 - 09 - 01));
    }
    // Near miss: died during the period paid.
    let mut references = References::default();
    references
        .deaths
        .insert(paid.beneficiary, date!(2026 - 11 - 05));
    let report = run(vec![paid], &references, &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn no_longer_eligible_when_recomputation_says_so() -> TestResult {
    let mut paid = row(1)?;
    paid.ineligible = Some("年满 80 周岁；实际 76 周岁".into());
    let report = run(
        vec![paid.clone(), row(2)?],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::NoLongerEligible)?;
    assert_eq!(
        evidence(&finding)[0],
        ("reason", "年满 80 周岁；实际 76 周岁")
    );
    assert_eq!(
        finding.action,
        format!(
            "verify eligibility of 王芳 ({}) for A 2026-11: 年满 80 周岁；实际 76 周岁; if confirmed, stop payments (停发) and recover 100.00 yuan",
            paid.beneficiary
        )
    );
    // Near miss: an unpaid ineligible line is not paid money.
    paid.settled_on = None;
    paid.counted = false;
    let report = run(vec![paid], &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.of(CheckKind::NoLongerEligible).next().is_none());
    Ok(())
}

#[test]
fn mutually_exclusive_projects_in_one_period() -> TestResult {
    let a = row(1)?;
    let mut b = row(1)?;
    b.payment_id = pid(2);
    b.project = Arc::from("B");
    b.amount_fen = 5_000;
    b.entitled_fen = Some(5_000);
    if let Some(line) = b.approved.as_mut() {
        line.amount_fen = 5_000;
    }
    let config = CheckConfig::new(AS_OF).with_exclusive_pair("B", "A");
    let report = run(vec![b.clone(), a.clone()], &References::default(), &config);
    let finding = only(&report, CheckKind::MutuallyExclusive)?;
    assert_eq!(finding.project, "B");
    assert_eq!(finding.amount_fen, 5_000);
    assert_eq!(
        finding.action,
        format!(
            "王芳 ({}) received both A and B for 2026-11, which exclude each other: stop B and recover 50.00 yuan",
            a.beneficiary
        )
    );
    // Near misses: a pair not configured; the same pair in different periods.
    let report = run(
        vec![a.clone(), b.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF).with_exclusive_pair("A", "C"),
    );
    assert!(report.findings.is_empty());
    b.period = Period::month(2026, 10)?;
    b.deadline = Some(date!(2026 - 10 - 15));
    b.settled_on = Some(date!(2026 - 10 - 10));
    let report = run(vec![a, b], &References::default(), &config);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    Ok(())
}

#[test]
fn shared_account_by_households_with_threshold() -> TestResult {
    let holder = row(1)?;
    let mut other = row(2)?;
    other.account = holder.account.clone();
    if let Some(line) = other.approved.as_mut() {
        line.account = holder.account.clone();
    }
    let report = run(
        vec![other.clone(), holder.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::SharedAccount)?;
    assert_eq!(finding.beneficiary, holder.beneficiary);
    assert_eq!(finding.amount_fen, 20_000);
    assert_eq!(
        evidence(&finding)[..4],
        [
            ("account", "6228000000000001"),
            ("holder_name", "王芳"),
            ("households", "2"),
            ("people", "2"),
        ]
    );
    assert_eq!(
        finding.action,
        "check account 6228000000000001 held by 王芳: it received 200.00 yuan in 2 payments for 2 people of 2 households (集中代领); confirm each beneficiary's consent or move them to their own cards"
    );
    // Near misses: a threshold of 3 households; one household sharing an account.
    let mut config = CheckConfig::new(AS_OF);
    config.households_per_account = 3;
    let report = run(
        vec![holder.clone(), other.clone()],
        &References::default(),
        &config,
    );
    assert!(report.findings.is_empty());
    other.household_id = holder.household_id.clone();
    let report = run(
        vec![holder, other],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn holder_name_differs_but_not_by_spaces_or_dots() -> TestResult {
    let mut paid = row(1)?;
    paid.holder_name = "李强".into();
    let report = run(
        vec![paid.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::HolderNameMismatch)?;
    assert_eq!(
        evidence(&finding)[..3],
        [
            ("account", "6228000000000001"),
            ("holder_name", "李强"),
            ("registered_name", "王芳"),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "check account 6228000000000001: held by 李强 but paid for 王芳 ({}); confirm the account with the bank or correct it on the roster",
            paid.payee
        )
    );
    paid.registered_name = "巴特·尔".into();
    paid.holder_name = "巴特•尔 ".into();
    let report = run(vec![paid], &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn excluded_people_by_tag_and_project() -> TestResult {
    let paid = row(1)?;
    let mut references = References::default();
    references.exclusions.exclude("public_employee", ["A"]);
    references
        .exclusions
        .tag(paid.beneficiary, "public_employee");
    let report = run(vec![paid.clone()], &references, &CheckConfig::new(AS_OF));
    let finding = only(&report, CheckKind::ExcludedPerson)?;
    assert_eq!(evidence(&finding)[0], ("list", "public_employee"));
    assert_eq!(
        finding.action,
        format!(
            "王芳 ({}) is on the public_employee list, which may not receive A: stop payments and recover 100.00 yuan paid for 2026-11",
            paid.beneficiary
        )
    );
    // Near miss: the tag excludes another project only.
    let mut references = References::default();
    references.exclusions.exclude("public_employee", ["B"]);
    references
        .exclusions
        .tag(paid.beneficiary, "public_employee");
    let report = run(vec![paid], &references, &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn review_and_payment_disagree() -> TestResult {
    let mut paid = row(1)?;
    paid.account = "6228999999999999".into();
    paid.holder_name = "王芳".into();
    let report = run(
        vec![paid.clone()],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    let finding = only(&report, CheckKind::ReviewPaymentMismatch)?;
    assert_eq!(
        evidence(&finding)[..3],
        [
            ("approved_line", "R1 line 1"),
            ("approved_account", "6228000000000001"),
            ("paid_account", "6228999999999999"),
        ]
    );
    assert_eq!(
        finding.action,
        format!(
            "reconcile payment {P1} with roster R1 line 1 (两张皮): paid account 6228999999999999 instead of 6228000000000001; correct the payment or recover the money"
        )
    );
    // Near miss: a reissue onto a corrected account.
    paid.attempt = 2;
    let report = run(vec![paid], &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty());
    Ok(())
}

#[test]
fn summaries_by_check_and_county() -> TestResult {
    let mut late = row(1)?;
    late.settled_on = Some(date!(2026 - 11 - 20));
    let mut other_county = row(2)?;
    other_county.county = RegionCode::parse("150423")?;
    other_county.township = RegionCode::parse("150423100000")?;
    other_county.settled_on = Some(date!(2026 - 11 - 30));
    let mut missed = row(3)?;
    missed.settled_on = None;
    missed.counted = false;
    let report = run(
        vec![late, other_county, missed],
        &References::default(),
        &CheckConfig::new(AS_OF),
    );
    assert_eq!(
        report.by_check,
        [
            CheckTally {
                check: CheckKind::MissedPayment,
                findings: 1,
                amount_fen: 10_000,
            },
            CheckTally {
                check: CheckKind::LatePayment,
                findings: 2,
                amount_fen: 20_000,
            },
        ]
    );
    let counties: Vec<(u64, CheckKind, u64)> = report
        .by_county
        .iter()
        .map(|t| (t.county.as_u64(), t.check, t.findings))
        .collect();
    assert_eq!(
        counties,
        [
            (150_422_000_000, CheckKind::MissedPayment, 1),
            (150_422_000_000, CheckKind::LatePayment, 1),
            (150_423_000_000, CheckKind::LatePayment, 1),
        ]
    );
    let json = serde_json::to_string(&report)?;
    let back: AuditReport = serde_json::from_str(&json)?;
    assert_eq!(back, report);
    Ok(())
}

/// Rows with one anomaly of every kind, and references and config that find them.
fn every_anomaly() -> Fallible<(Vec<PaidRow>, References, CheckConfig)> {
    let mut rows = rows(24)?;
    let mut references = References::default();
    let config = CheckConfig::new(AS_OF).with_exclusive_pair("A", "B");
    for kind in CheckKind::ALL {
        let at = rows
            .iter()
            .position(|r| r.project.as_ref() == "A")
            .unwrap_or(0)
            + 2 * kind as usize;
        inject(
            &mut rows,
            &mut references,
            kind,
            at,
            at + 1,
            1000 + kind as u32,
        )?;
    }
    Ok((rows, references, config))
}

#[test]
fn findings_do_not_depend_on_row_order() -> TestResult {
    let (rows, references, config) = every_anomaly()?;
    let report = run(rows.clone(), &references, &config);
    let kinds: BTreeSet<CheckKind> = report.findings.iter().map(|f| f.check).collect();
    assert_eq!(kinds.len(), CheckKind::ALL.len(), "{:#?}", report.findings);
    let mut reversed = rows.clone();
    reversed.reverse();
    let mut rotated = rows;
    rotated.rotate_left(7);
    assert_eq!(run(reversed, &references, &config), report);
    assert_eq!(run(rotated.clone(), &references, &config), report);
    // Split between threads (each part's rows are numbered from its start).
    let input = AuditInput::from_rows(rotated);
    for threads in 2..=5 {
        assert_eq!(
            run_checks_on(&input, &references, &config, threads, &crate::Silent),
            report,
            "{threads} threads"
        );
    }
    // And the order is the documented one.
    let keys: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.check, f.county, f.region, f.beneficiary))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    Ok(())
}

#[test]
fn progress_reaches_every_row_and_grouping_whatever_the_threads() -> TestResult {
    let (rows, references, config) = every_anomaly()?;
    let report = run(rows.clone(), &references, &config);
    let input = AuditInput::from_rows(rows);
    for threads in 1..=3 {
        let seen = std::sync::Mutex::new(Vec::new());
        let record = |step: &str, done: u64, total: u64| {
            if let Ok(mut seen) = seen.lock() {
                seen.push((step.to_owned(), done, total));
            }
        };
        let with_progress = run_checks_on(&input, &references, &config, threads, &record);
        assert_eq!(with_progress, report, "{threads} threads");
        let seen = seen.into_inner().unwrap_or_default();
        let last = |step: &str| {
            seen.iter()
                .filter(|(s, _, _)| s == step)
                .map(|(_, done, total)| (*done, *total))
                .max()
        };
        let rows = input.rows.len() as u64;
        assert_eq!(last("checking rows"), Some((rows, rows)), "{seen:?}");
        assert_eq!(last("grouping rows"), Some((3, 3)), "{seen:?}");
        // Rows are checked before they are grouped.
        let first_grouping = seen.iter().position(|(s, _, _)| s == "grouping rows");
        let last_row = seen.iter().rposition(|(s, _, _)| s == "checking rows");
        assert!(last_row < first_grouping, "{seen:?}");
    }
    Ok(())
}

/// Makes rows `at` (and `partner`, for checks that need a second row) anomalous of
/// `kind`; `fresh` numbers an added row's payment id.
fn inject(
    rows: &mut Vec<PaidRow>,
    references: &mut References,
    kind: CheckKind,
    at: usize,
    partner: usize,
    fresh: u32,
) -> Fallible<()> {
    let row = rows.get_mut(at).ok_or("no row")?;
    match kind {
        CheckKind::DuplicatePayment => {
            let mut copy = row.clone();
            copy.payment_id = pid(fresh);
            copy.batch_id = Some(Arc::from("B9"));
            rows.push(copy);
        }
        CheckKind::Deceased => {
            references
                .deaths
                .insert(row.beneficiary, date!(2026 - 09 - 30));
        }
        CheckKind::OverPayment => {
            row.entitled_fen = Some(row.amount_fen - 100);
        }
        CheckKind::NoLongerEligible => row.ineligible = Some("age".into()),
        CheckKind::ExcludedPerson => {
            references.exclusions.exclude("public_employee", ["A"]);
            references
                .exclusions
                .tag(row.beneficiary, "public_employee");
        }
        CheckKind::MutuallyExclusive => {
            let mut other = row.clone();
            other.payment_id = pid(fresh);
            other.project = Arc::from("B");
            rows.push(other);
        }
        CheckKind::ReviewPaymentMismatch => {
            if let Some(line) = row.approved.as_mut() {
                line.account = "6228777777777777".into();
            }
        }
        CheckKind::MissedPayment => {
            row.settled_on = None;
            row.counted = false;
        }
        CheckKind::LatePayment => row.settled_on = Some(date!(2026 - 11 - 16)),
        CheckKind::SharedAccount => {
            let account = row.account.clone();
            let other = rows.get_mut(partner).ok_or("no partner")?;
            other.account = account.clone();
            if let Some(line) = other.approved.as_mut() {
                line.account = account;
            }
        }
        CheckKind::HolderNameMismatch => row.holder_name = "李强".into(),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn k_injected_anomalies_give_k_findings_of_their_kind(
        (n, picks) in (4u32..40).prop_flat_map(|n| {
            (Just(n), proptest::sample::subsequence((0..n as usize / 2).collect::<Vec<_>>(), 0..=n as usize / 2))
        }),
        kind in proptest::sample::select(CheckKind::ALL.to_vec()),
        threads in 2usize..6,
    ) {
        let mut rows = rows(n).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut references = References::default();
        let config = CheckConfig::new(AS_OF).with_exclusive_pair("A", "B");
        // Pairs (2i, 2i+1): distinct rows for every anomaly and its partner.
        for (j, &i) in picks.iter().enumerate() {
            inject(&mut rows, &mut references, kind, 2 * i, 2 * i + 1, 10_000 + j as u32)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let report = run(rows.clone(), &references, &config);
        // Split between threads, the rows give the same report.
        let input = AuditInput::from_rows(rows);
        prop_assert_eq!(&run_checks_on(&input, &references, &config, threads, &crate::Silent), &report);
        let found: BTreeMap<CheckKind, usize> = report.findings.iter().fold(BTreeMap::new(), |mut m, f| {
            *m.entry(f.check).or_default() += 1;
            m
        });
        let expected: BTreeMap<CheckKind, usize> = if picks.is_empty() {
            BTreeMap::new()
        } else {
            BTreeMap::from([(kind, picks.len())])
        };
        prop_assert_eq!(found, expected);
    }
}

#[test]
fn samples_are_reproducible_per_county() -> TestResult {
    let mut rows = rows(30)?;
    for row in rows.iter_mut().skip(20) {
        row.county = RegionCode::parse("150423")?;
        row.township = RegionCode::parse("150423100000")?;
    }
    let sample = draw_audit_sample(&rows, 4, 42);
    assert_eq!(sample.seed, 42);
    let sizes: Vec<(u64, usize)> = sample
        .counties
        .iter()
        .map(|c| (c.population, c.picks.len()))
        .collect();
    assert_eq!(sizes, [(20, 4), (10, 4)]);
    let mut shuffled = rows.clone();
    shuffled.reverse();
    assert_eq!(draw_audit_sample(&shuffled, 4, 42), sample);
    let other = draw_audit_sample(&rows, 4, 43);
    assert_ne!(other.counties, sample.counties);
    // A county's sample does not depend on the other counties' rows.
    let alone: Vec<PaidRow> = rows.iter().skip(20).cloned().collect();
    assert_eq!(
        draw_audit_sample(&alone, 4, 42).counties[0],
        sample.counties[1]
    );
    // Asking for more than there are gives them all.
    assert_eq!(
        draw_audit_sample(&alone, 50, 42).counties[0].picks.len(),
        10
    );
    let json = serde_json::to_string(&sample)?;
    assert!(json.contains("\"seed\":42"));
    Ok(())
}

// ---------------------------------------------------------------------------
// From a real ledger

fn account(n: u32, holder: &str) -> Fallible<PayeeAccount> {
    Ok(PayeeAccount {
        bank_code: "NXS".into(),
        number: AccountNumber::parse(&format!("62{:014}{:02}", n, n % 97), AccountKind::Passbook)?,
        holder_name: holder.into(),
    })
}

/// A roster of GLJT 2026-11 in the township; line i pays person `people[i]`.
fn roster(id: &str, people: &[ResidentId], fen: i64) -> Fallible<Roster> {
    let township = RegionCode::parse(TOWNSHIP)?;
    let mut lines = Vec::new();
    for (i, &payee) in people.iter().enumerate() {
        let n = i as u32 + 1;
        let name = format!("村民{n}");
        lines.push(RosterLine {
            line_no: n,
            name: name.as_str().into(),
            payee,
            facts: BeneficiaryFacts::new(payee, township),
            amount: Amount::from_fen(fen)?,
            policy_document: Arc::from("内民政发〔2023〕1号"),
            policy_version: 1,
            account: Some(account(n, &name)?),
            stated_amount: None,
            source_line: None,
            note: None,
        });
    }
    let value = serde_json::json!({
        "id": id, "project": "GLJT", "period": "2026-11", "township": TOWNSHIP,
        "kind": { "kind": "original" }, "lines": lines, "next_line_no": people.len() + 1,
    });
    Ok(serde_json::from_value(value)?)
}

use crate::ledger::tests::approve;

/// Prepares and exports the rosters' batches; returns the ledger.
fn paid_ledger(approved: &[(&Roster, &Review)]) -> Fallible<PaymentLedger> {
    let county = RegionCode::parse("150422")?;
    let project: crate::SubsidyProject = serde_json::from_value(serde_json::json!({
        "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
        "category": "people",
        "department": { "name": "民政厅", "credit_code": "111500000116068826" },
        "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
    }))?;
    let payers = BTreeMap::from([(
        county,
        Payer {
            unit_code: "CZ150422".into(),
            name: "巴林左旗财政局".into(),
            account: "15050000000000000001".into(),
        },
    )]);
    let agreements = vec![AgencyAgreement {
        bank_code: "NXS".into(),
        county,
        valid_from: date!(2020 - 01 - 01),
        valid_to: None,
    }];
    let calendar = WorkCalendar::weekdays_only();
    let plan = crate::BatchPlan {
        project: &project,
        payers: &payers,
        agreements: &agreements,
        calendar: &calendar,
        prepared_on: date!(2026 - 11 - 02),
        lead_working_days: 1,
    };
    let mut ledger = PaymentLedger::new();
    let prepared = ledger.prepare(&plan, approved, "finance")?;
    ledger.apply_all(&prepared.events);
    let ids: Vec<String> = ledger.batches().map(|b| b.id.clone()).collect();
    for (n, id) in ids.iter().enumerate() {
        ledger.execute(
            PaymentCommand::Export {
                batch_id: id.clone(),
                file_name: format!("{id}.txt"),
                sha256: format!("{n:02x}").repeat(32),
            },
            "finance",
            date!(2026 - 11 - 02),
        )?;
    }
    Ok(ledger)
}

/// Records one result file for the batch: `results` by line number of the batch.
fn results(
    ledger: &mut PaymentLedger,
    file: u8,
    on: Date,
    outcome: &[(usize, bool)],
) -> TestResult {
    let batch = ledger.batches().next().ok_or("no batch")?.clone();
    let lines = outcome
        .iter()
        .map(|&(i, paid)| -> Fallible<BankResult> {
            let instruction = batch.instructions.get(i).ok_or("no line")?;
            Ok(BankResult {
                line: i as u64 + 1,
                reference: instruction.instruction_id(),
                status: if paid {
                    ResultStatus::Settled
                } else {
                    ResultStatus::Failed {
                        reason: FailureReason::of_kind(FailureKind::AccountClosed),
                    }
                },
                amount: None,
                name: None,
                account: None,
            })
        })
        .collect::<Fallible<Vec<_>>>()?;
    ledger.receive(
        BankReturn {
            source: format!("result-{file}"),
            sha256: format!("{:02x}", 0x80 + file).repeat(32),
            batch_id: Some(batch.id.clone()),
            complete: false,
            rejected: None,
            results: lines,
        },
        "bank",
        on,
    )?;
    Ok(())
}

#[test]
fn ledger_missed_late_and_on_time() -> TestResult {
    let people = [person(1)?, person(2)?, person(3)?];
    let roster = roster("R1", &people, 12_000)?;
    let review = approve(&roster)?;
    let approved = [(&roster, &review)];
    let mut ledger = paid_ledger(&approved)?;
    results(
        &mut ledger,
        1,
        date!(2026 - 11 - 05),
        &[(0, true), (1, false)],
    )?;
    results(&mut ledger, 2, date!(2026 - 11 - 20), &[(2, true)])?;
    let input = AuditInput::collect(&ledger, &approved, &crate::Register::new());
    assert_eq!(input.rows.len(), 3);
    let report = run_checks(&input, &References::default(), &CheckConfig::new(AS_OF));
    let found: Vec<(CheckKind, ResidentId)> = report
        .findings
        .iter()
        .map(|f| (f.check, f.beneficiary))
        .collect();
    assert_eq!(
        found,
        [
            (CheckKind::MissedPayment, people[1]),
            (CheckKind::LatePayment, people[2]),
        ]
    );
    let late = &report.findings[1];
    assert_eq!(
        late.action,
        format!(
            "explain the delay (迟发): 120.00 yuan for GLJT 2026-11 to 村民3 ({}) was paid on 2026-11-20, 7 days after the deadline 2026-11-13",
            people[2]
        )
    );
    let missed = &report.findings[0];
    assert_eq!(
        evidence(missed)[..3],
        [
            ("deadline", "2026-11-13"),
            ("as_of", "2026-12-01"),
            ("approved_line", "R1 line 2"),
        ]
    );
    assert_eq!(
        (
            report.timeliness[0].on_time,
            report.timeliness[0].late,
            report.timeliness[0].missed
        ),
        (1, 1, 1)
    );
    Ok(())
}

#[test]
fn ledger_duplicate_across_rosters_deceased_and_holder_name() -> TestResult {
    let twice = person(1)?;
    let first = roster("R1", &[twice, person(2)?], 12_000)?;
    let second = roster("R2", &[twice], 12_000)?;
    let (a, b) = (approve(&first)?, approve(&second)?);
    let approved = [(&first, &a), (&second, &b)];
    let mut ledger = paid_ledger(&approved)?;
    let count = ledger
        .batches()
        .next()
        .ok_or("no batch")?
        .instructions
        .len();
    let all: Vec<(usize, bool)> = (0..count).map(|i| (i, true)).collect();
    results(&mut ledger, 1, date!(2026 - 11 - 05), &all)?;
    let mut register = crate::Register::new();
    let village = RegionCode::parse("150422101001")?;
    let mut dead = Beneficiary::new(twice, "村民1", "H1", village);
    dead.deceased_on = Some(date!(2026 - 08 - 03));
    register.upsert_beneficiary(dead);
    // Person 2's account is held by someone else.
    register.upsert_beneficiary(Beneficiary::new(person(2)?, "王芳", "H2", village));
    let input = AuditInput::collect(&ledger, &approved, &register);
    let references = References {
        deaths: DeathList::from_register(&register),
        exclusions: TaggedExclusions::new(),
    };
    let report = run_checks(&input, &references, &CheckConfig::new(AS_OF));
    let found: Vec<(CheckKind, ResidentId)> = report
        .findings
        .iter()
        .map(|f| (f.check, f.beneficiary))
        .collect();
    assert_eq!(
        found,
        [
            (CheckKind::DuplicatePayment, twice),
            (CheckKind::Deceased, twice),
            (CheckKind::Deceased, twice),
            (CheckKind::HolderNameMismatch, person(2)?),
        ]
    );
    let duplicate = &report.findings[0];
    assert_eq!(duplicate.amount_fen, 12_000);
    assert_eq!(duplicate.evidence.len(), 3);
    assert_eq!(
        report.findings[1].action,
        format!(
            "stop payments and recover 120.00 yuan (追回) paid for GLJT 2026-11 after the death of {twice} on 2026-08-03"
        )
    );
    assert_eq!(report.findings[3].evidence[1].value, "村民2");
    Ok(())
}

#[test]
fn ledger_recomputed_under_the_policy_in_force() -> TestResult {
    let catalog = PolicyCatalog::from_json(
        "高龄津贴.json",
        r#"{ "projects": [{
            "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
            "category": "people",
            "department": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
            "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
        }], "policies": [{
            "project": "GLJT", "name": "高龄津贴", "document": "内民政发〔2023〕1号",
            "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
            "level": "region", "scope": ["15"],
            "effective_from": "2023-01-01", "version": 1,
            "standard": { "per": "month", "basis": { "kind": "age_bands", "bands": [
                { "from": 80, "to": 89, "amount": "100.00" },
                { "from": 90, "amount": "300.00" } ] } },
            "eligibility": { "rule": "age", "min": 80 },
            "funding_shares": { "region": "50", "county": "50" }
        }] }"#,
    )?;
    // Born 1950: 76, not eligible. Born 1940: 86, due 100.00 but paid 120.00.
    let young = person(1)?;
    let old = born(1940, 2)?;
    let roster = roster("R1", &[young, old], 12_000)?;
    let review = approve(&roster)?;
    let approved = [(&roster, &review)];
    let mut ledger = paid_ledger(&approved)?;
    results(
        &mut ledger,
        1,
        date!(2026 - 11 - 05),
        &[(0, true), (1, true)],
    )?;
    let input =
        AuditInput::collect_recomputed(&ledger, &approved, &crate::Register::new(), &catalog);
    let report = run_checks(&input, &References::default(), &CheckConfig::new(AS_OF));
    let found: Vec<(CheckKind, ResidentId, i64)> = report
        .findings
        .iter()
        .map(|f| (f.check, f.beneficiary, f.amount_fen))
        .collect();
    assert_eq!(
        found,
        [
            (CheckKind::OverPayment, old, 2_000),
            (CheckKind::NoLongerEligible, young, 12_000),
        ]
    );
    assert!(
        report.findings[1].evidence[0]
            .value
            .contains("内民政发〔2023〕1号 第 1 版"),
        "{:?}",
        report.findings[1].evidence
    );
    // Without recomputation the approved amounts are what is due: nothing found.
    let input = AuditInput::collect(&ledger, &approved, &crate::Register::new());
    let report = run_checks(&input, &References::default(), &CheckConfig::new(AS_OF));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    Ok(())
}

#[test]
fn exclusive_pairs_from_projects() -> TestResult {
    let mut project: crate::SubsidyProject = serde_json::from_value(serde_json::json!({
        "code": "A", "name": "甲", "name_en": "A", "category": "people",
        "department": { "name": "民政厅", "credit_code": "111500000116068826" },
        "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
    }))?;
    project.excludes = vec!["B".into(), "A".into()];
    let config = CheckConfig::new(AS_OF).with_project_exclusions(&[project]);
    assert_eq!(
        config.exclusive_pairs,
        BTreeSet::from([("A".to_owned(), "B".to_owned())])
    );
    assert!(config.excludes("B", "A"));
    Ok(())
}

#[test]
fn ledger_payment_without_its_approved_line() -> TestResult {
    // The ledger paid R1 line 1 to person 1; the approved R1 shown to the audit has
    // person 7 on line 1: the payment is unexplained and person 7 unpaid.
    let sent = roster("R1", &[person(1)?], 12_000)?;
    let sent_review = approve(&sent)?;
    let mut ledger = paid_ledger(&[(&sent, &sent_review)])?;
    results(&mut ledger, 1, date!(2026 - 11 - 05), &[(0, true)])?;
    let shown = roster("R1", &[person(7)?], 12_000)?;
    let shown_review = approve(&shown)?;
    let approved = [(&shown, &shown_review)];
    let input = AuditInput::collect(&ledger, &approved, &crate::Register::new());
    let report = run_checks(&input, &References::default(), &CheckConfig::new(AS_OF));
    let found: Vec<(CheckKind, ResidentId)> = report
        .findings
        .iter()
        .map(|f| (f.check, f.beneficiary))
        .collect();
    assert_eq!(
        found,
        [
            (CheckKind::ReviewPaymentMismatch, person(1)?),
            (CheckKind::MissedPayment, person(7)?),
        ]
    );
    let paid_id = crate::PaymentId::for_line("GLJT", Period::month(2026, 11)?, "R1", 1, person(1)?);
    assert_eq!(
        report.findings[0].action,
        format!(
            "reconcile payment {paid_id} (两张皮): 120.00 yuan was paid to {} but no approved roster line explains it; recover the money or produce the approval",
            person(1)?
        )
    );
    assert_eq!(report.findings[0].amount_fen, 12_000);
    // The unpaid line takes the deadline of its project's batch in the county.
    assert_eq!(evidence(&report.findings[1])[0], ("deadline", "2026-11-13"));
    assert_eq!(
        evidence(&report.findings[1])[3],
        ("last_attempt", "never sent to a bank")
    );
    // Rosters not shown to the audit are not judged.
    let input = AuditInput::collect(&ledger, &[], &crate::Register::new());
    assert!(input.rows.is_empty());
    Ok(())
}

#[test]
fn nothing_is_missed_for_the_dead_or_ineligible() -> TestResult {
    let mut dead = row(1)?;
    dead.settled_on = None;
    dead.counted = false;
    let mut ineligible = row(2)?;
    ineligible.settled_on = None;
    ineligible.counted = false;
    ineligible.ineligible = Some("age".into());
    let mut references = References::default();
    references
        .deaths
        .insert(dead.beneficiary, date!(2026 - 10 - 31));
    let report = run(
        vec![dead, ineligible],
        &references,
        &CheckConfig::new(AS_OF),
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.timeliness[0].not_yet_due, 2);
    Ok(())
}
