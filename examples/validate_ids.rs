//! Validates a file of resident ID numbers (one per line) and prints what a township
//! clerk needs: every bad line with the rule it broke, then a breakdown of the good
//! ones by region, sex and age.
//!
//! ```text
//! cargo run --example validate_ids -- ids.txt
//! cargo run --example validate_ids              # a generated sample (seed 2026)
//! cargo run --example validate_ids -- --generate 1000000 --seed 7
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::io::{BufRead, BufReader};

use yikatong::{RegionCode, RegionTree, ResidentId, Sex, today_in_china};
use yikatong_testkit::ids::IdGenerator;

/// How many bad lines to print in full before summarising the rest.
const SHOWN_ERRORS: usize = 20;

struct Options {
    source: Source,
}

enum Source {
    File(String),
    Generated { count: usize, seed: u64 },
}

fn parse_options() -> Result<Options, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut source = Source::Generated {
        count: 100_000,
        seed: 2026,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--generate" => {
                let count = args.next().ok_or("--generate needs a number of IDs")?;
                let seed = match &source {
                    Source::Generated { seed, .. } => *seed,
                    Source::File(_) => 2026,
                };
                source = Source::Generated {
                    count: count.parse()?,
                    seed,
                };
            }
            "--seed" => {
                let seed = args.next().ok_or("--seed needs a number")?.parse()?;
                if let Source::Generated { seed: current, .. } = &mut source {
                    *current = seed;
                }
            }
            path => source = Source::File(path.to_owned()),
        }
    }
    Ok(Options { source })
}

/// Reads the lines to check: a file, or a deterministic sample with about 2% defects.
fn input_lines(source: &Source) -> Result<Vec<String>, Box<dyn Error>> {
    match source {
        Source::File(path) => {
            let file =
                std::fs::File::open(path).map_err(|err| format!("cannot open {path}: {err}"))?;
            let mut lines = Vec::new();
            for line in BufReader::new(file).split(b'\n') {
                lines.push(String::from_utf8_lossy(&line?).trim_end().to_owned());
            }
            Ok(lines)
        }
        Source::Generated { count, seed } => {
            let mut generator = IdGenerator::new(*seed);
            Ok((0..*count)
                .map(|index| {
                    if index % 50 == 49 {
                        generator.invalid_resident_id()
                    } else {
                        generator.resident_id()
                    }
                })
                .collect())
        }
    }
}

#[derive(Default)]
struct Tally {
    people: u64,
    women: u64,
}

fn main() -> Result<(), Box<dyn Error>> {
    let options = parse_options()?;
    let lines = input_lines(&options.source)?;
    match &options.source {
        Source::File(path) => println!("checking {} lines of {path}", lines.len()),
        Source::Generated { count, seed } => {
            println!("checking {count} generated resident ID numbers (seed {seed})")
        }
    }

    let today = today_in_china();
    let mut bad = 0usize;
    let mut seen = BTreeMap::new();
    let mut duplicates = 0usize;
    let mut by_county: BTreeMap<RegionCode, Tally> = BTreeMap::new();
    let mut unknown_area = 0u64;
    let mut age_bands = [0u64; 5];
    for (index, line) in lines.iter().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let id = match ResidentId::parse_as_of(line, today) {
            Ok(id) => id,
            Err(err) => {
                bad += 1;
                if bad <= SHOWN_ERRORS {
                    println!("  line {line_number}: {err}");
                }
                continue;
            }
        };
        if let Some(first) = seen.insert(id, line_number) {
            duplicates += 1;
            if duplicates <= SHOWN_ERRORS {
                println!(
                    "  line {line_number}: {} appears again (first on line {first})",
                    id.masked()
                );
            }
            continue;
        }
        // An ID whose area code was retired is still valid: count it, don't reject it.
        match RegionCode::parse(id.area_code()) {
            Ok(county) => {
                let tally = by_county.entry(county).or_default();
                tally.people += 1;
                tally.women += u64::from(id.sex() == Sex::Female);
            }
            Err(_) => unknown_area += 1,
        }
        let band = match id.age_on(today) {
            0..=17 => 0,
            18..=59 => 1,
            60..=79 => 2,
            80..=99 => 3,
            _ => 4,
        };
        age_bands[band] += 1;
    }
    if bad > SHOWN_ERRORS {
        println!("  … and {} more bad lines", bad - SHOWN_ERRORS);
    }
    let good = seen.len();
    println!("{good} valid, {bad} invalid, {duplicates} repeated");

    print_region_breakdown(&by_county, unknown_area)?;
    println!("by age on {today}:");
    for (label, count) in ["0–17", "18–59", "60–79", "80–99", "100+"]
        .iter()
        .zip(age_bands)
    {
        println!("  {label:>6}  {count:>9}");
    }
    Ok(())
}

/// Prints people per province and, inside each province, per prefecture-level region.
fn print_region_breakdown(
    by_county: &BTreeMap<RegionCode, Tally>,
    unknown_area: u64,
) -> Result<(), Box<dyn Error>> {
    let tree = RegionTree::bundled()?;
    let mut by_prefecture: BTreeMap<RegionCode, Tally> = BTreeMap::new();
    let mut outside_table = unknown_area;
    for (county, tally) in by_county {
        if tree.get(*county).is_none() {
            outside_table += tally.people;
            continue;
        }
        let prefecture = county.ancestors().next().unwrap_or(*county);
        let entry = by_prefecture.entry(prefecture).or_default();
        entry.people += tally.people;
        entry.women += tally.women;
    }
    println!("by region (NBS 2023 codes):");
    let mut current_province = None;
    for (prefecture, tally) in &by_prefecture {
        let province = prefecture.ancestors().last().unwrap_or(*prefecture);
        if current_province != Some(province) {
            let province_total: u64 = by_prefecture
                .iter()
                .filter(|(code, _)| code.is_within(province))
                .map(|(_, tally)| tally.people)
                .sum();
            println!("  {} {:>9}", name_of(tree, province), province_total);
            current_province = Some(province);
        }
        let term = tree
            .get(*prefecture)
            .map_or("?", |region| region.level_term());
        println!(
            "    {:<24} {:>9}  ({} women)  [{term}]",
            name_of(tree, *prefecture),
            tally.people,
            tally.women,
        );
    }
    if outside_table > 0 {
        println!("  area code not in the NBS 2023 table (retired or unknown): {outside_table}");
    }
    Ok(())
}

/// The region's name, or its code when the table lacks it (e.g. a retired prefecture).
fn name_of(tree: &RegionTree, code: RegionCode) -> String {
    tree.get(code)
        .map_or_else(|| code.to_string(), |region| region.name().to_owned())
}
