//! The audit checks against ground truth: a synthetic prefecture's rosters are taken
//! in, approved, batched and paid by the simulated agent bank (cleanly, or with
//! failures that are corrected and reissued). On the way, anomalies are planted as
//! they happen in the field: part of a township's roster entered twice (重复造册),
//! failed payments of several households "corrected" onto one villager's card
//! (集中代领), a reissue answered after the deadline, and the population's wrong
//! holder names. Then civil-affairs deaths and a tagged exclusion list are drawn
//! over the people paid, with decoys that must not be found; a payment export is
//! tampered with (两张皮); two projects are declared exclusive; and a revision of a
//! policy is put in force for the period. Every check must find exactly what was
//! planted (each set worked out from the plant, the ledger or the birth dates, not
//! by the checks' own rules), at two sizes and with and without bank failures.

use std::collections::{BTreeMap, BTreeSet};

use time::Date;
use time::macros::date;
use yikatong_core::{
    AuditInput, AuditReport, BatchPlan, CheckConfig, CheckKind, CompactString, DeathList,
    HeldProjects, PayeeAccount, Payer, PaymentCommand, PaymentLedger, Period, PolicyCatalog,
    References, RegionCode, ResidentId, Review, Roster, RosterHeader, TaggedExclusions,
    WorkCalendar, run_checks,
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

/// The old-age allowance paid late on the reissue, when there is one.
const LATE_RESULTS_ON: Date = date!(2026 - 11 - 25);

/// A cycle paid through the simulator.
struct Paid {
    catalog: PolicyCatalog,
    population: Population,
    rosters: Vec<(Roster, Review)>,
    ledger: PaymentLedger,
    planted: Planted,
}

/// Anomalies planted on the way to payment.
#[derive(Default)]
struct Planted {
    /// People listed again for GLJT: part of a township's roster entered a second
    /// time under another id (重复造册), approved and paid.
    listed_twice: BTreeSet<ResidentId>,
    /// The card that failed payments of several households were "corrected" onto
    /// (集中代领), and whose payments were moved onto it.
    collecting_card: Option<(CompactString, BTreeSet<ResidentId>)>,
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
    let mut planted = Planted::default();
    for project in PROJECTS {
        let subsidy = catalog.project(project).ok_or("project not in catalogue")?;
        let mut approved = Vec::new();
        for (roster, _report) in population.rosters(&catalog, project, period, INTAKE_ON)? {
            let review = approve_for_payment(&roster, INTAKE_ON)?;
            approved.push((roster, review));
        }
        if project == "GLJT" {
            let again = list_again(&population, &catalog, &approved, people / 1000 + 3)?;
            planted
                .listed_twice
                .extend(again.lines().iter().map(|line| line.beneficiary()));
            let review = approve_for_payment(&again, INTAKE_ON)?;
            approved.push((again, review));
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
        // A clerk "corrects" the first few failed accounts onto the card of one
        // villager (a beneficiary paid on it herself): 集中代领.
        let card = population
            .register
            .beneficiaries()
            .find_map(|b| population.register.payment_account(&b.resident_id, "GLJT"))
            .map(|account| PayeeAccount {
                bank_code: account.bank_code.clone(),
                number: account.number.clone(),
                holder_name: account.holder_name.clone(),
            })
            .ok_or("no payable account in the register")?;
        let mut collected = BTreeSet::new();
        let mut households = BTreeSet::new();
        for item in &queued {
            let failed = item.account.as_ref().map(|a| a.number.as_str());
            let household = population
                .register
                .beneficiary(&item.payee)
                .map(|b| b.household_id.clone());
            let fix = if item.reason.kind.needs_account_fix() && collected.len() < 4 {
                collected.insert(item.payee);
                households.extend(household);
                PaymentCommand::CorrectAccount {
                    payment_id: item.payment_id,
                    account: card.clone(),
                }
            } else if item.reason.kind.needs_account_fix() || item.account.is_none() {
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
        assert!(
            households.len() >= 2,
            "payments of several households moved"
        );
        planted.collecting_card = Some((card.number.as_str().into(), collected));
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
            // The old-age allowance's bank answers after the deadline.
            let answered_on = if project == "GLJT" {
                LATE_RESULTS_ON
            } else {
                SECOND_RESULTS_ON
            };
            send_new(&mut ledger, &honest, before, (REISSUE_ON, answered_on))?;
        }
    }
    Ok(Paid {
        catalog,
        population,
        rosters,
        ledger,
        planted,
    })
}

/// Part of the longest township roster of `approved` built again under another id:
/// `count` of its people (every other one), listed a second time.
fn list_again(
    population: &Population,
    catalog: &PolicyCatalog,
    approved: &[(Roster, Review)],
    count: usize,
) -> Fallible<Roster> {
    let (first, _) = approved
        .iter()
        .max_by_key(|(roster, _)| roster.lines().len())
        .ok_or("no GLJT roster")?;
    let header = RosterHeader::new(
        format!("{}-2", first.id()),
        first.project(),
        first.period(),
        first.township(),
    );
    let (mut again, _report) = Roster::build(
        header,
        &population.register,
        catalog,
        &HeldProjects::new(),
        INTAKE_ON,
    )?;
    let on_first: BTreeSet<ResidentId> = first.lines().iter().map(|l| l.beneficiary()).collect();
    let keep: BTreeSet<u32> = again
        .lines()
        .iter()
        .filter(|line| on_first.contains(&line.beneficiary()) && line.account.is_some())
        .step_by(2)
        .take(count)
        .map(|line| line.line_no)
        .collect();
    let drop: Vec<u32> = again
        .lines()
        .iter()
        .map(|line| line.line_no)
        .filter(|n| !keep.contains(n))
        .collect();
    for line_no in drop {
        again.remove_line(line_no)?;
    }
    assert!(
        again.lines().len() >= 3,
        "{} listed again",
        again.lines().len()
    );
    Ok(again)
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
        planted,
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

    // Listed twice and paid twice: a duplicate (one payment of the two may have
    // failed and been cancelled).
    let mut paid_times: BTreeMap<(&str, ResidentId), usize> = BTreeMap::new();
    for settlement in ledger.settlements() {
        *paid_times
            .entry((
                settlement.batch.project.as_str(),
                settlement.instruction.payee,
            ))
            .or_default() += 1;
    }
    let twice: Vec<ResidentId> = planted
        .listed_twice
        .iter()
        .filter(|p| paid_times.get(&("GLJT", **p)).copied().unwrap_or(0) >= 2)
        .copied()
        .collect();
    assert!(
        !twice.is_empty(),
        "some people listed twice were paid twice"
    );
    expected.extend(twice.iter().map(|p| (CheckKind::DuplicatePayment, *p)));
    // Paid after the batch's deadline: late.
    for settlement in ledger.settlements() {
        if settlement.settled_on > settlement.batch.deadline {
            expected.insert((CheckKind::LatePayment, settlement.instruction.payee));
        }
    }
    // Moved onto one villager's card: paid to a card held by someone else.
    let mut shared = BTreeSet::new();
    if let Some((card, moved)) = &planted.collecting_card {
        shared.insert(card.clone());
        for row in input
            .rows
            .iter()
            .filter(|r| r.is_paid() && r.account == *card)
        {
            if moved.contains(&row.payee) && row.holder_name != row.registered_name {
                expected.insert((CheckKind::HolderNameMismatch, row.beneficiary));
            }
        }
    }

    let not_missed: Vec<CheckKind> = CheckKind::ALL
        .into_iter()
        .filter(|&check| check != CheckKind::MissedPayment && check != CheckKind::SharedAccount)
        .collect();
    let got = found(&report, &not_missed);
    let extra: Vec<_> = got.difference(&expected).collect();
    let lost: Vec<_> = expected.difference(&got).collect();
    assert!(
        extra.is_empty() && lost.is_empty(),
        "{people} people, seed {seed}: found but not planted {extra:?}; planted but not found {lost:?}"
    );
    assert_eq!(found(&report, &[CheckKind::MissedPayment]), missed);
    assert_eq!(shared_cards(&report), shared);
    if failure_per_mille > 0 {
        assert!(
            report.of(CheckKind::LatePayment).count() > 0,
            "the late reissue is found"
        );
    }

    // Two projects declared exclusive: everyone paid both is found, once.
    let both: BTreeSet<(CheckKind, ResidentId)> = paid_times
        .keys()
        .filter(|(project, person)| {
            *project == "GLJT" && paid_times.contains_key(&("CXJMYL", *person))
        })
        .map(|(_, person)| (CheckKind::MutuallyExclusive, *person))
        .collect();
    assert!(!both.is_empty());
    let exclusive = CheckConfig::new(AUDIT_ON).with_exclusive_pair("CXJMYL", "GLJT");
    let report_exclusive = run_checks(&input, &references, &exclusive);
    assert_eq!(
        found(&report_exclusive, &[CheckKind::MutuallyExclusive]),
        both
    );
    assert_eq!(
        report_exclusive.of(CheckKind::MutuallyExclusive).count(),
        both.len()
    );

    // A payment system's export that disagrees with the approved rosters (两张皮).
    let (tampered, disagreeing) = tamper(&input, &expected, &references.deaths)?;
    let report_tampered = run_checks(&tampered, &references, &CheckConfig::new(AUDIT_ON));
    let mut expected_tampered = expected.clone();
    expected_tampered.extend(disagreeing);
    assert_eq!(found(&report_tampered, &not_missed), expected_tampered);

    // A revision of the old-age allowance in force for the period (from 81, 80
    // yuan a month below 90): recomputing finds the 80-year-olds no longer
    // eligible and the 81–89-year-olds paid 20 yuan too much.
    let mut revised = catalog.clone();
    revised.add_version(revised_old_age_allowance()?)?;
    let recomputed_revised =
        AuditInput::collect_recomputed(&ledger, &approved, &population.register, &revised);
    let report_revised = run_checks(
        &recomputed_revised,
        &references,
        &CheckConfig::new(AUDIT_ON),
    );
    let first_day = date!(2026 - 11 - 01);
    let mut revision = Found::new();
    for (&(project, person), &times) in &paid_times {
        if project != "GLJT" {
            continue;
        }
        match person.age_on(first_day) {
            80 => {
                revision.insert((CheckKind::NoLongerEligible, person));
            }
            81..=89 if times == 1 => {
                revision.insert((CheckKind::OverPayment, person));
            }
            _ => {}
        }
    }
    assert!(revision.iter().any(|(c, _)| *c == CheckKind::OverPayment));
    assert_eq!(
        found(
            &report_revised,
            &[CheckKind::NoLongerEligible, CheckKind::OverPayment]
        ),
        revision
    );
    for finding in report_revised.of(CheckKind::OverPayment) {
        assert_eq!(finding.amount_fen, 2_000, "{finding:?}");
    }

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

/// The accounts of the shared-account findings.
fn shared_cards(report: &AuditReport) -> BTreeSet<CompactString> {
    report
        .of(CheckKind::SharedAccount)
        .flat_map(|f| f.evidence.iter().filter(|e| e.name == "account"))
        .map(|e| e.value.as_str().into())
        .collect()
}

/// Four paid rows of people nothing else is planted on, changed as a payment
/// system out of step with the review would have them: paid 50 yuan more (also an
/// over-payment), paid onto an account nobody approved, paid with no approved
/// line, and paid to another person. Returns the rows and what must be found.
fn tamper(
    input: &AuditInput,
    planted: &Found,
    deaths: &DeathList,
) -> Fallible<(AuditInput, Found)> {
    let involved: BTreeSet<ResidentId> = planted.iter().map(|(_, p)| *p).collect();
    let mut seen = BTreeSet::new();
    let picks: Vec<usize> = input
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.is_paid()
                && r.counted
                && r.attempt == 1
                && r.payee == r.beneficiary
                && !involved.contains(&r.beneficiary)
                && deaths.died_on(&r.beneficiary).is_none()
        })
        .filter(|(_, r)| seen.insert(r.beneficiary))
        .step_by(11)
        .take(4)
        .map(|(i, _)| i)
        .collect();
    let [a, b, c, d] = picks[..] else {
        return Err("four rows to tamper with".into());
    };
    let mut rows = input.rows.clone();
    let mut expected = Found::new();
    rows[a].amount_fen += 5_000;
    expected.insert((CheckKind::ReviewPaymentMismatch, rows[a].beneficiary));
    expected.insert((CheckKind::OverPayment, rows[a].beneficiary));
    rows[b].account = "6222020200000000017".into();
    expected.insert((CheckKind::ReviewPaymentMismatch, rows[b].beneficiary));
    rows[c].approved = None;
    expected.insert((CheckKind::ReviewPaymentMismatch, rows[c].beneficiary));
    rows[d].payee = rows[a].beneficiary;
    expected.insert((CheckKind::ReviewPaymentMismatch, rows[d].beneficiary));
    Ok((AuditInput::from_rows(rows), expected))
}

/// Version 2 of the bundled old-age allowance (illustrative), in force from
/// November 2026: from 81 years, 80 yuan a month below 90.
fn revised_old_age_allowance() -> Fallible<yikatong_core::Policy> {
    let (_, text) = POLICIES[1];
    let document: serde_json::Value = serde_json::from_str(text)?;
    let mut policy = document["policies"][0].clone();
    policy["document"] = "内民政发〔2026〕99号".into();
    policy["version"] = 2.into();
    policy["effective_from"] = "2026-11-01".into();
    policy["standard"]["basis"]["bands"][0]["from"] = 81.into();
    policy["standard"]["basis"]["bands"][0]["amount"] = "80.00".into();
    policy["eligibility"]["of"][0]["min"] = 81.into();
    Ok(serde_json::from_value(policy)?)
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
