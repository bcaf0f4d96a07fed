//! Times the phases of a roster intake on a synthetic township, for profiling (e.g.
//! under `perf record`): generating the data, reading the CSV, and taking it in twice
//! (the second run shows the cost without first-touch page faults).
//!
//! `cargo run --release --example profile_intake -- 1000000 [runs]`

use std::time::Instant;

use time::macros::date;
use yikatong::formats::{ReadOptions, read_roster, read_roster_into};
use yikatong::{
    HeldProjects, IntakeMode, Period, PolicyCatalog, Roster, RosterHeader, RosterIntake,
};
use yikatong_testkit::population::{Township, TownshipSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lines: usize = std::env::args()
        .nth(1)
        .map_or(Ok(100_000), |text| text.parse())?;
    let runs: usize = std::env::args().nth(2).map_or(Ok(2), |text| text.parse())?;
    let started = Instant::now();
    let town = Township::generate(&TownshipSpec {
        households: lines,
        max_members: 1,
        ..TownshipSpec::default()
    })?;
    eprintln!("generate {:?}", started.elapsed());
    let catalog = PolicyCatalog::from_json(
        "cystbh.json",
        &std::fs::read_to_string("examples/data/policies/cystbh.json")?,
    )?;
    let csv = town.roster_csv().into_bytes();
    let started = Instant::now();
    let file = read_roster(&csv, &ReadOptions::default())?;
    eprintln!("read {:?}", started.elapsed());
    let mut fastest = (f64::MAX, f64::MAX);
    for run in 1..=runs {
        let started = Instant::now();
        let header = RosterHeader::new("X", "CYSTBH-CXPH", Period::year(2026)?, town.township);
        let (roster, report) = Roster::intake(
            header,
            &file.records,
            &town.register,
            &catalog,
            &HeldProjects::new(),
            IntakeMode::Lenient,
            date!(2026 - 11 - 02),
        )?;
        fastest.0 = fastest.0.min(started.elapsed().as_secs_f64());
        eprintln!(
            "intake #{run} {:?}: {} lines, {} rejected",
            started.elapsed(),
            roster.lines().len(),
            report.rejected
        );
        let started = Instant::now();
        drop((roster, report));
        eprintln!("drop {:?}", started.elapsed());
    }
    for run in 1..=runs {
        let started = Instant::now();
        let header = RosterHeader::new("X", "CYSTBH-CXPH", Period::year(2026)?, town.township);
        let held = HeldProjects::new();
        let mut intake = RosterIntake::new(
            header,
            &town.register,
            &catalog,
            &held,
            IntakeMode::Lenient,
            date!(2026 - 11 - 02),
        )?;
        read_roster_into(&csv, &ReadOptions::default(), &mut intake)?;
        let (roster, report) = intake.finish()?;
        fastest.1 = fastest.1.min(started.elapsed().as_secs_f64());
        eprintln!(
            "read and intake streamed #{run} {:?}: {} lines, {} rejected",
            started.elapsed(),
            roster.lines().len(),
            report.rejected
        );
        drop((roster, report));
    }
    // The machine's noise only ever slows a run down: the fastest is the best estimate.
    // Counted in the file's records: households outside the project have none.
    let records = town.rows.len();
    let per_second = |seconds: f64| records as f64 / seconds / 1000.0;
    eprintln!(
        "fastest: intake {:.0} K lines/s, read and intake streamed {:.0} K lines/s",
        per_second(fastest.0),
        per_second(fastest.1)
    );
    Ok(())
}
