//! Roster intake end to end: read a 1,000,000-line roster CSV (UTF-8, Chinese headers),
//! validate every line against the register (ID, township, account, agent bank
//! agreement, duplicates, holder name) and compute the grassland balance reward
//! (per mu × rate with a household floor and cap). Target: ≥ 1 M lines/s on one core.
//!
//! Runs with mimalloc, as a long-running department service would: glibc's malloc
//! hands the roster's hundreds of megabytes back to the kernel after every intake,
//! and faulting them in again costs a quarter of the time. `examples/profile_intake`
//! measures the same work with the system allocator.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use time::macros::date;
use yikatong::formats::{ReadOptions, read_roster, read_roster_into};
use yikatong::{
    HeldProjects, IntakeMode, Period, PolicyCatalog, Roster, RosterHeader, RosterIntake,
};
use yikatong_testkit::population::{Township, TownshipSpec};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LINES: usize = 1_000_000;

fn roster_intake(c: &mut Criterion) {
    let spec = TownshipSpec {
        households: LINES,
        max_members: 1,
        ..TownshipSpec::default()
    };
    let (town, catalog, period) = match (
        Township::generate(&spec),
        std::fs::read_to_string("examples/data/policies/cystbh.json")
            .map_err(|err| err.to_string())
            .and_then(|text| {
                PolicyCatalog::from_json("cystbh.json", &text).map_err(|err| err.to_string())
            }),
        Period::year(2026),
    ) {
        (Ok(town), Ok(catalog), Ok(period)) => (town, catalog, period),
        other => {
            eprintln!("cannot set up the bench: {other:?}");
            return;
        }
    };
    let csv = town.roster_csv().into_bytes();
    // Throughput in the file's records (households outside the project have none).
    let records = town.rows.len() as u64;
    let held = HeldProjects::new();
    let on = date!(2026 - 11 - 02);

    let mut group = c.benchmark_group("roster_intake");
    group.throughput(Throughput::Elements(records));
    group.sample_size(10);
    group.bench_function("csv_validate_entitle_1m", |b| {
        // Freeing the file and the roster (millions of small allocations) is not part
        // of reading, validating and computing them: they are dropped untimed.
        b.iter_with_large_drop(|| {
            let file = read_roster(black_box(&csv), &ReadOptions::default());
            let Ok(file) = file else {
                return None;
            };
            let header =
                RosterHeader::new("CYSTBH-CXPH-2026", "CYSTBH-CXPH", period, town.township);
            match Roster::intake(
                header,
                &file.records,
                &town.register,
                &catalog,
                &held,
                IntakeMode::Lenient,
                on,
            ) {
                Ok((roster, report)) => {
                    assert_eq!(report.rejected, 0, "{:?}", report.problems.first());
                    Some((file, roster, report))
                }
                Err(err) => {
                    eprintln!("{err}");
                    None
                }
            }
        })
    });
    group.bench_function("csv_streamed_into_intake_1m", |b| {
        // The same work with the records handed over as they are read
        // (`read_roster_into`), never all held at once.
        b.iter_with_large_drop(|| {
            let header =
                RosterHeader::new("CYSTBH-CXPH-2026", "CYSTBH-CXPH", period, town.township);
            let mut intake = match RosterIntake::new(
                header,
                &town.register,
                &catalog,
                &held,
                IntakeMode::Lenient,
                on,
            ) {
                Ok(intake) => intake,
                Err(err) => {
                    eprintln!("{err}");
                    return None;
                }
            };
            intake.reserve(LINES);
            read_roster_into(black_box(&csv), &ReadOptions::default(), &mut intake).ok()?;
            let (roster, report) = intake.finish().ok()?;
            assert_eq!(report.rejected, 0, "{:?}", report.problems.first());
            Some((roster, report))
        })
    });
    group.finish();
}

criterion_group!(benches, roster_intake);
criterion_main!(benches);
