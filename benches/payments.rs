//! Payment batches end to end on one core: prepare the batches of a finance-approved
//! 1,000,000-line roster (check the frozen hash, derive every payment id and
//! per-account sequence, group by bank) and stream their files — domestic agency
//! profile (GBK) and ISO 20022 pain.001, hashed as written — then reconcile
//! 1,000,000 results. Targets: build + export ≥ 1 M instructions/s in each profile;
//! reconcile ≥ 2 M results/s.
//!
//! Runs with mimalloc, like the roster bench (see there why).

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use time::macros::{date, datetime};
use yikatong::formats::{
    AgencyProfile, ReadOptions, WrittenFile, read_roster, write_agency_file_to, write_pain001_to,
};
use yikatong::{
    BatchPlan, HeldProjects, IntakeMode, Payer, PaymentBatch, PaymentChange, PaymentCommand,
    PaymentLedger, Period, PolicyCatalog, RegionLevel, Review, Roster, RosterHeader, WorkCalendar,
};
use yikatong_testkit::BankSimulator;
use yikatong_testkit::payments::approve_for_payment;
use yikatong_testkit::population::{Township, TownshipSpec};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LINES: usize = 1_000_000;

type Setup = (Township, PolicyCatalog, Roster, Review);

fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    let spec = TownshipSpec {
        households: LINES,
        max_members: 1,
        ..TownshipSpec::default()
    };
    let town = Township::generate(&spec)?;
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
    let review = approve_for_payment(&roster, date!(2026 - 03 - 02))?;
    Ok((town, catalog, roster, review))
}

fn payments(c: &mut Criterion) {
    let (town, catalog, roster, review) = match setup() {
        Ok(setup) => setup,
        Err(err) => {
            eprintln!("cannot set up the bench: {err}");
            return;
        }
    };
    let Some(project) = catalog.project("CYSTBH-CXPH") else {
        eprintln!("no project CYSTBH-CXPH");
        return;
    };
    let county = town.township.truncate(RegionLevel::County);
    let payers = BTreeMap::from([(
        county,
        Payer {
            unit_code: "CZ150422".into(),
            name: "巴林左旗财政局".into(),
            account: "15050000000000000001".into(),
        },
    )]);
    let calendar = WorkCalendar::weekdays_only();
    let plan = BatchPlan {
        project,
        payers: &payers,
        agreements: town.register.agreements(),
        calendar: &calendar,
        prepared_on: date!(2026 - 03 - 20),
        lead_working_days: 1,
    };
    let rosters = [(&roster, &review)];
    let lines = roster.lines().len() as u64;
    let profile = AgencyProfile::common();

    let mut group = c.benchmark_group("payments");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(10);
    // Prepare the batches and stream each one's file with `write` to a sink (what a
    // department system does with a file, without the disk): formatting and the
    // file's SHA-256 are timed, the disk is not.
    let build_and_export = |write: &dyn Fn(&PaymentBatch) -> Option<WrittenFile>| {
        let prepared = PaymentLedger::new()
            .prepare(&plan, black_box(&rosters), "finance")
            .ok()?;
        let mut files = Vec::new();
        for event in &prepared.events {
            if let PaymentChange::BatchPrepared { batch } = &event.change {
                files.push(write(batch)?);
            }
        }
        Some((prepared, files))
    };
    group.bench_function("build_and_export_agency_1m", |b| {
        b.iter_with_large_drop(|| {
            build_and_export(&|batch| {
                write_agency_file_to(batch, &profile, &mut std::io::sink()).ok()
            })
        })
    });
    group.bench_function("build_and_export_pain001_1m", |b| {
        b.iter_with_large_drop(|| {
            build_and_export(&|batch| {
                write_pain001_to(batch, datetime!(2026-03-20 09:00), &mut std::io::sink()).ok()
            })
        })
    });

    // One ledger with every batch exported, and the bank's answers (5% failures).
    let mut ledger = PaymentLedger::new();
    let Ok(prepared) = ledger.prepare(&plan, &rosters, "finance") else {
        eprintln!("cannot prepare");
        return;
    };
    ledger.apply_all(&prepared.events);
    let simulator = BankSimulator::new(7).with_failure_per_mille(50);
    let mut returns = Vec::new();
    let batches: Vec<_> = ledger.batches().cloned().collect();
    for (n, batch) in batches.iter().enumerate() {
        let export = PaymentCommand::Export {
            batch_id: batch.id.clone(),
            file_name: format!("{}.txt", batch.id),
            sha256: format!("{n:064x}"),
        };
        if ledger.execute(export, "finance", plan.prepared_on).is_err() {
            eprintln!("cannot export");
            return;
        }
        returns.push(simulator.answer_batch(batch).first);
    }
    let results: usize = returns.iter().map(|r| r.results.len()).sum();
    group.throughput(Throughput::Elements(results as u64));
    group.bench_function("reconcile_1m", |b| {
        b.iter_batched(
            || (ledger.clone(), returns.clone()),
            |(mut ledger, returns)| {
                for bank_return in returns {
                    let received = ledger.receive(bank_return, "bank", plan.prepared_on);
                    black_box(received.ok());
                }
                ledger
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, payments);
criterion_main!(benches);
