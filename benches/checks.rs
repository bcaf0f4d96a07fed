//! The audit checks (监控核查) over a prefecture-sized year: about 10,000,000 paid
//! rows (2,000 townships in 200 counties, 5 projects, 3 months) with about 1% of
//! them anomalous in ten ways, against 1,000,000 reference entries (dates of death
//! and tagged exclusions, most of them about people paid nothing). Target: every
//! check in ≤ 5 s on the 2-core machine.
//!
//! The rows are built directly (no rosters, no ledger): deterministic, from a
//! splitmix hash of the row's person, so the same rows every run.
//!
//! Runs with mimalloc, like the payments bench.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
use arrow_ipc::writer::FileWriter;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use time::macros::date;
use yikatong::{
    ApprovedLine, AuditInput, CheckConfig, CompactString, DeathList, PaidRow, PaymentId, Period,
    References, RegionCode, RegionLevel, ResidentId, TaggedExclusions, run_checks,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// People paid; each is on 1 or 2 projects for 3 months: about 4 rows a person.
const PEOPLE: u64 = 2_500_000;
const COUNTIES: u64 = 200;
const TOWNSHIPS_PER_COUNTY: u64 = 10;
const TOWNSHIPS: u64 = COUNTIES * TOWNSHIPS_PER_COUNTY;
const PROJECTS: [&str; 5] = ["CXJMYL", "GLJT", "KNCJR", "ZDCJR", "NCDB"];
/// Reference entries in all (deaths and exclusions).
const REFERENCES: u64 = 1_000_000;
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "包", "白",
];
const GIVEN: [&str; 12] = [
    "秀英",
    "建国",
    "桂兰",
    "德胜",
    "巴特尔",
    "其其格",
    "玉兰",
    "振华",
    "乌云",
    "长林",
    "淑珍",
    "宝音",
];

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn county_code(county: u64) -> String {
    format!("15{:02}{:02}", 1 + county / 20, 1 + county % 20)
}

fn township_of(person: u64) -> u64 {
    // Contiguous blocks: a township's people are neighbours, as on a roster.
    person * TOWNSHIPS / PEOPLE.max(1)
}

/// The ID of person `n`: area of the township's county, a birth date from 1930 on
/// and a sequence number, so that every `n` below 20,000,000 gives its own ID.
fn resident_id(n: u64, area: &str) -> Fallible<ResidentId> {
    let birth = date!(1930 - 01 - 01) + time::Duration::days((n % 20_000) as i64);
    let sequence = (n / 20_000) % 1_000;
    let first17 = format!(
        "{area}{:04}{:02}{:02}{sequence:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day()
    );
    let check = ResidentId::check_character(first17.as_bytes()).ok_or("bad id digits")?;
    Ok(ResidentId::parse_as_of(
        &format!("{first17}{check}"),
        date!(2026 - 12 - 01),
    )?)
}

fn name_of(person: u64) -> CompactString {
    let h = splitmix(person ^ 0x4E41_4D45);
    let surname = SURNAMES[(h % SURNAMES.len() as u64) as usize];
    let given = GIVEN[((h >> 8) % GIVEN.len() as u64) as usize];
    format!("{surname}{given}").as_str().into()
}

fn account_of(person: u64) -> CompactString {
    format!(
        "6217{:015}",
        splitmix(person ^ 0xACC7) % 1_000_000_000_000_000
    )
    .as_str()
    .into()
}

/// The projects of a person: a primary one, and for a third of people the next one.
/// The pair (project 0, project 2) therefore never occurs but by injection.
fn projects_of(person: u64, h: u64) -> Vec<usize> {
    let primary = (person % PROJECTS.len() as u64) as usize;
    let mut projects = vec![primary];
    if person % 3 == 0 {
        projects.push((primary + 1) % PROJECTS.len());
    }
    // 0.1% of people: paid two projects that exclude each other.
    if h % 1000 == 997 && primary == 0 && !projects.contains(&2) {
        projects.push(2);
    }
    projects
}

struct Built {
    input: AuditInput,
    references: References,
    config: CheckConfig,
    /// The same references as lists, for the tables the Python bench reads.
    deaths: Vec<(ResidentId, time::Date)>,
    tags: Vec<(ResidentId, &'static str)>,
}

#[allow(clippy::too_many_lines)]
fn build() -> Fallible<Built> {
    let periods = [
        (Period::month(2026, 9)?, date!(2026 - 09 - 07)),
        (Period::month(2026, 10)?, date!(2026 - 10 - 12)),
        (Period::month(2026, 11)?, date!(2026 - 11 - 06)),
    ];
    let projects: Vec<Arc<str>> = PROJECTS.iter().map(|p| Arc::from(*p)).collect();
    let mut townships = Vec::with_capacity(TOWNSHIPS as usize);
    let mut counties = Vec::with_capacity(TOWNSHIPS as usize);
    let mut areas = Vec::with_capacity(TOWNSHIPS as usize);
    for t in 0..TOWNSHIPS {
        let county = county_code(t / TOWNSHIPS_PER_COUNTY);
        let code = RegionCode::parse(&format!("{county}{:03}", 100 + t % TOWNSHIPS_PER_COUNTY))?;
        townships.push(code);
        counties.push(code.truncate(RegionLevel::County));
        areas.push(county);
    }
    // Shared ids: one roster per township, project and period, one batch per county,
    // project and period.
    let key = |t: u64, project: usize, period: usize| {
        (t as usize * PROJECTS.len() + project) * periods.len() + period
    };
    let mut rosters: Vec<Arc<str>> = Vec::with_capacity(townships.len() * 15);
    let mut batches: Vec<Arc<str>> = Vec::with_capacity(townships.len() * 15);
    for (t, township) in townships.iter().enumerate() {
        for project in PROJECTS {
            for (period, _) in &periods {
                rosters.push(Arc::from(format!(
                    "{project}-{period}-{}",
                    township.to_short_string()
                )));
                let county = &areas[t];
                batches.push(Arc::from(format!("{project}-{period}-{county}-NMNX-01")));
            }
        }
    }

    let ids: Vec<ResidentId> = (0..PEOPLE)
        .map(|p| resident_id(p, &areas[township_of(p) as usize]))
        .collect::<Fallible<_>>()?;
    let mut rows: Vec<PaidRow> = Vec::with_capacity((PEOPLE * 41 / 10) as usize);
    let mut line_no = vec![0u32; rosters.len()];
    for (period_index, &(period, deadline)) in periods.iter().enumerate() {
        for p in 0..PEOPLE {
            let h = splitmix(p);
            let t = township_of(p);
            let township = townships[t as usize];
            let household = p / 3; // about three people a household on the rosters
            let household_id: CompactString =
                format!("{}-{:05}", township.to_short_string(), household % 100_000)
                    .as_str()
                    .into();
            let name = name_of(p);
            let own_account = account_of(p);
            for project in projects_of(p, h) {
                let r = splitmix(h ^ ((project as u64) << 40) ^ ((period_index as u64) << 48));
                let k = key(t, project, period_index);
                line_no[k] += 1;
                let amount_fen = 17_300 + 10_000 * project as i64;
                let mut account = own_account.clone();
                let mut holder_name = name.clone();
                let mut settled_on = Some(deadline - time::Duration::days(2));
                let mut entitled_fen = Some(amount_fen);
                let mut ineligible = None;
                let mut approved_amount = amount_fen;
                let mut duplicate = false;
                // About 1% of rows: one of seven row anomalies (deaths, exclusions and
                // exclusive projects are by person).
                match r % 1000 {
                    0 | 1 => duplicate = true,
                    2 => settled_on = Some(deadline + time::Duration::days(3)),
                    3 | 4 => settled_on = None,
                    5 => entitled_fen = Some(amount_fen - 1_000),
                    6 => approved_amount = amount_fen - 500,
                    7 => holder_name = name_of(p + 7),
                    8 => account = account_of(p + 30), // another household's card
                    9 => ineligible = Some("已领取职工养老金".to_owned()),
                    _ => {}
                }
                let payment_id = PaymentId::from_bytes(
                    (u128::from(splitmix(r)) << 64 | u128::from(splitmix(r ^ 1))).to_be_bytes(),
                );
                let row = PaidRow {
                    payment_id,
                    attempt: 1,
                    beneficiary: ids[p as usize],
                    payee: ids[p as usize],
                    household_id: household_id.clone(),
                    registered_name: name.clone(),
                    holder_name,
                    account: account.clone(),
                    project: Arc::clone(&projects[project]),
                    period,
                    township,
                    county: counties[t as usize],
                    batch_id: Some(Arc::clone(&batches[k])),
                    amount_fen,
                    entitled_fen,
                    recovered_fen: 0,
                    settled_on,
                    counted: settled_on.is_some(),
                    deadline: Some(deadline),
                    on_hold: false,
                    ineligible,
                    approved: Some(ApprovedLine {
                        roster_id: Arc::clone(&rosters[k]),
                        line_no: line_no[k],
                        payee: ids[p as usize],
                        account,
                        amount_fen: approved_amount,
                    }),
                };
                if duplicate {
                    // Listed again on a second line of the roster, and paid again.
                    let mut again = row.clone();
                    line_no[k] += 1;
                    again.payment_id = PaymentId::from_bytes(
                        (u128::from(splitmix(r ^ 2)) << 64 | u128::from(splitmix(r ^ 3)))
                            .to_be_bytes(),
                    );
                    if let Some(line) = again.approved.as_mut() {
                        line.line_no = line_no[k];
                    }
                    rows.push(again);
                }
                rows.push(row);
            }
        }
    }

    // References: 0.2% of the people paid died (in September) and 0.2% are public
    // employees; the rest of the million are people paid nothing, people who died
    // after the last period began, and tags of projects not paid here.
    let mut deaths = DeathList::new();
    let mut exclusions = TaggedExclusions::new();
    exclusions.exclude("public_employee", ["CXJMYL", "NCDB"]);
    exclusions.exclude("village_cadre", ["GDDLBH"]);
    exclusions.exclude("no_rule_tag", Vec::<String>::new());
    let mut death_list = Vec::new();
    let mut tags = Vec::new();
    let mut entries = 0u64;
    for p in 0..PEOPLE {
        let h = splitmix(p ^ 0xDEAD);
        let id = ids[p as usize];
        match h % 1000 {
            0 | 1 => death_list.push((id, date!(2026 - 09 - 15))),
            2 | 3 => tags.push((id, "public_employee")),
            4..=60 => death_list.push((id, date!(2026 - 11 - 20))),
            61..=120 => tags.push((id, "village_cadre")),
            _ => continue,
        }
        entries += 1;
    }
    let mut stranger = PEOPLE;
    while entries < REFERENCES {
        let id = resident_id(stranger, &areas[(stranger % TOWNSHIPS) as usize])?;
        if stranger % 2 == 0 {
            death_list.push((id, date!(2025 - 06 - 01)));
        } else {
            tags.push((id, "public_employee"));
        }
        stranger += 1;
        entries += 1;
    }
    for &(id, died_on) in &death_list {
        deaths.insert(id, died_on);
    }
    for &(id, tag) in &tags {
        exclusions.tag(id, tag);
    }
    let config = CheckConfig::new(date!(2026 - 12 - 01)).with_exclusive_pair("CXJMYL", "KNCJR");
    Ok(Built {
        input: AuditInput::from_rows(rows),
        references: References { deaths, exclusions },
        config,
        deaths: death_list,
        tags,
    })
}

fn checks(c: &mut Criterion) {
    let started = Instant::now();
    let built = match build() {
        Ok(built) => built,
        Err(err) => {
            eprintln!("cannot set up the bench: {err}");
            return;
        }
    };
    let rows = built.input.rows.len();
    eprintln!(
        "built {rows} rows ({} bytes each) and {} deaths in {:.1?}",
        std::mem::size_of::<PaidRow>(),
        built.references.deaths.len(),
        started.elapsed()
    );
    // One run outside criterion, to show what is found.
    let started = Instant::now();
    let report = run_checks(&built.input, &built.references, &built.config);
    let took = started.elapsed();
    eprintln!(
        "one run: {took:.2?} ({:.2} M rows/s), {} findings",
        rows as f64 / took.as_secs_f64() / 1e6,
        report.findings.len()
    );
    for tally in &report.by_check {
        eprintln!("  {:?}: {}", tally.check, tally.findings);
    }
    drop(report);

    let mut group = c.benchmark_group("checks");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(100));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("run_checks_10m", |b| {
        b.iter(|| {
            black_box(run_checks(
                black_box(&built.input),
                &built.references,
                &built.config,
            ))
        })
    });

    // What the Python binding does with a table handed over through the Arrow C
    // stream interface (which itself copies nothing): read the rows, then check.
    let rows = built.input.rows.len();
    let batch = match yikatong::formats::audit_rows_to_arrow(&built.input.rows) {
        Ok(batch) => batch,
        Err(err) => {
            eprintln!("cannot build the Arrow table: {err}");
            return;
        }
    };
    if let Some(dir) = std::env::var_os("YIKATONG_BENCH_TABLES") {
        match write_tables(std::path::Path::new(&dir), &batch, &built) {
            Ok(()) => eprintln!("wrote the tables to {}", dir.to_string_lossy()),
            Err(err) => eprintln!("cannot write the tables: {err}"),
        }
    }
    let Built {
        input,
        references,
        config,
        ..
    } = built;
    drop(input);
    let started = Instant::now();
    match yikatong::formats::audit_rows_from_arrow(&batch, 1) {
        Ok(read) => eprintln!(
            "read {} rows from Arrow in {:.2?}",
            read.len(),
            started.elapsed()
        ),
        Err(err) => eprintln!("cannot read the Arrow table: {err}"),
    }
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("from_arrow_and_run_checks_10m", |b| {
        b.iter(|| {
            let rows =
                yikatong::formats::audit_rows_from_arrow(black_box(&batch), 1).unwrap_or_default();
            black_box(run_checks(
                &AuditInput::from_rows(rows),
                &references,
                &config,
            ))
        })
    });
    group.finish();
}

/// The rows and references as Arrow IPC files, for the Python side of the comparison
/// (benches/python/checks_from_arrow.py reads them and runs the same checks).
fn write_tables(dir: &std::path::Path, rows: &RecordBatch, built: &Built) -> Fallible<()> {
    std::fs::create_dir_all(dir)?;
    let ids = |people: &mut dyn Iterator<Item = ResidentId>| -> ArrayRef {
        Arc::new(
            people
                .map(|id| Some(id.to_string()))
                .collect::<StringArray>(),
        )
    };
    let epoch = date!(1970 - 01 - 01).to_julian_day();
    let deaths = RecordBatch::try_from_iter([
        (
            "resident_id",
            ids(&mut built.deaths.iter().map(|(id, _)| *id)),
        ),
        (
            "died_on",
            Arc::new(
                built
                    .deaths
                    .iter()
                    .map(|(_, day)| Some(day.to_julian_day() - epoch))
                    .collect::<Date32Array>(),
            ) as ArrayRef,
        ),
    ])?;
    let tags = RecordBatch::try_from_iter([
        (
            "resident_id",
            ids(&mut built.tags.iter().map(|(id, _)| *id)),
        ),
        (
            "tag",
            Arc::new(
                built
                    .tags
                    .iter()
                    .map(|(_, tag)| Some(*tag))
                    .collect::<StringArray>(),
            ) as ArrayRef,
        ),
    ])?;
    for (name, batch) in [("rows", rows), ("deaths", &deaths), ("exclusions", &tags)] {
        let file = std::fs::File::create(dir.join(format!("{name}.arrow")))?;
        let mut writer = FileWriter::try_new(std::io::BufWriter::new(file), &batch.schema())?;
        writer.write(batch)?;
        writer.finish()?;
    }
    Ok(())
}

criterion_group!(benches, checks);
criterion_main!(benches);
