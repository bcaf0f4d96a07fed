//! A township's roster file end to end: 100,000 lines, 1% of them bad on purpose, read
//! from CSV (UTF-8 and GBK) and XLSX and taken in against the register and the policy.
//! Every bad line is reported with its file line, the rest become roster lines, and
//! the same file in another encoding or format gives the same roster.

use std::collections::BTreeMap;

use time::macros::date;
use yikatong::formats::{ReadOptions, read_roster};
use yikatong::{
    HeldProjects, IntakeMode, Period, PolicyCatalog, Roster, RosterHeader, Severity,
    ValidationReport,
};
use yikatong_testkit::population::{Township, TownshipSpec};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn catalog() -> Result<PolicyCatalog, Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/policies/cystbh.json"
    );
    Ok(PolicyCatalog::from_json(
        "cystbh.json",
        &std::fs::read_to_string(path)?,
    )?)
}

fn header(town: &Township) -> Result<RosterHeader, Box<dyn std::error::Error>> {
    Ok(RosterHeader::new(
        "CYSTBH-CXPH-2026-150422100",
        "CYSTBH-CXPH",
        Period::year(2026)?,
        town.township,
    ))
}

const ON: time::Date = date!(2026 - 11 - 02);

fn take_in_records(
    town: &Township,
    records: &[yikatong::RosterRecord],
    mode: IntakeMode,
) -> Result<(Roster, ValidationReport), Box<dyn std::error::Error>> {
    let held = HeldProjects::new();
    Ok(Roster::intake(
        header(town)?,
        records,
        &town.register,
        &catalog()?,
        &held,
        mode,
        ON,
    )?)
}

fn take_in(
    town: &Township,
    bytes: &[u8],
    mode: IntakeMode,
) -> Result<(Roster, ValidationReport), Box<dyn std::error::Error>> {
    let file = read_roster(bytes, &ReadOptions::default())?;
    assert!(file.problems.is_empty(), "{:?}", file.problems.first());
    take_in_records(town, &file.records, mode)
}

#[test]
fn every_bad_line_is_reported_by_number_and_the_rest_imported() -> TestResult {
    let town = Township::generate(&TownshipSpec {
        households: 100_000,
        max_members: 2,
        bad_per_mille: 10,
        ..TownshipSpec::default()
    })?;
    let csv = town.roster_csv();
    let (roster, report) = take_in(&town, csv.as_bytes(), IntakeMode::Lenient)?;

    // File line = row index + 2 (the header is line 1).
    let mut problems_by_line: BTreeMap<u64, Vec<Severity>> = BTreeMap::new();
    for problem in &report.problems {
        let line = problem.line.ok_or("a file problem without a line")?;
        problems_by_line
            .entry(line)
            .or_default()
            .push(problem.severity);
    }
    let mut expected_rejected = 0;
    for (index, row) in town.rows.iter().enumerate() {
        let line = index as u64 + 2;
        let found = problems_by_line.get(&line);
        match row.defect {
            None => assert!(
                found.is_none(),
                "line {line} is good but reported: {:?}",
                report
                    .problems
                    .iter()
                    .filter(|p| p.line == Some(line))
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
            ),
            Some(defect) => {
                let severities = found.ok_or(format!("line {line} ({defect:?}) not reported"))?;
                assert_eq!(
                    severities.contains(&Severity::Error),
                    defect.is_error(),
                    "line {line} {defect:?}"
                );
                expected_rejected += usize::from(defect.is_error());
            }
        }
    }
    let bad = town.rows.iter().filter(|row| row.defect.is_some()).count();
    assert!((700..=1300).contains(&bad), "{bad} bad lines");
    assert_eq!(report.rejected, expected_rejected);
    assert_eq!(report.accepted, town.rows.len() - expected_rejected);
    assert_eq!(roster.lines().len(), report.accepted);
    assert_eq!(report.rejected_lines().len(), expected_rejected);

    // Every message names the line, the field, the value and the rule.
    let first = report.problems.first().ok_or("no problems")?.to_string();
    assert!(first.starts_with("line "), "{first}");

    // Amounts: 2.50 yuan per mu, household floor and cap (sample catalogue).
    let total = roster.total()?;
    assert!(total > yikatong::Amount::ZERO);

    // Strict mode: the same file is refused as a whole, naming the count.
    let strict = take_in(&town, csv.as_bytes(), IntakeMode::Strict);
    assert!(strict.is_err());
    Ok(())
}

#[test]
fn the_same_file_in_gbk_or_xlsx_gives_the_same_roster() -> TestResult {
    let town = Township::generate(&TownshipSpec {
        households: 3_000,
        bad_per_mille: 20,
        ..TownshipSpec::default()
    })?;
    let csv = town.roster_csv();
    let (utf8_roster, utf8_report) = take_in(&town, csv.as_bytes(), IntakeMode::Lenient)?;

    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&csv);
    assert!(!unmappable);
    assert_ne!(gbk.as_ref(), csv.as_bytes());
    let (gbk_roster, gbk_report) = take_in(&town, &gbk, IntakeMode::Lenient)?;
    assert_eq!(gbk_report, utf8_report);
    assert_eq!(gbk_roster.content_hash(), utf8_roster.content_hash());

    let file = read_roster(csv.as_bytes(), &ReadOptions::default())?;
    let xlsx =
        yikatong::formats::write_roster_xlsx(&file.records, &file.columns, yikatong::Language::Zh)?;
    let (xlsx_roster, xlsx_report) = take_in(&town, &xlsx, IntakeMode::Lenient)?;
    assert_eq!(xlsx_report.rejected, utf8_report.rejected);
    assert_eq!(xlsx_roster.content_hash(), utf8_roster.content_hash());
    Ok(())
}

#[test]
fn the_order_of_the_file_does_not_change_what_is_found() -> TestResult {
    // Intake reads ahead in register order; a file in another order takes the
    // slower path and must find exactly the same.
    let town = Township::generate(&TownshipSpec {
        households: 5_000,
        max_members: 3,
        bad_per_mille: 30,
        ..TownshipSpec::default()
    })?;
    let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
    let mut reversed = file.records.clone();
    reversed.reverse();
    let (forward, forward_report) = take_in_records(&town, &file.records, IntakeMode::Lenient)?;
    let (backward, backward_report) = take_in_records(&town, &reversed, IntakeMode::Lenient)?;
    // Which of two lines for one payee is "first" depends on the order; all else not.
    let found =
        |report: &ValidationReport| -> BTreeMap<(Option<u64>, &'static str, String), usize> {
            let mut found = BTreeMap::new();
            for problem in &report.problems {
                if problem.rule.code() != "duplicate" {
                    *found
                        .entry((problem.line, problem.rule.code(), problem.value.clone()))
                        .or_insert(0) += 1;
                }
            }
            found
        };
    assert!(!forward_report.problems.is_empty());
    assert_eq!(found(&forward_report), found(&backward_report));
    assert_eq!(forward_report.rejected, backward_report.rejected);
    let lines = |roster: &Roster| {
        let mut lines: Vec<_> = roster
            .lines()
            .iter()
            .map(|line| {
                (
                    line.source_line,
                    line.facts.resident_id,
                    line.amount,
                    line.account.clone(),
                )
            })
            .collect();
        lines.sort_by_key(|line| line.0);
        lines
    };
    assert_eq!(lines(&forward), lines(&backward));
    Ok(())
}

#[test]
fn reading_straight_into_the_intake_gives_the_same_roster() -> TestResult {
    let town = Township::generate(&TownshipSpec {
        households: 4_000,
        max_members: 2,
        bad_per_mille: 20,
        ..TownshipSpec::default()
    })?;
    let csv = town.roster_csv();
    let (roster, report) = take_in(&town, csv.as_bytes(), IntakeMode::Lenient)?;
    let catalog = catalog()?;
    let held = HeldProjects::new();
    let file = read_roster(csv.as_bytes(), &ReadOptions::default())?;
    let xlsx =
        yikatong::formats::write_roster_xlsx(&file.records, &file.columns, yikatong::Language::Zh)?;
    for bytes in [
        csv.as_bytes().to_vec(),
        encoding_rs::GBK.encode(&csv).0.into_owned(),
        xlsx,
    ] {
        let mut intake = yikatong::RosterIntake::new(
            header(&town)?,
            &town.register,
            &catalog,
            &held,
            IntakeMode::Lenient,
            ON,
        )?;
        let file =
            yikatong::formats::read_roster_into(&bytes, &ReadOptions::default(), &mut intake)?;
        assert!(file.records.is_empty() && file.problems.is_empty());
        let (streamed, streamed_report) = intake.finish()?;
        assert_eq!(streamed_report, report);
        assert_eq!(streamed.content_hash(), roster.content_hash());
        assert_eq!(streamed.lines().len(), roster.lines().len());
    }
    Ok(())
}
