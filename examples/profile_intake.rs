use std::time::Instant;
use time::macros::date;
use yikatong::formats::{ReadOptions, read_roster};
use yikatong::{HeldProjects, IntakeMode, Period, PolicyCatalog, Roster, RosterHeader};
use yikatong_testkit::population::{Township, TownshipSpec};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).unwrap_or("100000".into()).parse()?;
    let t = Instant::now();
    let town = Township::generate(&TownshipSpec {
        households: n,
        max_members: 1,
        ..TownshipSpec::default()
    })?;
    eprintln!("generate {:?}", t.elapsed());
    let catalog = PolicyCatalog::from_json(
        "c",
        &std::fs::read_to_string("examples/data/policies/cystbh.json")?,
    )?;
    let csv = town.roster_csv().into_bytes();
    let t = Instant::now();
    let file = read_roster(&csv, &ReadOptions::default())?;
    eprintln!("read {:?}", t.elapsed());
    let t = Instant::now();
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
    eprintln!(
        "intake {:?} lines {} rejected {}",
        t.elapsed(),
        roster.lines().len(),
        report.rejected
    );
    let t = Instant::now();
    drop((roster, report, file));
    eprintln!("drop {:?}", t.elapsed());
    Ok(())
}
