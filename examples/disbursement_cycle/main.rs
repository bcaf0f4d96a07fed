//! The main job: one month's subsidy payments for a whole prefecture, end to end,
//! on an embedded SQLite store.
//!
//! ```text
//! cargo run --release --example disbursement_cycle -- [--prefecture 赤峰市]
//!     [--beneficiaries 50000] [--seed 2026] [--out target/disbursement] [--quiet]
//! ```

mod cycle;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cycle::{CycleOptions, CycleSummary, Row, run, yuan};

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            eprintln!(
                "usage: disbursement_cycle [--prefecture 赤峰市] [--beneficiaries 50000] \
                 [--seed 2026] [--out target/disbursement] [--quiet]"
            );
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match run(&options) {
        Ok(summary) => {
            print_summary(&options, &summary, started.elapsed().as_secs_f64());
            if summary.paid_twice == 0
                && summary.unbalanced.is_empty()
                && summary.chain_intact
                && summary.export_intact
            {
                ExitCode::SUCCESS
            } else {
                eprintln!("an invariant does not hold: see above");
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("the cycle stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<CycleOptions, String> {
    let mut options = CycleOptions {
        prefecture: "赤峰市".to_owned(),
        beneficiaries: 50_000,
        seed: 2026,
        out: PathBuf::from("target/disbursement"),
        progress: true,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--prefecture" => options.prefecture = value()?,
            "--beneficiaries" => {
                let text = value()?;
                options.beneficiaries = text
                    .parse()
                    .map_err(|_| format!("--beneficiaries: {text:?} is not a whole number"))?;
            }
            "--seed" => {
                let text = value()?;
                options.seed = text
                    .parse()
                    .map_err(|_| format!("--seed: {text:?} is not a whole number"))?;
            }
            "--out" => options.out = PathBuf::from(value()?),
            "--quiet" => options.progress = false,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(options)
}

fn table(title: &str, rows: &[Row]) {
    println!("\n{title}");
    for row in rows {
        println!(
            "  {:<34} {:>9}  {:>18}",
            row.label,
            row.count,
            yuan(row.fen)
        );
    }
}

fn print_summary(options: &CycleOptions, summary: &CycleSummary, seconds: f64) {
    println!(
        "\n{}: {} people in {} townships; {} rosters, {} lines (3 projects, 2026-11)",
        options.prefecture, summary.people, summary.townships, summary.rosters, summary.lines
    );
    if !summary.refused.is_empty() {
        let refused: Vec<String> = summary
            .refused
            .iter()
            .map(|(rule, count)| format!("{rule} {count}"))
            .collect();
        println!("lines refused at intake: {}", refused.join(", "));
    }
    println!(
        "objections during the notice: {} (investigated and dismissed)",
        summary.objections
    );
    println!("batches: {}", summary.batches);
    table(
        "payments                               count               yuan",
        &summary.states,
    );
    table("first-round failures by reason", &summary.failures);
    table("result lines by reconciliation class", &summary.classes);
    let (on_time, settled) = summary.on_time;
    let rate = if settled == 0 {
        0.0
    } else {
        100.0 * on_time as f64 / settled as f64
    };
    println!("\non time: {on_time} of {settled} settled payments ({rate:.1}%)");
    println!(
        "disclosed: {} masked rows in the daily feeds; notices: {} signed (verified), {} SMS \
         over 70 characters",
        summary.disclosed, summary.notices.0, summary.notices.1
    );
    table("audit findings (as of 2026-11-20)", &summary.audit);
    println!(
        "paid twice: {}; unbalanced batches: {}",
        summary.paid_twice,
        summary.unbalanced.len()
    );
    println!(
        "journal: {} events, chain {}, export {}",
        summary.journal_events,
        if summary.chain_intact {
            "intact"
        } else {
            "BROKEN"
        },
        if summary.export_intact {
            "verifies"
        } else {
            "DOES NOT VERIFY"
        }
    );
    if summary.retried_commands > 0 {
        println!(
            "{} commands were already in the store and returned their first outcome",
            summary.retried_commands
        );
    }
    // Every path is in files.txt; here, each folder with its files' names.
    println!(
        "\nfiles written ({}, listed in files.txt):",
        summary.files.len()
    );
    let mut folders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in &summary.files {
        let folder = path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        folders.entry(folder).or_default().push(name);
    }
    for (folder, names) in folders {
        if names.len() <= 6 {
            println!("  {folder}/: {}", names.join(", "));
        } else {
            println!(
                "  {folder}/: {} files ({}, {}, …, {})",
                names.len(),
                names[0],
                names[1],
                names[names.len() - 1]
            );
        }
    }
    println!("\ndone in {seconds:.1} s");
}
