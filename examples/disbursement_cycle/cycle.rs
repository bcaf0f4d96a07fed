//! The end-to-end disbursement cycle on an embedded SQLite store: a synthetic
//! prefecture, its rosters, the public notice, the review, payment batches, bank
//! files, results, corrections, the reissue, the day's disclosure and the audit
//! export. Shared by the example (`scripts/main`) and its test.
//!
//! Every write goes through the store with a fixed command id, so running the
//! cycle again on the same file changes nothing: each command returns its first
//! outcome.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use time::macros::date;
use time::{Date, PrimitiveDateTime};
use yikatong::formats::{
    AgencyProfile, CsvEncoding, read_agency_results, read_pain002, write_agency_file,
    write_feed_csv, write_feed_json, write_feed_totals_csv, write_national_jsonl, write_pain001,
    write_report_csv, write_report_json, write_report_xlsx,
};
use yikatong::review::{Actor, ReviewCommand, Role};
use yikatong::store::{Expected, ReviewRequest, Store, verify_jsonl};
use yikatong::{
    Amount, AuditInput, BankReturn, BatchPlan, BatchStatus, CheckConfig, CorrectionStatus,
    CreditCode, DeathList, FailureKind, Grouping, Language, MaskingPolicy, NoticeIssuer,
    NoticeSigner, PayeeAccount, Payer, PaymentBatch, PaymentCommand, PaymentNotice, PaymentReport,
    Period, PolicyCatalog, References, RegionTree, ResultClass, ResultStatus, Review, Roster,
    Severity, SmsTemplate, Tally, WorkCalendar, daily_feed, run_checks, verify_notice,
};
use yikatong_testkit::prefecture::{AnomalySpec, Population, PrefectureSpec};
use yikatong_testkit::{Adversity, BankSimulator, FileAnswer, IsoAnswer};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// The projects paid, with their policy files.
const PROJECTS: [(&str, &str, &str); 3] = [
    (
        "CXJMYL",
        "cxjmyl.json",
        include_str!("../data/policies/cxjmyl.json"),
    ),
    (
        "GLJT",
        "gljt.json",
        include_str!("../data/policies/gljt.json"),
    ),
    (
        "KNCJR",
        "cjrlxbt.json",
        include_str!("../data/policies/cjrlxbt.json"),
    ),
];

/// Banks that take the domestic agency file; the others take ISO 20022 pain.001.
const AGENCY_FILE_BANKS: [&str; 2] = ["NMNX", "ABC"];

/// The calendar of the cycle (November 2026 pays by the 10th working day).
const PERIOD: &str = "2026-11";
const INTAKE_ON: Date = date!(2026 - 10 - 19);
const SUBMIT_ON: Date = date!(2026 - 10 - 29);
const DEPARTMENT_ON: Date = date!(2026 - 10 - 30);
const FINANCE_ON: Date = date!(2026 - 11 - 02);
const PREPARE_ON: Date = date!(2026 - 11 - 03);
const RESULTS_ON: Date = date!(2026 - 11 - 04);
const REISSUE_ON: Date = date!(2026 - 11 - 05);
const SECOND_RESULTS_ON: Date = date!(2026 - 11 - 06);
/// The auditor looks after the period's deadline.
const AUDIT_ON: Date = date!(2026 - 11 - 20);

const DEPARTMENT: &str = "赤峰市民政局";
const HOTLINE: &str = "12345";
const SMS_TEMPLATE: &str = "【惠民惠农一卡通】您的{period}{project}{amount}元已于{date}发放至尾号{account_tail}的账户，咨询{hotline}。";
/// The unified social credit code the national report is filed under (a valid
/// made-up code).
const REPORTING_UNIT: &str = "111500000116068826";

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct CycleOptions {
    /// The prefecture (name, path or code).
    pub prefecture: String,
    /// About how many people live there.
    pub beneficiaries: usize,
    /// Seed of the population and of the simulated banks.
    pub seed: u64,
    /// Where files go: the store, bank files, results, disclosure, journal export.
    pub out: PathBuf,
    /// Show progress bars.
    pub progress: bool,
}

/// Counts and sums of one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Row {
    /// What.
    pub label: String,
    /// How many.
    pub count: u64,
    /// How much, in fen.
    pub fen: i64,
}

/// What the cycle did.
#[derive(Debug, Clone, Default)]
pub(crate) struct CycleSummary {
    /// People generated.
    pub people: usize,
    /// Townships.
    pub townships: usize,
    /// Rosters saved.
    pub rosters: usize,
    /// Roster lines accepted.
    pub lines: usize,
    /// Lines the intake refused, by rule.
    pub refused: BTreeMap<String, usize>,
    /// Objections filed during the notice (all investigated and dismissed).
    pub objections: usize,
    /// Batches (first sending and reissue).
    pub batches: usize,
    /// Payments by final state.
    pub states: Vec<Row>,
    /// First-round failures by reason.
    pub failures: Vec<Row>,
    /// Result lines by reconciliation class, over every file received.
    pub classes: Vec<Row>,
    /// Settled payments in batches that met their deadline, and all settled.
    pub on_time: (u64, u64),
    /// Rows of the daily disclosure feeds.
    pub disclosed: usize,
    /// Signed notices sent, and SMS texts longer than one message.
    pub notices: (usize, usize),
    /// Audit findings by check.
    pub audit: Vec<Row>,
    /// Payments counted as paid more than once (must be none).
    pub paid_twice: usize,
    /// Batches whose counts and sums do not balance (must be none).
    pub unbalanced: Vec<String>,
    /// Events in the journal, and whether the chain and the export verify.
    pub journal_events: u64,
    /// Whether the hash chain in the store verifies.
    pub chain_intact: bool,
    /// Whether the exported JSON Lines verify on their own.
    pub export_intact: bool,
    /// Commands that were already recorded (a second run on the same store).
    pub retried_commands: usize,
    /// Every file written.
    pub files: Vec<PathBuf>,
}

struct Run {
    store: Store,
    progress: bool,
    retried: usize,
    files: Vec<PathBuf>,
    /// Result lines by class, over every file received.
    classes: BTreeMap<ResultClass, Tally>,
}

impl Run {
    fn bar(&self, length: usize, message: &'static str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(length as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:<28} [{bar:40}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        bar
    }

    fn write(&mut self, path: PathBuf, bytes: &[u8]) -> Fallible<()> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, bytes)?;
        self.files.push(path);
        Ok(())
    }

    fn note<T>(&mut self, committed: yikatong::store::Committed<T>) -> T {
        if committed.retried {
            self.retried += 1;
        }
        committed.value
    }
}

/// Runs the whole cycle; see the module docs.
pub(crate) fn run(options: &CycleOptions) -> Fallible<CycleSummary> {
    fs::create_dir_all(&options.out)?;
    let mut summary = CycleSummary::default();
    let mut catalog = PolicyCatalog::new();
    for (_, name, text) in PROJECTS {
        catalog.load_json(name, text)?;
    }
    let period = Period::parse(PERIOD)?;
    let calendar = WorkCalendar::bundled()?;
    let regions = RegionTree::bundled()?;

    let population = Population::generate(&PrefectureSpec {
        seed: options.seed,
        prefecture: options.prefecture.clone(),
        beneficiaries: options.beneficiaries,
        anomalies: AnomalySpec::each(2),
        as_of: date!(2026 - 10 - 15),
    })?;
    summary.people = population.people;
    summary.townships = population.townships.len();

    let store_path = options.out.join("yikatong.sqlite");
    let mut run = Run {
        store: Store::open(&store_path)?,
        progress: options.progress,
        retried: 0,
        files: vec![store_path],
        classes: BTreeMap::new(),
    };
    let saved = run.store.save_register(
        "register/2026-10-19",
        Expected::NoStream,
        &population.register,
    )?;
    run.note(saved);

    // Rosters: every township's file for every project, taken in leniently.
    let mut roster_ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let bar = run.bar(PROJECTS.len(), "rosters taken in");
    for (project, _, _) in PROJECTS {
        for (roster, report) in population.rosters(&catalog, project, period, INTAKE_ON)? {
            for problem in &report.problems {
                if problem.severity == Severity::Error {
                    let code = problem.rule.code().to_owned();
                    *summary.refused.entry(code).or_default() += 1;
                }
            }
            summary.lines += roster.lines().len();
            let id = roster.id().to_owned();
            let saved =
                run.store
                    .save_roster(&format!("roster/{id}/save"), Expected::NoStream, &roster)?;
            run.note(saved);
            roster_ids.entry(project).or_default().push(id);
        }
        bar.inc(1);
    }
    bar.finish();
    summary.rosters = roster_ids.values().map(Vec::len).sum();

    // The notice, some objections, the clerk's submission, department and finance.
    let reviewer = Actor::new("r-001", "民政局 张审核", Role::DepartmentReviewer);
    let finance = Actor::new("f-001", "财政局 李会计", Role::FinanceOfficer);
    let all: Vec<String> = roster_ids.values().flatten().cloned().collect();
    let bar = run.bar(all.len(), "notice and review");
    for (n, roster_id) in all.iter().enumerate() {
        let township = run
            .store
            .roster(roster_id)
            .map(|roster| roster.township().to_short_string())
            .ok_or("roster missing from the store")?;
        let clerk = Actor::new(format!("c-{township}"), "乡镇经办员", Role::TownshipClerk);
        let opened = run.store.open_review(
            &format!("review/{roster_id}/open"),
            Expected::NoStream,
            roster_id,
            &clerk,
            INTAKE_ON,
        )?;
        run.note(opened);
        let mut steps = vec![(
            "start",
            ReviewCommand::StartPublicity { starts: None },
            &clerk,
            INTAKE_ON,
        )];
        // One roster in twelve draws an objection, looked into and dismissed.
        if n % 12 == 5 {
            let first_line = run
                .store
                .roster(roster_id)
                .and_then(|roster| roster.lines().first().map(|line| line.line_no))
                .ok_or("empty roster")?;
            steps.push((
                "object",
                ReviewCommand::FileObjection {
                    line: first_line,
                    text: "村民反映该户已迁出本村".to_owned(),
                    filed_by: Some("村民（匿名）".to_owned()),
                },
                &clerk,
                date!(2026 - 10 - 21),
            ));
            steps.push((
                "investigate",
                ReviewCommand::InvestigateObjection { objection: 1 },
                &clerk,
                date!(2026 - 10 - 22),
            ));
            steps.push((
                "dismiss",
                ReviewCommand::DismissObjection {
                    objection: 1,
                    reason: "经入户核实，户籍与居住地均在本村".to_owned(),
                },
                &clerk,
                date!(2026 - 10 - 23),
            ));
            summary.objections += 1;
        }
        steps.push(("submit", ReviewCommand::Submit, &clerk, SUBMIT_ON));
        steps.push((
            "department",
            ReviewCommand::DepartmentApprove,
            &reviewer,
            DEPARTMENT_ON,
        ));
        steps.push((
            "finance",
            ReviewCommand::FinanceApprove,
            &finance,
            FINANCE_ON,
        ));
        for (step, command, actor, today) in &steps {
            let stream = yikatong::store::review_stream(roster_id);
            let expected = Expected::Exactly(run.store.version(&stream));
            let request = ReviewRequest {
                roster_id,
                command,
                actor,
                today: *today,
                calendar,
                publicity_working_days: 7,
            };
            let done =
                run.store
                    .review_command(&format!("review/{roster_id}/{step}"), expected, &request);
            let done = done?;
            run.note(done);
        }
        bar.inc(1);
    }
    bar.finish();

    // Batches per project, county and bank, from one payer per county.
    let payers: BTreeMap<_, _> = population
        .counties
        .iter()
        .map(|&county| {
            let name = regions.get(county).map_or_else(
                || county.to_short_string(),
                |region| region.name().to_owned(),
            );
            let payer = Payer {
                unit_code: format!("CZ{}", county.to_short_string()).as_str().into(),
                name: format!("{name}财政局"),
                account: format!("1505{}0001", county.to_short_string())
                    .as_str()
                    .into(),
            };
            (county, payer)
        })
        .collect();
    let profile = AgencyProfile::common();
    let bank = BankSimulator::new(options.seed)
        .with_failure_per_mille(40)
        .with_adversity(Adversity::DuplicateLines)
        .with_adversity(Adversity::UnknownExtraLines)
        .with_adversity_per_mille(3);
    let mut failures: BTreeMap<String, Row> = BTreeMap::new();
    for (project, _, _) in PROJECTS {
        let Some(ids) = roster_ids.get(project) else {
            continue;
        };
        let subsidy = catalog
            .project(project)
            .ok_or("project not in the catalogue")?;
        let plan = BatchPlan {
            project: subsidy,
            payers: &payers,
            agreements: population.register.agreements(),
            calendar,
            prepared_on: PREPARE_ON,
            lead_working_days: 1,
        };
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let prepared = run.store.prepare_batches(
            &format!("prepare/{project}/{PERIOD}"),
            Expected::Any,
            &plan,
            &ids,
            "f-001",
        )?;
        let prepared = run.note(prepared);
        send_and_reconcile(
            &mut run,
            &prepared.batch_ids,
            &profile,
            &bank,
            (PREPARE_ON, RESULTS_ON),
            options,
            &mut failures,
        )?;
    }

    // The township fixes what failed: another of the person's accounts where the
    // account was the problem, a plain resend where it was not.
    let queued: Vec<_> = run
        .store
        .ledger()
        .corrections()
        .filter(|item| item.status == CorrectionStatus::Open)
        .cloned()
        .collect();
    for item in &queued {
        let failed = item.account.as_ref();
        let fix = if item.reason.kind == FailureKind::NameMismatch {
            // The register has the name on the person's ID card: the bank's record
            // is written to it.
            let name = population
                .register
                .beneficiary(&item.payee)
                .map(|person| person.name.clone());
            match (failed, name) {
                (Some(account), Some(name)) if account.holder_name != name.as_str() => {
                    Some(PaymentCommand::CorrectAccount {
                        payment_id: item.payment_id,
                        account: PayeeAccount {
                            holder_name: name.as_str().into(),
                            ..account.clone()
                        },
                    })
                }
                _ => None,
            }
        } else if item.reason.kind.needs_account_fix() {
            let failed = failed.map(|account| account.number.as_str());
            population
                .register
                .accounts_of(&item.payee)
                .find(|account| Some(account.number.as_str()) != failed && account.is_payable())
                .map(|account| PaymentCommand::CorrectAccount {
                    payment_id: item.payment_id,
                    account: PayeeAccount {
                        bank_code: account.bank_code.clone(),
                        number: account.number.clone(),
                        holder_name: account.holder_name.clone(),
                    },
                })
        } else {
            Some(PaymentCommand::Release {
                payment_id: item.payment_id,
                note: "付款方原因，原账户重发".to_owned(),
            })
        };
        // No other account: the payment waits until the person gets a new card.
        let Some(fix) = fix else { continue };
        let fixed = run.store.payment_command(
            &format!("fix/{}", item.payment_id),
            Expected::Any,
            fix,
            "c-clerk",
            REISSUE_ON,
        )?;
        run.note(fixed);
    }

    summary.failures = failures
        .into_iter()
        .map(|(label, row)| Row { label, ..row })
        .collect();

    // The reissue (补发), to an honest bank this time.
    let mut second_failures = BTreeMap::new();
    let honest = BankSimulator::new(options.seed + 1);
    for (project, _, _) in PROJECTS {
        let subsidy = catalog
            .project(project)
            .ok_or("project not in the catalogue")?;
        let plan = BatchPlan {
            project: subsidy,
            payers: &payers,
            agreements: population.register.agreements(),
            calendar,
            prepared_on: REISSUE_ON,
            lead_working_days: 1,
        };
        let prepared = run.store.prepare_reissue(
            &format!("reissue/{project}/{PERIOD}"),
            Expected::Any,
            &plan,
            "f-001",
        );
        let prepared = match prepared {
            Ok(prepared) => run.note(prepared),
            // Nothing of this project was waiting.
            Err(yikatong::store::StoreError::Domain(yikatong::Error::Payment { .. })) => continue,
            Err(other) => return Err(other.into()),
        };
        send_and_reconcile(
            &mut run,
            &prepared.batch_ids,
            &profile,
            &honest,
            (REISSUE_ON, SECOND_RESULTS_ON),
            options,
            &mut second_failures,
        )?;
    }
    summary.classes = std::mem::take(&mut run.classes)
        .into_iter()
        .map(|(class, tally)| Row {
            label: format!("{class:?}"),
            count: tally.count,
            fen: tally.fen,
        })
        .collect();

    // Close what is fully answered.
    let closable: Vec<String> = run
        .store
        .ledger()
        .batches()
        .map(|batch| batch.id.clone())
        .collect();
    for batch_id in closable {
        if run.store.ledger().batch_status(&batch_id) == Some(BatchStatus::Settled) {
            let closed = run.store.payment_command(
                &format!("close/{batch_id}"),
                Expected::Any,
                PaymentCommand::Close {
                    batch_id: batch_id.clone(),
                },
                "f-001",
                SECOND_RESULTS_ON,
            )?;
            run.note(closed);
        }
    }

    tally_payments(&run.store, &mut summary)?;
    summary.disclosed = disclose(&mut run, &population, &catalog, regions)?;
    report(&mut run, &catalog, regions)?;
    summary.notices = notify(&mut run, &catalog, options.seed)?;
    summary.audit = audit(&mut run, &population)?;

    // The audit trail: the chain in the store, and its export verified on its own.
    let report = run.store.verify()?;
    summary.journal_events = report.count;
    summary.chain_intact = report.is_intact();
    let mut export = Vec::new();
    run.store.export_jsonl(&mut export)?;
    summary.export_intact = verify_jsonl(export.as_slice())?.is_intact();
    run.write(options.out.join("journal.jsonl"), &export)?;

    let manifest = options.out.join("files.txt");
    let mut listing = String::new();
    for path in &run.files {
        listing.push_str(&path.display().to_string());
        listing.push('\n');
    }
    run.write(manifest, listing.as_bytes())?;
    summary.retried_commands = run.retried;
    summary.files = run.files;
    Ok(summary)
}

/// Writes each batch's file, records the export, lets `bank` answer, writes the
/// answer, reads it back and records it.
fn send_and_reconcile(
    run: &mut Run,
    batch_ids: &[String],
    profile: &AgencyProfile,
    bank: &BankSimulator,
    (sent_on, answered_on): (Date, Date),
    options: &CycleOptions,
    failures: &mut BTreeMap<String, Row>,
) -> Fallible<()> {
    let created_at: PrimitiveDateTime = sent_on.with_time(time::macros::time!(09:00));
    let reported_at = answered_on.with_time(time::macros::time!(18:00));
    let bar = run.bar(batch_ids.len(), "bank files and results");
    for batch_id in batch_ids {
        let batch: PaymentBatch = run
            .store
            .ledger()
            .batch(batch_id)
            .cloned()
            .ok_or("prepared batch missing")?;
        let by_agency_file = AGENCY_FILE_BANKS.contains(&batch.bank_code.as_str());
        let file = if by_agency_file {
            write_agency_file(&batch, profile)?
        } else {
            write_pain001(&batch, created_at)?
        };
        let dir = options.out.join("bank");
        run.write(dir.join(&file.file_name), &file.bytes)?;
        let exported = run.store.payment_command(
            &format!("export/{batch_id}"),
            Expected::Any,
            PaymentCommand::Export {
                batch_id: batch_id.clone(),
                file_name: file.file_name.clone(),
                sha256: file.sha256.clone(),
            },
            "f-001",
            sent_on,
        )?;
        run.note(exported);

        let results: BankReturn = if by_agency_file {
            let FileAnswer::Results { first, .. } = yikatong_testkit::answer_agency_file(
                bank,
                batch_id,
                &file.bytes,
                profile,
                answered_on,
            ) else {
                return Err(format!("the bank refused the file of batch {batch_id}").into());
            };
            run.write(dir.join(format!("{batch_id}-成功.txt")), &first.0)?;
            run.write(dir.join(format!("{batch_id}-失败.txt")), &first.1)?;
            let mut results = read_agency_results(&first.0, &first.1, profile, batch_id)?;
            results.batch_id = Some(batch_id.clone());
            results
        } else {
            let IsoAnswer::Reports { first, .. } =
                yikatong_testkit::answer_pain001(bank, &file.bytes, reported_at)
            else {
                return Err(format!("the bank could not read the pain.001 of {batch_id}").into());
            };
            run.write(dir.join(format!("{batch_id}.pain002.xml")), &first)?;
            read_pain002(&first, &format!("{batch_id}.pain002.xml"))?
        };
        for result in &results.results {
            if let ResultStatus::Failed { reason } = &result.status {
                let row = failures.entry(format!("{:?}", reason.kind)).or_default();
                row.count += 1;
                row.fen += result.amount.map_or(0, Amount::to_fen);
            }
        }
        let received = run.store.receive(
            &format!("results/{batch_id}/1"),
            Expected::Any,
            results,
            "bank",
            answered_on,
        )?;
        let received = run.note(received);
        for (class, tally) in &received.report.tallies {
            let total = run.classes.entry(*class).or_default();
            *total = total.plus(*tally);
        }
        bar.inc(1);
    }
    bar.finish();
    Ok(())
}

/// Payments by state, on-time rate, and the two checks that must always hold.
fn tally_payments(store: &Store, summary: &mut CycleSummary) -> Fallible<()> {
    let ledger = store.ledger();
    summary.batches = ledger.batches().len();
    let mut settled = Row {
        label: "paid (settled)".to_owned(),
        ..Row::default()
    };
    let mut instructed = Row {
        label: "payments instructed".to_owned(),
        ..Row::default()
    };
    let mut seen = std::collections::HashSet::new();
    for batch in ledger.batches() {
        let batch_summary = ledger.batch_summary(&batch.id)?;
        if !batch_summary.balances() {
            summary.unbalanced.push(batch.id.clone());
        }
        settled.count += batch_summary.settled.count;
        settled.fen += batch_summary.settled.fen;
        for instruction in &batch.instructions {
            if seen.insert(instruction.payment_id) {
                instructed.count += 1;
                instructed.fen += instruction.amount.to_fen();
            }
            let counted = ledger
                .attempts(&instruction.payment_id)
                .iter()
                .filter(|(_, counted)| *counted)
                .count();
            if counted > 1 {
                summary.paid_twice += 1;
            }
        }
    }
    // On time: the bank's result came by the deadline of the period (the project's
    // deadline rule, the same for a reissue as for the first sending).
    for settlement in ledger.settlements() {
        if settlement.settled_on <= settlement.batch.deadline {
            summary.on_time.0 += 1;
        }
        summary.on_time.1 += 1;
    }
    let mut waiting = Row {
        label: "in the correction queue (待修正)".to_owned(),
        ..Row::default()
    };
    let mut cancelled = Row {
        label: "cancelled".to_owned(),
        ..Row::default()
    };
    for item in ledger.corrections() {
        let row = match item.status {
            CorrectionStatus::Cancelled { .. } => &mut cancelled,
            _ => &mut waiting,
        };
        row.count += 1;
        row.fen += item.amount.to_fen();
    }
    summary.states = vec![instructed, settled, waiting, cancelled];
    Ok(())
}

/// The day's disclosure (当日公开) for each day payments settled: the masked feed
/// with its totals, as CSV and JSON.
fn disclose(
    run: &mut Run,
    population: &Population,
    catalog: &PolicyCatalog,
    regions: &RegionTree,
) -> Fallible<usize> {
    let dir = run.store_dir().join("disclosure");
    let mut rows = 0;
    for day in [RESULTS_ON, SECOND_RESULTS_ON] {
        let feed = daily_feed(
            run.store.ledger(),
            &population.register,
            catalog,
            regions,
            day,
            Some(population.prefecture),
            &MaskingPolicy::default(),
        )?;
        rows += feed.rows.len();
        let csv = write_feed_csv(&feed, Language::Zh, CsvEncoding::Utf8WithBom)?;
        run.write(dir.join(format!("{day}-公开.csv")), &csv)?;
        let totals = write_feed_totals_csv(&feed, Language::Zh, CsvEncoding::Utf8WithBom)?;
        run.write(dir.join(format!("{day}-汇总.csv")), &totals)?;
        run.write(dir.join(format!("{day}.json")), &write_feed_json(&feed)?)?;
    }
    Ok(rows)
}

/// The period's report per county (CSV, XLSX, JSON) and the JSON Lines for the
/// national platform.
fn report(run: &mut Run, catalog: &PolicyCatalog, regions: &RegionTree) -> Fallible<()> {
    let state = run.store.state();
    let approved: Vec<(&Roster, &Review)> = state
        .rosters()
        .filter_map(|roster| Some((roster, state.review(roster.id())?)))
        .collect();
    let report = PaymentReport::build(&approved, run.store.ledger(), Grouping::County, regions);
    let unit = CreditCode::parse(REPORTING_UNIT)?;
    let reported_at = SECOND_RESULTS_ON
        .with_time(time::macros::time!(20:00))
        .assume_offset(time::macros::offset!(+8));
    let files = [
        (
            "report.csv",
            write_report_csv(&report, Language::Zh, CsvEncoding::Utf8WithBom)?,
        ),
        ("report.xlsx", write_report_xlsx(&report, Language::Zh)?),
        ("report.json", write_report_json(&report)?),
        (
            "national.jsonl",
            write_national_jsonl(&report, &unit, reported_at)?,
        ),
    ];
    let dir = run.store_dir().join("reports");
    for (name, bytes) in files {
        run.write(dir.join(name), &bytes)?;
    }
    let _ = catalog;
    Ok(())
}

/// An SMS and a signed notice for every settled payment; the notices verify with the
/// department's public key alone.
fn notify(run: &mut Run, catalog: &PolicyCatalog, seed: u64) -> Fallible<(usize, usize)> {
    let template = SmsTemplate::parse(SMS_TEMPLATE)?;
    // The demo department key comes from the seed; a real one lives in an HSM.
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let signer = NoticeSigner::from_seed(key);
    let mut signed = String::new();
    let mut texts = String::new();
    let (mut count, mut too_long) = (0, 0);
    let ledger = run.store.ledger();
    for settlement in ledger.settlements() {
        let project = catalog
            .project(&settlement.batch.project)
            .map_or(settlement.batch.project.as_str(), |project| {
                project.name.as_str()
            });
        let issuer = NoticeIssuer::for_batch(settlement.batch, project, DEPARTMENT, HOTLINE);
        let notice =
            PaymentNotice::for_settled(settlement.instruction, &issuer, settlement.settled_on)?;
        let sms = template.render(&notice);
        if !sms.fits_single {
            too_long += 1;
        }
        texts.push_str(&sms.text);
        texts.push('\n');
        let sealed = signer.sign(&notice)?;
        verify_notice(&signer.public_key(), &sealed)?;
        signed.push_str(&sealed.to_json()?);
        signed.push('\n');
        count += 1;
    }
    let dir = run.store_dir().join("notices");
    run.write(dir.join("sms.txt"), texts.as_bytes())?;
    run.write(dir.join("signed-notices.jsonl"), signed.as_bytes())?;
    run.write(
        dir.join("public-key.txt"),
        signer.public_key_hex().as_bytes(),
    )?;
    Ok((count, too_long))
}

/// The auditor's checks after the cycle, with deaths known to the register.
fn audit(run: &mut Run, population: &Population) -> Fallible<Vec<Row>> {
    let state = run.store.state();
    let approved: Vec<(&Roster, &Review)> = state
        .rosters()
        .filter_map(|roster| Some((roster, state.review(roster.id())?)))
        .collect();
    let input = AuditInput::collect(run.store.ledger(), &approved, &population.register);
    let references = References {
        deaths: DeathList::from_register(&population.register),
        ..References::default()
    };
    let report = run_checks(&input, &references, &CheckConfig::new(AUDIT_ON));
    let rows = report
        .by_check
        .iter()
        .map(|tally| Row {
            label: format!("{:?}", tally.check),
            count: tally.findings,
            fen: tally.amount_fen,
        })
        .collect();
    let json = serde_json::to_vec_pretty(&report)?;
    let path = run.store_dir().join("audit").join("findings.json");
    run.write(path, &json)?;
    Ok(rows)
}

impl Run {
    fn store_dir(&self) -> PathBuf {
        self.files
            .first()
            .and_then(|path| path.parent())
            .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf)
    }
}

/// Yuan from fen, for the summary.
pub(crate) fn yuan(fen: i64) -> String {
    Amount::from_fen(fen).map_or_else(|_| format!("{fen} fen"), |amount| amount.to_string())
}
