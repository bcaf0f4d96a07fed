//! Shared test support: a small township, its approved-to-be roster, a deterministic
//! payment cycle with fixed command ids, and scratch directories.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use time::Date;
use time::macros::date;
use yikatong_core::{
    Actor, BatchPlan, HeldProjects, IntakeMode, Payer, PaymentCommand, Period, PolicyCatalog,
    RegionLevel, ResultStatus, ReviewCommand, Role, Roster, RosterHeader, SubsidyProject,
    WorkCalendar,
};
use yikatong_formats::{ReadOptions, read_roster};
use yikatong_store::{Expected, Store, StoreError};
use yikatong_testkit::BankSimulator;
use yikatong_testkit::population::{Township, TownshipSpec};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Error = Box<dyn std::error::Error>;

pub const ROSTER_ID: &str = "CYSTBH-CXPH-2026-T1";
pub const OPENED: Date = date!(2026 - 03 - 02);
pub const PAY_DAY: Date = date!(2026 - 03 - 20);

/// A township, its register, its roster and what batches need.
pub struct Fixture {
    pub town: Township,
    pub project: SubsidyProject,
    pub roster: Roster,
    pub payers: BTreeMap<yikatong_core::RegionCode, Payer>,
    pub calendar: WorkCalendar,
}

impl Fixture {
    pub fn new(households: usize) -> Result<Fixture, Error> {
        Fixture::with_roster_id(households, ROSTER_ID)
    }

    pub fn with_roster_id(households: usize, roster_id: &str) -> Result<Fixture, Error> {
        let town = Township::generate(&TownshipSpec {
            households,
            max_members: 1,
            ..TownshipSpec::default()
        })?;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/policies/cystbh.json"
        );
        let text = std::fs::read_to_string(path)?;
        let catalog = PolicyCatalog::from_json("cystbh.json", &text)?;
        let project = catalog
            .project("CYSTBH-CXPH")
            .ok_or("no project CYSTBH-CXPH")?
            .clone();
        let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
        let header =
            RosterHeader::new(roster_id, "CYSTBH-CXPH", Period::year(2026)?, town.township);
        let (roster, _) = Roster::intake(
            header,
            &file.records,
            &town.register,
            &catalog,
            &HeldProjects::new(),
            IntakeMode::Lenient,
            OPENED,
        )?;
        let payers = BTreeMap::from([(
            town.township.truncate(RegionLevel::County),
            Payer {
                unit_code: "CZ150422".into(),
                name: "巴林左旗财政局".into(),
                account: "15050000000000000001".into(),
            },
        )]);
        Ok(Fixture {
            town,
            project,
            roster,
            payers,
            calendar: WorkCalendar::weekdays_only(),
        })
    }

    pub fn plan(&self) -> BatchPlan<'_> {
        BatchPlan {
            project: &self.project,
            payers: &self.payers,
            agreements: self.town.register.agreements(),
            calendar: &self.calendar,
            prepared_on: PAY_DAY,
            lead_working_days: 1,
        }
    }
}

pub fn clerk() -> Actor {
    Actor::new("c1", "乌云", Role::TownshipClerk)
}

pub fn reviewer() -> Actor {
    Actor::new("r1", "张三", Role::DepartmentReviewer)
}

pub fn finance() -> Actor {
    Actor::new("f1", "李四", Role::FinanceOfficer)
}

pub fn day(offset: i64) -> Date {
    OPENED.saturating_add(time::Duration::days(offset))
}

pub fn sha_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One review command of the cycle.
pub fn review(
    store: &mut Store,
    fixture: &Fixture,
    id: &str,
    command: &ReviewCommand,
    actor: &Actor,
    today: Date,
) -> Result<(), StoreError> {
    store.review_command(
        id,
        Expected::Any,
        &yikatong_store::ReviewRequest {
            roster_id: ROSTER_ID,
            command,
            actor,
            today,
            calendar: &fixture.calendar,
            publicity_working_days: 7,
        },
    )?;
    Ok(())
}

/// The bank of the cycle: fails one line in eight.
pub fn bank() -> BankSimulator {
    BankSimulator::new(7).with_failure_per_mille(125)
}

/// The whole cycle with fixed command ids: register, roster, review to finance
/// approval, batches, export, results, corrections, reissue, its results. Calls
/// `after` after each command; a command committed before returns its stored
/// outcome, so a restarted run continues where the last one stopped.
pub fn cycle(
    store: &mut Store,
    fixture: &Fixture,
    mut after: impl FnMut(&Store),
) -> Result<u64, Error> {
    let mut commands = 0u64;
    let mut step = |store: &Store| {
        commands += 1;
        after(store);
    };
    store.save_register("register", Expected::Any, &fixture.town.register)?;
    step(store);
    store.save_roster("roster", Expected::NoStream, &fixture.roster)?;
    step(store);
    store.open_review(
        "review-open",
        Expected::NoStream,
        ROSTER_ID,
        &clerk(),
        OPENED,
    )?;
    step(store);
    let start = ReviewCommand::StartPublicity { starts: None };
    review(store, fixture, "review-start", &start, &clerk(), day(0))?;
    step(store);
    review(
        store,
        fixture,
        "review-submit",
        &ReviewCommand::Submit,
        &clerk(),
        day(14),
    )?;
    step(store);
    let approve = ReviewCommand::DepartmentApprove;
    review(
        store,
        fixture,
        "review-department",
        &approve,
        &reviewer(),
        day(15),
    )?;
    step(store);
    let approve = ReviewCommand::FinanceApprove;
    review(
        store,
        fixture,
        "review-finance",
        &approve,
        &finance(),
        day(16),
    )?;
    step(store);
    let plan = fixture.plan();
    let prepared = store.prepare_batches("prepare", Expected::Any, &plan, &[ROSTER_ID], "f1")?;
    step(store);
    pay(store, &prepared.value.batch_ids, "", &mut step)?;
    // The township corrects each account that failed in the first round. The list
    // comes from the bank's (deterministic) answers, not from the current state, so
    // that a restarted run gives the same commands.
    let mut failed = Vec::new();
    for batch_id in &prepared.value.batch_ids {
        let batch = store.ledger().batch(batch_id).ok_or("no batch")?;
        for result in bank().answer_batch(batch).first.results {
            if matches!(result.status, ResultStatus::Failed { .. }) {
                let line = batch
                    .instructions
                    .iter()
                    .find(|line| line.payment_id == result.reference.payment_id)
                    .ok_or("a result for no line")?;
                failed.push((line.payment_id, line.account.clone()));
            }
        }
    }
    for (payment_id, mut account) in failed {
        account.holder_name = format!("{}（更正）", account.holder_name).as_str().into();
        store.payment_command(
            &format!("correct-{payment_id}"),
            Expected::Any,
            PaymentCommand::CorrectAccount {
                payment_id,
                account,
            },
            "c1",
            PAY_DAY,
        )?;
        step(store);
    }
    let reissue = store.prepare_reissue("reissue", Expected::Any, &plan, "f1")?;
    step(store);
    pay(store, &reissue.value.batch_ids, "reissue-", &mut step)?;
    Ok(commands)
}

fn pay(
    store: &mut Store,
    batch_ids: &[String],
    prefix: &str,
    step: &mut impl FnMut(&Store),
) -> Result<(), Error> {
    for batch_id in batch_ids {
        store.payment_command(
            &format!("{prefix}export-{batch_id}"),
            Expected::Any,
            PaymentCommand::Export {
                batch_id: batch_id.clone(),
                file_name: format!("{batch_id}.txt"),
                sha256: sha_hex(batch_id),
            },
            "f1",
            PAY_DAY,
        )?;
        step(store);
        let batch = store.ledger().batch(batch_id).ok_or("no batch")?;
        let mut answer = bank().answer_batch(batch).first;
        answer.batch_id = Some(batch_id.clone());
        store.receive(
            &format!("{prefix}receive-{batch_id}"),
            Expected::Any,
            answer,
            "bank",
            PAY_DAY,
        )?;
        step(store);
    }
    Ok(())
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("yikatong-store-{name}-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// No payment id has two counted successes, in the ledger and in the read model.
pub fn no_double_success(store: &Store) -> TestResult {
    let doubled: i64 = store.connection().query_row(
        "SELECT COUNT(*) FROM (SELECT payment_id FROM payments WHERE counted = 1 \
         GROUP BY payment_id HAVING COUNT(*) > 1)",
        [],
        |row| row.get(0),
    )?;
    assert_eq!(doubled, 0);
    let ledger = store.ledger();
    for batch in ledger.batches() {
        for line in &batch.instructions {
            let settled = ledger
                .attempts(&line.payment_id)
                .iter()
                .filter(|(_, paid)| *paid)
                .count();
            let recoveries = ledger
                .recoveries()
                .filter(|recovery| recovery.payment_id == line.payment_id)
                .count();
            assert!(
                settled <= 1 + recoveries,
                "{} paid {settled} times",
                line.payment_id
            );
        }
    }
    Ok(())
}
