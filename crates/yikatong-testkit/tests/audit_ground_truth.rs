//! The audit checks against ground truth: a synthetic prefecture's rosters are taken
//! in, approved, batched and paid by the simulated agent bank (cleanly, or with
//! failures that are corrected and reissued); then civil-affairs deaths and a tagged
//! exclusion list are drawn over the people paid, with decoys that must not be
//! found, and the checks must find exactly what was planted: the paid payees whose
//! account the bank holds under a wrong name, the people paid for a period that
//! began after their death, and the people paid a project their list excludes.

use std::collections::{BTreeMap, BTreeSet};

use time::Date;
use time::macros::date;
use yikatong_core::{
    AuditInput, AuditReport, BatchPlan, CheckConfig, CheckKind, DeathList, PayeeAccount, Payer,
    PaymentCommand, PaymentLedger, Period, PolicyCatalog, References, RegionCode, ResidentId,
    Review, Roster, TaggedExclusions, WorkCalendar, run_checks,
};
use yikatong_testkit::BankSimulator;
use yikatong_testkit::payments::approve_for_payment;
use yikatong_testkit::prefecture::{Anomaly, AnomalySpec, Population, PrefectureSpec};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const POLICIES: [(&str, &str); 2] = [
    (
        "cxjmyl.json",
        include_str!("../../../examples/data/policies/cxjmyl.json"),
    ),
    (
        "gljt.json",
        include_str!("../../../examples/data/policies/gljt.json"),
    ),
];
const PROJECTS: [&str; 2] = ["CXJMYL", "GLJT"];

/// The calendar: November 2026 is due by its 5th working day (6 November).
const INTAKE_ON: Date = date!(2026 - 10 - 12);
const PREPARE_ON: Date = date!(2026 - 11 - 02);
const RESULTS_ON: Date = date!(2026 - 11 - 03);
const REISSUE_ON: Date = date!(2026 - 11 - 04);
const SECOND_RESULTS_ON: Date = date!(2026 - 11 - 05);
const AUDIT_ON: Date = date!(2026 - 11 - 30);

/// A cycle paid through the simulator.
struct Paid {
    catalog: PolicyCatalog,
    population: Population,
    rosters: Vec<(Roster, Review)>,
    ledger: PaymentLedger,
}

/// Sends every batch the ledger has not sent yet to `bank` on `sent_on` and records
/// the answer on `answered_on`.
fn send_new(
    ledger: &mut PaymentLedger,
    bank: &BankSimulator,
    from: usize,
    (sent_on, answered_on): (Date, Date),
) -> TestResult {
    let batches: Vec<_> = ledger.batches().skip(from).cloned().collect();
    for (n, batch) in batches.iter().enumerate() {
        ledger.execute(
            PaymentCommand::Export {
                batch_id: batch.id.clone(),
                file_name: format!("{}.txt", batch.id),
                sha256: format!("{:064x}", from + n + 1),
            },
            "finance",
            sent_on,
        )?;
        let answer = bank.answer_batch(batch);
        let (event, _) = ledger.receive(answer.first, "bank", answered_on)?;
        assert!(event.is_some(), "results of {} recorded", batch.id);
    }
    Ok(())
}

fn pay(people: usize, seed: u64, failure_per_mille: u32) -> Fallible<Paid> {
    let mut catalog = PolicyCatalog::new();
    for (name, text) in POLICIES {
        catalog.load_json(name, text)?;
    }
    let period = Period::parse("2026-11")?;
    let population = Population::generate(&PrefectureSpec {
        seed,
        beneficiaries: people,
        // Wrong holder names pass intake with a warning and are paid; the dead the
        // register knows of are refused at intake, so never paid.
        anomalies: AnomalySpec {
            wrong_holder_name: 4,
            deceased_still_listed: 2,
            ..AnomalySpec::none()
        },
        as_of: date!(2026 - 10 - 01),
        ..PrefectureSpec::default()
    })?;
    let calendar = WorkCalendar::bundled()?;
    let payers: BTreeMap<RegionCode, Payer> = population
        .counties
        .iter()
        .map(|&county| {
            (
                county,
                Payer {
                    unit_code: format!("CZ{}", county.to_short_string()).as_str().into(),
                    name: format!("{}财政局", county.to_short_string()),
                    account: format!("1505{}0001", county.to_short_string())
                        .as_str()
                        .into(),
                },
            )
        })
        .collect();
    let bank = BankSimulator::new(seed).with_failure_per_mille(failure_per_mille);
    let mut ledger = PaymentLedger::new();
    let mut rosters = Vec::new();
    for project in PROJECTS {
        let subsidy = catalog.project(project).ok_or("project not in catalogue")?;
        let mut approved = Vec::new();
        for (roster, _report) in population.rosters(&catalog, project, period, INTAKE_ON)? {
            let review = approve_for_payment(&roster, INTAKE_ON)?;
            approved.push((roster, review));
        }
        let plan = BatchPlan {
            project: subsidy,
            payers: &payers,
            agreements: population.register.agreements(),
            calendar,
            prepared_on: PREPARE_ON,
            lead_working_days: 1,
        };
        let pairs: Vec<(&Roster, &Review)> = approved.iter().map(|(r, v)| (r, v)).collect();
        let before = ledger.batches().len();
        let prepared = ledger.prepare(&plan, &pairs, "finance")?;
        ledger.apply_all(&prepared.events);
        send_new(&mut ledger, &bank, before, (PREPARE_ON, RESULTS_ON))?;
        rosters.extend(approved);
    }
    if failure_per_mille > 0 {
        // The township fixes what failed: another of the person's accounts (as the
        // bank holds it) where the account was the problem, a plain resend where not;
        // a payee with no other account is cancelled.
        let queued: Vec<_> = ledger.corrections().cloned().collect();
        assert!(!queued.is_empty(), "the bank failed some lines");
        for item in &queued {
            let failed = item.account.as_ref().map(|a| a.number.as_str());
            let fix = if item.reason.kind.needs_account_fix() || item.account.is_none() {
                match population
                    .register
                    .accounts_of(&item.payee)
                    .find(|a| Some(a.number.as_str()) != failed && a.is_payable())
                {
                    Some(account) => PaymentCommand::CorrectAccount {
                        payment_id: item.payment_id,
                        account: PayeeAccount {
                            bank_code: account.bank_code.clone(),
                            number: account.number.clone(),
                            holder_name: account.holder_name.clone(),
                        },
                    },
                    None => PaymentCommand::CancelPayment {
                        payment_id: item.payment_id,
                        reason: "无其他账户".to_owned(),
                    },
                }
            } else {
                PaymentCommand::Release {
                    payment_id: item.payment_id,
                    note: "原账户重发".to_owned(),
                }
            };
            ledger.execute(fix, "clerk", REISSUE_ON)?;
        }
        let honest = BankSimulator::new(seed + 1);
        for project in PROJECTS {
            let subsidy = catalog.project(project).ok_or("project not in catalogue")?;
            let plan = BatchPlan {
                project: subsidy,
                payers: &payers,
                agreements: population.register.agreements(),
                calendar,
                prepared_on: REISSUE_ON,
                lead_working_days: 1,
            };
            let before = ledger.batches().len();
            match ledger.prepare_reissue(&plan, "finance") {
                Ok(events) => ledger.apply_all(&events),
                Err(yikatong_core::Error::Payment { .. }) => continue, // nothing waiting
                Err(other) => return Err(other.into()),
            }
            send_new(
                &mut ledger,
                &honest,
                before,
                (REISSUE_ON, SECOND_RESULTS_ON),
            )?;
        }
    }
    Ok(Paid {
        catalog,
        population,
        rosters,
        ledger,
    })
}

/// Every 7th (offset `skip`) of `people`, up to `count`.
fn every_seventh(people: &[ResidentId], skip: usize, count: usize) -> Vec<ResidentId> {
    people
        .iter()
        .skip(skip)
        .step_by(7)
        .take(count)
        .copied()
        .collect()
}

type Found = BTreeSet<(CheckKind, ResidentId)>;

fn found(report: &AuditReport, checks: &[CheckKind]) -> Found {
    report
        .findings
        .iter()
        .filter(|f| checks.contains(&f.check))
        .map(|f| (f.check, f.beneficiary))
        .collect()
}

fn ground_truth(people: usize, seed: u64, failure_per_mille: u32) -> TestResult {
    let Paid {
        catalog,
        population,
        rosters,
        ledger,
    } = pay(people, seed, failure_per_mille)?;
    let approved: Vec<(&Roster, &Review)> = rosters.iter().map(|(r, v)| (r, v)).collect();
    let input = AuditInput::collect(&ledger, &approved, &population.register);

    // Who was paid what, from the ledger itself.
    let mut paid_by_project: BTreeMap<&str, BTreeSet<ResidentId>> = BTreeMap::new();
    for settlement in ledger.settlements() {
        paid_by_project
            .entry(settlement.batch.project.as_str())
            .or_default()
            .insert(settlement.instruction.payee);
    }
    let paid_pension: Vec<ResidentId> = paid_by_project
        .get("CXJMYL")
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    let paid_any: BTreeSet<ResidentId> = paid_by_project.values().flatten().copied().collect();
    let paid_old_age_only: Vec<ResidentId> = paid_by_project
        .get("GLJT")
        .into_iter()
        .flatten()
        .filter(|id| !paid_pension.contains(id))
        .copied()
        .collect();
    // People on no roster line (a line left unpaid is owed, not a decoy).
    let listed: BTreeSet<ResidentId> = rosters
        .iter()
        .flat_map(|(roster, _)| roster.lines().iter().map(|line| line.beneficiary()))
        .collect();
    let unpaid: Vec<ResidentId> = population
        .register
        .beneficiaries()
        .map(|b| b.resident_id)
        .filter(|id| !listed.contains(id))
        .take(50)
        .collect();
    let k = (people / 400).max(5);
    assert!(paid_pension.len() > 10 * k, "{} paid", paid_pension.len());

    // (a) Deaths: k paid for November although dead since October; decoys dead on
    // the period's first day or later, and unpaid people long dead. The register's
    // own deaths (refused at intake, so never paid) are on the list too.
    let mut deaths = DeathList::new();
    let dead = every_seventh(&paid_pension, 0, k);
    for (i, person) in dead.iter().enumerate() {
        deaths.insert(
            *person,
            date!(2026 - 10 - 01) + time::Duration::days(i as i64 % 31),
        );
    }
    for (i, person) in every_seventh(&paid_pension, 1, k).iter().enumerate() {
        let died = if i % 2 == 0 {
            date!(2026 - 11 - 01)
        } else {
            date!(2026 - 11 - 20)
        };
        deaths.insert(*person, died);
    }
    for person in &unpaid {
        deaths.insert(*person, date!(2025 - 03 - 01));
    }
    let registered_dead = DeathList::from_register(&population.register);
    for truth in &population.ground_truth {
        if let Some(died_on) = registered_dead.died_on(&truth.resident_id) {
            assert_eq!(truth.anomaly, Anomaly::DeceasedStillListed);
            assert!(!paid_any.contains(&truth.resident_id), "refused at intake");
            deaths.insert(truth.resident_id, died_on);
        }
    }

    // (b) Exclusions: k public employees paid the pension; decoys on lists for
    // projects not paid, on a tag with no rule, public employees paid only GLJT, and
    // public employees paid nothing.
    let mut exclusions = TaggedExclusions::new();
    exclusions.exclude("public_employee", ["CXJMYL"]);
    exclusions.exclude("village_cadre", ["GDDLBH", "NCDB"]);
    let excluded = every_seventh(&paid_pension, 2, k);
    for person in &excluded {
        exclusions.tag(*person, "public_employee");
    }
    for person in every_seventh(&paid_pension, 3, k) {
        exclusions.tag(person, "village_cadre");
        exclusions.tag(person, "unruled_list");
    }
    for person in paid_old_age_only.iter().take(k) {
        exclusions.tag(*person, "public_employee");
    }
    for person in &unpaid {
        exclusions.tag(*person, "public_employee");
    }

    let references = References { deaths, exclusions };
    let report = run_checks(&input, &references, &CheckConfig::new(AUDIT_ON));

    // What must be found, exactly.
    let mut expected = Found::new();
    expected.extend(dead.iter().map(|p| (CheckKind::Deceased, *p)));
    expected.extend(excluded.iter().map(|p| (CheckKind::ExcludedPerson, *p)));
    let misnamed: Vec<ResidentId> = population
        .ground_truth
        .iter()
        .filter(|t| t.anomaly == Anomaly::WrongHolderName)
        .map(|t| t.resident_id)
        .collect();
    assert!(!misnamed.is_empty());
    for person in &misnamed {
        if failure_per_mille == 0 {
            assert!(
                paid_any.contains(person),
                "{person} with a wrong holder name paid"
            );
        }
        if paid_any.contains(person) {
            expected.insert((CheckKind::HolderNameMismatch, *person));
        }
    }
    // A payment cancelled for want of another account is owed and unpaid: missed.
    let mut missed = Found::new();
    for (roster, _) in &rosters {
        let seed =
            yikatong_core::PaymentIdSeed::new(roster.project(), roster.period(), roster.id());
        for line in roster.lines() {
            let id = seed.for_line(line.line_no, line.payee);
            // Nothing is owed for a period that began after the death.
            let died_before = references
                .deaths
                .died_on(&line.beneficiary())
                .is_some_and(|died_on| died_on < roster.period().first_day());
            if ledger.counted_attempt(&id).is_none() && !died_before {
                missed.insert((CheckKind::MissedPayment, line.beneficiary()));
            }
        }
    }
    if failure_per_mille == 0 {
        assert!(missed.is_empty(), "every line paid: {missed:?}");
    }

    let checked = [
        CheckKind::Deceased,
        CheckKind::ExcludedPerson,
        CheckKind::HolderNameMismatch,
    ];
    let got = found(&report, &checked);
    let extra: Vec<_> = got.difference(&expected).collect();
    let lost: Vec<_> = expected.difference(&got).collect();
    assert!(
        extra.is_empty() && lost.is_empty(),
        "{people} people, seed {seed}: found but not planted {extra:?}; planted but not found {lost:?}"
    );
    assert_eq!(found(&report, &[CheckKind::MissedPayment]), missed);
    // Nothing else: no duplicates, no late payment, no mismatch, no shared account.
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| !checked.contains(&f.check) && f.check != CheckKind::MissedPayment)
        .map(|f| (f.check, f.beneficiary, f.action.as_str()))
        .collect();
    assert!(others.is_empty(), "unexpected findings: {others:?}");
    // Recomputed under the policy in force, nothing changes: every line was
    // computed under it at intake.
    let recomputed =
        AuditInput::collect_recomputed(&ledger, &approved, &population.register, &catalog);
    let again = run_checks(&recomputed, &references, &CheckConfig::new(AUDIT_ON));
    assert_eq!(again.findings, report.findings);
    if failure_per_mille > 0 {
        let reissued = input
            .rows
            .iter()
            .filter(|row| row.counted && row.attempt == 2);
        assert!(
            reissued.count() > 0,
            "some payments were made on the reissue"
        );
    }
    // Each dead person's finding names the death date and the money to recover.
    for finding in report.of(CheckKind::Deceased) {
        assert!(finding.amount_fen > 0);
        assert!(finding.evidence.iter().any(|e| e.name == "died_on"));
    }
    Ok(())
}

#[test]
fn checks_find_exactly_the_ground_truth_3000_people() -> TestResult {
    ground_truth(3_000, 7, 0)
}

#[test]
fn checks_find_exactly_the_ground_truth_3000_people_with_failures_and_reissue() -> TestResult {
    ground_truth(3_000, 2026, 60)
}

#[test]
fn checks_find_exactly_the_ground_truth_12000_people() -> TestResult {
    ground_truth(12_000, 2026, 0)
}

#[test]
fn checks_find_exactly_the_ground_truth_12000_people_with_failures_and_reissue() -> TestResult {
    ground_truth(12_000, 11, 40)
}
