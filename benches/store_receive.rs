//! Reconciliation through the store, as a department system does it: read the bank's
//! result files (domestic agency profile, success and failure files) of every batch
//! of a 1,000,000-line roster and record them in the SQLite store (classify each
//! line, update outcomes, queue failures, journal the event).
//!
//! The setup writes the store with every batch exported and the bank's answers to
//! `YIKATONG_BENCH_TABLES` (default target/bench-tables)/reconcile, where the Python
//! side of the comparison (benches/python/reconcile_from_python.py) does the same work.
//! Each run starts from a fresh copy of the store; copying and opening it are not
//! timed. `cargo bench --bench store_receive` (three runs; `YIKATONG_BENCH_RUNS`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use time::macros::date;
use yikatong::formats::{
    AgencyProfile, ReadOptions, read_agency_results, read_roster, write_agency_file,
};
use yikatong::review::{Actor, ReviewCommand, Role};
use yikatong::store::{Expected, ReviewRequest, Store};
use yikatong::{
    BatchPlan, HeldProjects, IntakeMode, Payer, PaymentCommand, Period, PolicyCatalog, RegionLevel,
    Roster, RosterHeader, WorkCalendar,
};
use yikatong_testkit::population::{Township, TownshipSpec};
use yikatong_testkit::{BankSimulator, FileAnswer};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LINES: usize = 1_000_000;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn workdir() -> PathBuf {
    let tables = std::env::var_os("YIKATONG_BENCH_TABLES")
        .map_or_else(|| PathBuf::from("target/bench-tables"), PathBuf::from);
    tables.join("reconcile")
}

/// Writes the store and the result files; returns the batch ids and result lines.
fn setup(dir: &Path) -> Fallible<(Vec<String>, usize)> {
    std::fs::create_dir_all(dir)?;
    let town = Township::generate(&TownshipSpec {
        households: LINES,
        max_members: 1,
        ..TownshipSpec::default()
    })?;
    let text = std::fs::read_to_string("examples/data/policies/cystbh.json")?;
    let catalog = PolicyCatalog::from_json("cystbh.json", &text)?;
    let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
    let header = RosterHeader::new(
        "CYSTBH-CXPH-2026",
        "CYSTBH-CXPH",
        Period::year(2026)?,
        town.township,
    );
    let (roster, _) = Roster::intake(
        header,
        &file.records,
        &town.register,
        &catalog,
        &HeldProjects::new(),
        IntakeMode::Lenient,
        date!(2026 - 03 - 02),
    )?;
    let path = dir.join("payments.sqlite");
    for stale in [
        "payments.sqlite",
        "payments.sqlite-wal",
        "payments.sqlite-shm",
    ] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let mut store = Store::open(&path)?;
    store.save_register("register", Expected::NoStream, &town.register)?;
    store.save_roster("roster", Expected::NoStream, &roster)?;
    let id = roster.id().to_owned();
    let clerk = Actor::new("c1", "乌云", Role::TownshipClerk);
    let reviewer = Actor::new("r1", "张三", Role::DepartmentReviewer);
    let finance = Actor::new("f1", "李四", Role::FinanceOfficer);
    let calendar = WorkCalendar::weekdays_only();
    store.open_review(
        "open",
        Expected::NoStream,
        &id,
        &clerk,
        date!(2026 - 03 - 02),
    )?;
    let steps = [
        (
            ReviewCommand::StartPublicity { starts: None },
            &clerk,
            date!(2026 - 03 - 02),
        ),
        (ReviewCommand::Submit, &clerk, date!(2026 - 03 - 16)),
        (
            ReviewCommand::DepartmentApprove,
            &reviewer,
            date!(2026 - 03 - 17),
        ),
        (
            ReviewCommand::FinanceApprove,
            &finance,
            date!(2026 - 03 - 18),
        ),
    ];
    for (n, (command, actor, today)) in steps.iter().enumerate() {
        let request = ReviewRequest {
            roster_id: &id,
            command,
            actor,
            today: *today,
            calendar: &calendar,
            publicity_working_days: 7,
        };
        store.review_command(&format!("review-{n}"), Expected::Any, &request)?;
    }
    let project = catalog
        .project("CYSTBH-CXPH")
        .ok_or("no project CYSTBH-CXPH")?;
    let county = town.township.truncate(RegionLevel::County);
    let payers = BTreeMap::from([(
        county,
        Payer {
            unit_code: "CZ150422".into(),
            name: "巴林左旗财政局".into(),
            account: "15050000000000000001".into(),
        },
    )]);
    let plan = BatchPlan {
        project,
        payers: &payers,
        agreements: town.register.agreements(),
        calendar: &calendar,
        prepared_on: date!(2026 - 03 - 20),
        lead_working_days: 1,
    };
    let prepared = store.prepare_batches("prepare", Expected::Any, &plan, &[&id], "f1")?;
    let profile = AgencyProfile::common();
    let bank = BankSimulator::new(7).with_failure_per_mille(50);
    let mut listing = String::new();
    let mut results = 0;
    for batch_id in &prepared.value.batch_ids {
        let batch = store
            .ledger()
            .batch(batch_id)
            .cloned()
            .ok_or("batch missing")?;
        let file = write_agency_file(&batch, &profile)?;
        store.payment_command(
            &format!("export/{batch_id}"),
            Expected::Any,
            PaymentCommand::Export {
                batch_id: batch_id.clone(),
                file_name: file.file_name.clone(),
                sha256: file.sha256.clone(),
            },
            "f1",
            date!(2026 - 03 - 20),
        )?;
        let answer = yikatong_testkit::answer_agency_file(
            &bank,
            batch_id,
            &file.bytes,
            &profile,
            date!(2026 - 03 - 23),
        );
        let FileAnswer::Results { first, .. } = answer else {
            return Err(format!("the bank refused batch {batch_id}").into());
        };
        std::fs::write(dir.join(format!("{batch_id}-ok.txt")), &first.0)?;
        std::fs::write(dir.join(format!("{batch_id}-fail.txt")), &first.1)?;
        results += batch.instructions.len();
        listing.push_str(batch_id);
        listing.push('\n');
    }
    std::fs::write(dir.join("batches.txt"), listing)?;
    Ok((prepared.value.batch_ids, results))
}

/// A fresh copy of the store, opened.
fn fresh_store(dir: &Path) -> Fallible<Store> {
    let work = dir.join("work.sqlite");
    for stale in ["work.sqlite", "work.sqlite-wal", "work.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    std::fs::copy(dir.join("payments.sqlite"), &work)?;
    Ok(Store::open(&work)?)
}

/// The timed work: read each batch's two result files and record them; returns the
/// results read and how many failed.
fn reconcile(store: &mut Store, dir: &Path, batch_ids: &[String]) -> Fallible<(usize, u64)> {
    let profile = AgencyProfile::common();
    let (mut read, mut failed) = (0, 0);
    for batch_id in batch_ids {
        let ok = std::fs::read(dir.join(format!("{batch_id}-ok.txt")))?;
        let fail = std::fs::read(dir.join(format!("{batch_id}-fail.txt")))?;
        let mut results = read_agency_results(&ok, &fail, &profile, batch_id)?;
        results.batch_id = Some(batch_id.clone());
        read += results.results.len();
        let received = store.receive(
            &format!("results/{batch_id}"),
            Expected::Any,
            results,
            "bank",
            date!(2026 - 03 - 23),
        )?;
        failed += received
            .value
            .report
            .tally(yikatong::ResultClass::Failed)
            .count;
    }
    Ok((read, failed))
}

/// Not under criterion: one iteration copies and replays a 1.8 GB store (about a
/// minute on the 2-core machine), so criterion's ten samples would take half an hour.
/// Three timed runs instead, as the Python side does; the best is compared.
fn main() {
    let dir = workdir();
    let started = Instant::now();
    // YIKATONG_BENCH_REUSE=1: the store and files of an earlier run (for profiling).
    let reuse = std::env::var_os("YIKATONG_BENCH_REUSE").is_some();
    let earlier = std::fs::read_to_string(dir.join("batches.txt"))
        .ok()
        .filter(|_| reuse)
        .map(|listing| (listing.lines().map(str::to_owned).collect::<Vec<_>>(), 0));
    let (batch_ids, mut results) = match earlier.map_or_else(|| setup(&dir), Ok) {
        Ok(setup) => setup,
        Err(err) => {
            eprintln!("cannot set up the bench: {err}");
            std::process::exit(1);
        }
    };
    println!(
        "{} batches, {results} results written to {} in {:.1?}",
        batch_ids.len(),
        dir.display(),
        started.elapsed()
    );
    let runs: usize = std::env::var("YIKATONG_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(3);
    let mut times = Vec::new();
    for run in 1..=runs {
        let mut store = match fresh_store(&dir) {
            Ok(store) => store,
            Err(err) => {
                eprintln!("cannot copy the store: {err}");
                std::process::exit(1);
            }
        };
        let started = Instant::now();
        match reconcile(&mut store, &dir, &batch_ids) {
            Ok((read, failed)) => {
                let took = started.elapsed();
                results = read;
                println!("run {run}: {took:.2?} for {results} results ({failed} failed)");
                times.push(took);
            }
            Err(err) => {
                eprintln!("cannot reconcile: {err}");
                std::process::exit(1);
            }
        }
    }
    if let Some(best) = times.iter().min() {
        println!(
            "best {best:.2?} ({:.2} M results/s)",
            results as f64 / best.as_secs_f64() / 1e6
        );
    }
}
