//! The journal end to end: a payment cycle stored, reopened, replayed with and
//! without snapshots, verified, exported, tampered with, and queried in SQL.

mod common;

use common::{
    Fixture, ROSTER_ID, TestResult, clerk, cycle, day, finance, no_double_success, review, scratch,
};
use rusqlite::params;
use yikatong_core::{PaymentCommand, Register, ReviewCommand, ReviewStatus};
use yikatong_store::{Expected, Options, Store, StoreError, verify_jsonl};

#[test]
fn a_cycle_round_trips_through_the_file() -> TestResult {
    let fixture = Fixture::new(80)?;
    let dir = scratch("round-trip")?;
    let path = dir.join("store.db");
    let mut store = Store::open(&path)?;
    let commands = cycle(&mut store, &fixture, |_| {})?;
    assert!(commands > 10, "{commands} commands");
    assert_eq!(
        store.review(ROSTER_ID).map(|review| review.status()),
        Some(ReviewStatus::FinanceApproved)
    );
    assert!(store.ledger().batches().len() >= 2, "original and reissue");
    no_double_success(&store)?;
    let report = store.verify()?;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.count, store.head().seq);
    assert_eq!(report.head, store.head().hash_hex());

    // Reopened, with and without a snapshot, the state is the same.
    let reopened = Store::open(&path)?;
    assert_eq!(reopened.state(), store.state());
    store.snapshot()?;
    let from_snapshot = Store::open(&path)?;
    assert_eq!(from_snapshot.state(), store.state());
    let replayed = Store::open_with(
        &path,
        Options {
            use_snapshots: false,
            snapshot_every: None,
        },
    )?;
    assert_eq!(replayed.state(), store.state());

    // Running the cycle again changes nothing: every command is a retry.
    let head = store.head();
    let mut again = Store::open(&path)?;
    cycle(&mut again, &fixture, |_| {})?;
    assert_eq!(again.head(), head);
    assert_eq!(again.state(), store.state());
    Ok(())
}

#[test]
fn snapshots_taken_automatically_open_to_the_same_state() -> TestResult {
    let fixture = Fixture::new(40)?;
    let dir = scratch("auto-snapshot")?;
    let path = dir.join("store.db");
    let options = Options {
        use_snapshots: true,
        snapshot_every: Some(3),
    };
    let mut store = Store::open_with(&path, options)?;
    cycle(&mut store, &fixture, |_| {})?;
    let snapshots: i64 =
        store
            .connection()
            .query_row("SELECT COUNT(*) FROM snapshots", [], |row| row.get(0))?;
    assert_eq!(snapshots, 1, "older snapshots are replaced");
    // Events after the snapshot are replayed on top of it.
    store.save_register("register-again", Expected::Any, &Register::new())?;
    let reopened = Store::open_with(&path, options)?;
    assert_eq!(reopened.state(), store.state());
    Ok(())
}

#[test]
fn a_retry_returns_the_first_outcome_and_other_content_is_refused() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    store.save_roster("roster", Expected::NoStream, &fixture.roster)?;
    let first = store.open_review("open", Expected::NoStream, ROSTER_ID, &clerk(), day(0))?;
    assert!(!first.retried);
    let head = store.head();
    // The same command again, even with a now stale expected version.
    let again = store.open_review("open", Expected::NoStream, ROSTER_ID, &clerk(), day(0))?;
    assert!(again.retried);
    assert_eq!(
        (again.value, again.version, again.first_seq),
        (first.value, first.version, first.first_seq)
    );
    assert_eq!(store.head(), head, "nothing written");
    // The same id for other content.
    let other = store.open_review("open", Expected::Any, ROSTER_ID, &clerk(), day(1));
    assert!(
        matches!(other, Err(StoreError::CommandReused { .. })),
        "{other:?}"
    );
    let elsewhere = store.save_register("open", Expected::Any, &Register::new());
    assert!(matches!(elsewhere, Err(StoreError::CommandReused { .. })));
    // A blank id.
    let blank = store.save_register(" ", Expected::Any, &Register::new());
    assert!(matches!(blank, Err(StoreError::BlankCommandId)));
    assert_eq!(store.head(), head);
    Ok(())
}

#[test]
fn a_stale_expected_version_conflicts_and_writes_nothing() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    store.save_roster("roster", Expected::NoStream, &fixture.roster)?;
    store.open_review("open", Expected::NoStream, ROSTER_ID, &clerk(), day(0))?;
    let head = store.head();
    let state = store.state().clone();
    let stale = store.review_command(
        "start",
        Expected::Exactly(0),
        &yikatong_store::ReviewRequest {
            roster_id: ROSTER_ID,
            command: &ReviewCommand::StartPublicity { starts: None },
            actor: &clerk(),
            today: day(0),
            calendar: &fixture.calendar,
            publicity_working_days: 7,
        },
    );
    match stale {
        Err(StoreError::Conflict {
            stream,
            expected,
            actual,
        }) => {
            assert_eq!(stream, format!("review/{ROSTER_ID}"));
            assert_eq!((expected, actual), (Expected::Exactly(0), 1));
        }
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }
    assert_eq!(store.head(), head);
    assert_eq!(store.state(), &state);
    // A refused domain command writes nothing either (finance cannot start the notice).
    let refused = store.review_command(
        "start-by-finance",
        Expected::Any,
        &yikatong_store::ReviewRequest {
            roster_id: ROSTER_ID,
            command: &ReviewCommand::StartPublicity { starts: None },
            actor: &finance(),
            today: day(0),
            calendar: &fixture.calendar,
            publicity_working_days: 7,
        },
    );
    assert!(matches!(refused, Err(StoreError::Domain(_))), "{refused:?}");
    assert_eq!(store.head(), head);
    // The id of a refused command is free for the corrected command.
    review(
        &mut store,
        &fixture,
        "start-by-finance",
        &ReviewCommand::StartPublicity { starts: None },
        &clerk(),
        day(0),
    )?;
    assert_eq!(store.head().seq, head.seq + 1);
    Ok(())
}

#[test]
fn two_handles_on_one_file_see_each_other_and_the_slower_conflicts() -> TestResult {
    let dir = scratch("two-handles")?;
    let path = dir.join("store.db");
    let mut a = Store::open(&path)?;
    let mut b = Store::open(&path)?;
    a.save_register("a-1", Expected::NoStream, &Register::new())?;
    // b has not read a's event: its expectation is stale, and the store says so.
    let lost = b.save_register("b-1", Expected::NoStream, &Register::new());
    assert!(
        matches!(lost, Err(StoreError::Conflict { actual: 1, .. })),
        "{lost:?}"
    );
    assert_eq!(b.version("register"), 1, "b caught up while refusing");
    b.save_register("b-2", Expected::Exactly(1), &Register::new())?;
    assert_eq!(a.refresh()?, 1);
    assert_eq!(a.state(), b.state());
    // A retry through the other handle is still a retry.
    let retried = a.save_register("b-2", Expected::Exactly(1), &Register::new())?;
    assert!(retried.retried);
    assert!(a.verify()?.is_intact());
    Ok(())
}

#[test]
fn a_frozen_roster_cannot_be_saved_again() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    cycle(&mut store, &fixture, |_| {})?;
    let changed = store.save_roster("roster-2", Expected::Any, &fixture.roster);
    assert!(
        matches!(changed, Err(StoreError::RosterFrozen { .. })),
        "{changed:?}"
    );
    Ok(())
}

#[test]
fn a_refused_result_file_leaves_the_ledger_as_it_was() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    cycle(&mut store, &fixture, |_| {})?;
    let state = store.state().clone();
    let batch = store.ledger().batches().next().ok_or("no batch")?.clone();
    let mut answer = common::bank().answer_batch(&batch).first;
    answer.batch_id = Some("NO-SUCH-BATCH".to_owned());
    let refused = store.receive("bad-file", Expected::Any, answer, "bank", common::PAY_DAY);
    assert!(matches!(refused, Err(StoreError::Domain(_))), "{refused:?}");
    assert_eq!(store.state(), &state);
    // The same file recorded again: nothing appended, every line a repeat.
    let mut again = common::bank().answer_batch(&batch).first;
    again.batch_id = Some(batch.id.clone());
    let repeat = store.receive("same-file", Expected::Any, again, "bank", common::PAY_DAY)?;
    assert!(!repeat.value.recorded && repeat.value.report.replayed);
    assert_eq!(repeat.event_count, 0);
    assert_eq!(store.state(), &state);
    Ok(())
}

#[test]
fn a_changed_row_is_found_by_verify() -> TestResult {
    let fixture = Fixture::new(20)?;
    let dir = scratch("tamper")?;
    let path = dir.join("store.db");
    let mut store = Store::open(&path)?;
    cycle(&mut store, &fixture, |_| {})?;
    assert!(store.verify()?.is_intact());
    let count = store.head().seq;
    // Someone edits event 5's body with plain SQL.
    let raw = rusqlite::Connection::open(&path)?;
    raw.execute(
        "UPDATE events SET body = replace(body, '\"c1\"', '\"c9\"') WHERE seq = 5",
        [],
    )?;
    let report = store.verify()?;
    let broken = report.broken.ok_or("the change was not found")?;
    assert_eq!((broken.seq, report.count), (5, 4));
    // Reopening refuses the damaged journal.
    let opened = Store::open_with(
        &path,
        Options {
            use_snapshots: false,
            snapshot_every: None,
        },
    );
    assert!(
        matches!(opened, Err(StoreError::Corrupt { seq: 5, .. })),
        "{opened:?}"
    );

    // A deleted event is found too.
    let dir = scratch("delete")?;
    let path = dir.join("store.db");
    let mut store = Store::open(&path)?;
    cycle(&mut store, &fixture, |_| {})?;
    let raw = rusqlite::Connection::open(&path)?;
    raw.execute("DELETE FROM events WHERE seq = ?1", params![count - 1])?;
    let broken = store.verify()?.broken.ok_or("the deletion was not found")?;
    assert_eq!(broken.seq, count - 1);
    Ok(())
}

#[test]
fn the_jsonl_export_verifies_and_a_flipped_byte_is_found() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    cycle(&mut store, &fixture, |_| {})?;
    let mut export = Vec::new();
    let lines = store.export_jsonl(&mut export)?;
    assert_eq!(lines, store.head().seq);
    let report = verify_jsonl(export.as_slice())?;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.count, lines);
    assert_eq!(report.head, store.head().hash_hex());
    // For checking the Python verifier of docs/journal-format.md by hand.
    if let Ok(target) = std::env::var("YIKATONG_STORE_EXPORT") {
        std::fs::write(target, &export)?;
    }

    // Flip one byte inside the entry of line 3 (a digit of a date or amount).
    let text = String::from_utf8(export)?;
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    let row = &mut rows[2];
    let at = row.rfind("2026").ok_or("no date in line 3")?;
    row.replace_range(at..at + 4, "2027");
    let tampered = rows.join("\n");
    let report = verify_jsonl(tampered.as_bytes())?;
    let broken = report.broken.ok_or("the flipped byte was not found")?;
    assert_eq!(broken.seq, 3);
    // A line dropped is found as well.
    rows.remove(2);
    let report = verify_jsonl(rows.join("\n").as_bytes())?;
    assert_eq!(report.broken.map(|broken| broken.seq), Some(3));
    Ok(())
}

#[test]
fn read_models_answer_plain_sql() -> TestResult {
    let fixture = Fixture::new(60)?;
    let dir = scratch("sql")?;
    let path = dir.join("store.db");
    let mut store = Store::open(&path)?;
    cycle(&mut store, &fixture, |_| {})?;
    // An analyst's own connection, as sqlite3 or pandas would open it.
    let sql = rusqlite::Connection::open(&path)?;
    let (status, lines, total_fen): (String, i64, i64) = sql.query_row(
        "SELECT review_status, line_count, total_fen FROM rosters WHERE roster_id = ?1",
        params![ROSTER_ID],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    assert_eq!(status, "finance_approved");
    assert_eq!(lines, fixture.roster.lines().len() as i64);
    assert_eq!(total_fen, fixture.roster.total()?.to_fen());
    let line_sum: i64 = sql.query_row(
        "SELECT SUM(amount_fen) FROM roster_lines WHERE roster_id = ?1",
        params![ROSTER_ID],
        |row| row.get(0),
    )?;
    assert_eq!(line_sum, total_fen);

    // Every batch balances: instructed = settled + failed + pending.
    let unbalanced: i64 = sql.query_row(
        "SELECT COUNT(*) FROM batches WHERE instructed != settled + failed + pending \
         OR instructed_fen != settled_fen + failed_fen + pending_fen",
        [],
        |row| row.get(0),
    )?;
    assert_eq!(unbalanced, 0);
    // One counted success per paid line, and it matches the ledger.
    let counted: i64 = sql.query_row(
        "SELECT COUNT(*) FROM payments WHERE counted = 1",
        [],
        |row| row.get(0),
    )?;
    let ledger = store.ledger();
    let paid = ledger
        .batches()
        .flat_map(|batch| batch.instructions.iter())
        .filter(|line| ledger.counted_attempt(&line.payment_id) == Some(line.attempt))
        .count();
    assert_eq!(counted, paid as i64);
    // Reissued payments: attempt 1 not paid, attempt 2 settled and counted.
    let reissued: i64 = sql.query_row(
        "SELECT COUNT(*) FROM payments p1 JOIN payments p2 ON p1.payment_id = p2.payment_id \
         WHERE p1.attempt = 1 AND p1.status = 'not_paid' AND p2.attempt = 2 \
         AND p2.status = 'settled' AND p2.counted = 1",
        [],
        |row| row.get(0),
    )?;
    assert!(reissued > 0);
    // Result lines: one row per line received; failures carry their reason.
    let (results, failed_without_reason): (i64, i64) = sql.query_row(
        "SELECT COUNT(*), SUM(status = 'failed' AND reason IS NULL) FROM results",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let received: usize = store
        .stream_events("payments")?
        .iter()
        .map(|envelope| match &envelope.entry {
            yikatong_store::Entry::Payment { event } => match &event.change {
                yikatong_core::PaymentChange::ResultsReceived { bank_return } => {
                    bank_return.results.len()
                }
                _ => 0,
            },
            _ => 0,
        })
        .sum();
    assert_eq!(results, received as i64);
    assert_eq!(failed_without_reason, 0);
    // The correction queue is empty after the reissue settled.
    let queued: i64 = sql.query_row(
        "SELECT COUNT(*) FROM corrections WHERE status IN ('open', 'ready')",
        [],
        |row| row.get(0),
    )?;
    assert_eq!(queued, 0);
    Ok(())
}

#[test]
fn findings_of_an_adversarial_bank_are_rows() -> TestResult {
    let fixture = Fixture::new(60)?;
    let mut store = Store::open_in_memory()?;
    store.save_register("register", Expected::Any, &fixture.town.register)?;
    store.save_roster("roster", Expected::Any, &fixture.roster)?;
    store.open_review("open", Expected::Any, ROSTER_ID, &clerk(), day(0))?;
    let steps = [
        (ReviewCommand::StartPublicity { starts: None }, clerk(), 0),
        (ReviewCommand::Submit, clerk(), 14),
        (ReviewCommand::DepartmentApprove, common::reviewer(), 15),
        (ReviewCommand::FinanceApprove, finance(), 16),
    ];
    for (i, (command, actor, offset)) in steps.iter().enumerate() {
        review(
            &mut store,
            &fixture,
            &format!("r{i}"),
            command,
            actor,
            day(*offset),
        )?;
    }
    let prepared = store.prepare_batches(
        "prepare",
        Expected::Any,
        &fixture.plan(),
        &[ROSTER_ID],
        "f1",
    )?;
    let batch_id = prepared.value.batch_ids.first().ok_or("no batch")?.clone();
    store.payment_command(
        "export",
        Expected::Any,
        PaymentCommand::Export {
            batch_id: batch_id.clone(),
            file_name: "f.txt".to_owned(),
            sha256: common::sha_hex("f"),
        },
        "f1",
        common::PAY_DAY,
    )?;
    let batch = store.ledger().batch(&batch_id).ok_or("no batch")?;
    let bank = yikatong_testkit::BankSimulator::new(3)
        .with_adversity(yikatong_testkit::Adversity::UnknownExtraLines)
        .with_adversity(yikatong_testkit::Adversity::DuplicateLines)
        .with_adversity_per_mille(200);
    let mut answer = bank.answer_batch(batch).first;
    answer.batch_id = Some(batch_id);
    let lines = answer.results.len() as u64;
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |step: &str, done: u64, total: u64| {
        if let Ok(mut seen) = seen.lock() {
            seen.push((step.to_owned(), done, total));
        }
    };
    let received = store.receive_with_progress(
        "results",
        Expected::Any,
        answer,
        "bank",
        common::PAY_DAY,
        &record,
    )?;
    // Progress: every result line recorded, then every payment they touched.
    let seen = seen.into_inner().unwrap_or_default();
    let last = |step: &str| {
        seen.iter()
            .rev()
            .find(|(s, _, _)| s == step)
            .map(|(_, d, t)| (*d, *t))
    };
    assert_eq!(last("recording results"), Some((lines, lines)), "{seen:?}");
    let (updated, payments) = last("updating payments").ok_or("no payment progress")?;
    assert!(updated == payments && payments > 0, "{seen:?}");
    let findings = received.value.report.findings.len() as i64;
    assert!(findings > 0);
    let rows: i64 = store.connection().query_row(
        "SELECT COUNT(*) FROM findings WHERE seq = ?1",
        params![received.first_seq],
        |row| row.get(0),
    )?;
    assert_eq!(rows, findings);
    // The retry returns the stored report.
    let batch = store.ledger().batches().next().ok_or("no batch")?;
    let mut answer = bank.answer_batch(batch).first;
    answer.batch_id = Some(batch.id.clone());
    let retried = store.receive("results", Expected::Any, answer, "bank", common::PAY_DAY)?;
    assert!(retried.retried);
    assert_eq!(retried.value, received.value);
    Ok(())
}

#[test]
fn a_file_from_a_newer_library_is_refused() -> TestResult {
    let dir = scratch("schema")?;
    let path = dir.join("store.db");
    drop(Store::open(&path)?);
    let raw = rusqlite::Connection::open(&path)?;
    raw.pragma_update(None, "user_version", yikatong_store::SCHEMA_VERSION + 1)?;
    drop(raw);
    let opened = Store::open(&path);
    assert!(
        matches!(opened, Err(StoreError::SchemaVersion { .. })),
        "{opened:?}"
    );
    Ok(())
}

#[test]
fn a_supplementary_roster_is_reviewed_against_the_frozen_one() -> TestResult {
    let fixture = Fixture::new(20)?;
    let mut store = Store::open_in_memory()?;
    store.save_roster("roster", Expected::NoStream, &fixture.roster)?;
    store.open_review("open", Expected::NoStream, ROSTER_ID, &clerk(), day(0))?;
    // Not frozen yet: no supplement.
    let early = store.open_supplementary_review(
        "open-supplement",
        Expected::Any,
        ROSTER_ID,
        ROSTER_ID,
        &clerk(),
        day(0),
    );
    assert!(
        matches!(early, Err(StoreError::ReviewExists { .. })),
        "{early:?}"
    );
    let steps = [
        (ReviewCommand::StartPublicity { starts: None }, clerk(), 0),
        (ReviewCommand::Submit, clerk(), 14),
        (ReviewCommand::DepartmentApprove, common::reviewer(), 15),
        (ReviewCommand::FinanceApprove, finance(), 16),
    ];
    for (i, (command, actor, offset)) in steps.iter().enumerate() {
        review(
            &mut store,
            &fixture,
            &format!("r{i}"),
            command,
            actor,
            day(*offset),
        )?;
    }
    // The supplement is a roster of its own id, reviewed against the frozen hash.
    let supplement = Fixture::with_roster_id(3, "CYSTBH-CXPH-2026-T1-S1")?;
    store.save_roster("supplement", Expected::NoStream, &supplement.roster)?;
    let opened = store.open_supplementary_review(
        "open-supplement",
        Expected::NoStream,
        "CYSTBH-CXPH-2026-T1-S1",
        ROSTER_ID,
        &clerk(),
        day(20),
    )?;
    assert_eq!(opened.version, 1);
    let frozen = fixture.roster.content_hash();
    assert_eq!(
        store
            .review("CYSTBH-CXPH-2026-T1-S1")
            .and_then(|review| review.supplements()),
        Some(frozen.as_str())
    );
    let unknown = store.open_supplementary_review(
        "open-supplement-2",
        Expected::NoStream,
        "NO-SUCH-ROSTER",
        ROSTER_ID,
        &clerk(),
        day(20),
    );
    assert!(
        matches!(unknown, Err(StoreError::UnknownRoster { .. })),
        "{unknown:?}"
    );
    Ok(())
}
