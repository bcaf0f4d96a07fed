//! The main job's cycle, small: every invariant holds at the end, the files it
//! names exist, and a second run on the same store changes nothing.

#[path = "../examples/disbursement_cycle/cycle.rs"]
#[allow(dead_code)]
mod cycle;

use cycle::{CycleOptions, run};
use yikatong::store::Store;

#[test]
fn the_disbursement_cycle_runs_end_to_end_and_again_changes_nothing()
-> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::temp_dir().join(format!("yikatong-cycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let options = CycleOptions {
        prefecture: "赤峰市".to_owned(),
        beneficiaries: 2_000,
        seed: 7,
        out: out.clone(),
        progress: false,
    };
    let first = run(&options)?;
    assert_eq!(first.townships, 197);
    assert!(first.lines > 500, "{} lines", first.lines);
    // The injected anomalies are refused at intake.
    assert!(first.refused.get("deceased").copied().unwrap_or(0) > 0);
    assert!(first.objections > 0);
    // Money: nothing paid twice, every batch balances, most paid, the rest queued.
    assert_eq!(first.paid_twice, 0);
    assert!(first.unbalanced.is_empty(), "{:?}", first.unbalanced);
    let count = |label: &str| {
        first
            .states
            .iter()
            .find(|row| row.label.starts_with(label))
            .map_or(0, |row| row.count)
    };
    let (instructed, paid, queued) = (
        count("payments instructed"),
        count("paid"),
        count("in the correction queue"),
    );
    assert_eq!(instructed, paid + queued + count("cancelled"));
    assert!(paid * 10 > instructed * 9, "{paid} of {instructed} paid");
    assert!(!first.failures.is_empty(), "the bank fails some lines");
    assert!(first.chain_intact && first.export_intact);
    // Every paid payment is disclosed and notified; the auditor finds the unpaid
    // ones still queued after the deadline and the injected wrong holder names.
    assert_eq!(first.disclosed as u64, paid);
    assert_eq!(first.notices, (paid as usize, 0));
    let audit = |check: &str| {
        first
            .audit
            .iter()
            .find(|row| row.label.contains(check))
            .map_or(0, |row| row.count)
    };
    assert_eq!(audit("MissedPayment"), queued);
    assert!(audit("HolderName") > 0);
    assert_eq!(first.retried_commands, 0);
    for path in &first.files {
        assert!(
            path.exists(),
            "{} was listed but not written",
            path.display()
        );
    }
    assert!(
        first
            .files
            .iter()
            .any(|path| path.extension() == Some("xml".as_ref()))
    );
    assert!(
        first
            .files
            .iter()
            .any(|path| path.ends_with("journal.jsonl"))
    );

    // The store holds what the summary says.
    let state = Store::open(out.join("yikatong.sqlite"))?.state().clone();

    // Again on the same store: every command answers from the journal.
    let second = run(&options)?;
    assert!(
        second.retried_commands > 1_000,
        "{}",
        second.retried_commands
    );
    assert_eq!(second.journal_events, first.journal_events);
    assert_eq!(second.states, first.states);
    assert_eq!(second.failures, first.failures);
    assert_eq!(Store::open(out.join("yikatong.sqlite"))?.state(), &state);
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}
