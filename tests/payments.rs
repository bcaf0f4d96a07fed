//! A payment cycle through real files: a finance-approved roster becomes batches,
//! batches become bank files (domestic GBK profile and ISO 20022), the simulated
//! agent bank answers with failures and adversarial lines, the answers are read and
//! reconciled, failures are corrected and reissued, and through it all every batch
//! balances and no payment counts twice.

use std::collections::BTreeMap;

use time::Date;
use time::macros::{date, datetime};
use yikatong::formats::{
    AgencyProfile, BankFile, ReadOptions, read_agency_results, read_pain002, read_roster,
    write_agency_file, write_pain001,
};
use yikatong::{
    BatchPlan, HeldProjects, IntakeMode, Payer, PaymentBatch, PaymentCommand, PaymentLedger,
    Period, PolicyCatalog, RegionLevel, ResultClass, Review, Roster, RosterHeader, WorkCalendar,
};
use yikatong_testkit::payments::approve_for_payment;
use yikatong_testkit::population::{Township, TownshipSpec};
use yikatong_testkit::{
    Adversity, BankSimulator, FileAnswer, IsoAnswer, answer_agency_file, answer_pain001,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn approved(
    town: &Township,
    catalog: &PolicyCatalog,
) -> Result<(Roster, Review), Box<dyn std::error::Error>> {
    let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
    let header = RosterHeader::new(
        "CYSTBH-CXPH-2026",
        "CYSTBH-CXPH",
        Period::year(2026)?,
        town.township,
    );
    let (roster, _) = Roster::intake(
        header,
        &file.records,
        &town.register,
        catalog,
        &HeldProjects::new(),
        IntakeMode::Lenient,
        date!(2026 - 03 - 02),
    )?;
    let review = approve_for_payment(&roster, date!(2026 - 03 - 02))?;
    Ok((roster, review))
}

/// Records that `file` went out for `batch`.
fn export(
    ledger: &mut PaymentLedger,
    batch: &PaymentBatch,
    file: &BankFile,
    on: Date,
) -> TestResult {
    ledger.execute(
        PaymentCommand::Export {
            batch_id: batch.id.clone(),
            file_name: file.file_name.clone(),
            sha256: file.sha256.clone(),
        },
        "finance",
        on,
    )?;
    Ok(())
}

#[test]
fn a_payment_cycle_through_bank_files_never_pays_twice() -> TestResult {
    let town = Township::generate(&TownshipSpec {
        households: 1_500,
        max_members: 1,
        ..TownshipSpec::default()
    })?;
    let text = std::fs::read_to_string("examples/data/policies/cystbh.json")?;
    let catalog = PolicyCatalog::from_json("cystbh.json", &text)?;
    let project = catalog.project("CYSTBH-CXPH").ok_or("no project")?;
    let (roster, review) = approved(&town, &catalog)?;
    let payers = BTreeMap::from([(
        town.township.truncate(RegionLevel::County),
        Payer {
            unit_code: "CZ150422".into(),
            name: "巴林左旗财政局".into(),
            account: "15050000000000000001".into(),
        },
    )]);
    let calendar = WorkCalendar::weekdays_only();
    let on = date!(2026 - 03 - 20);
    let plan = BatchPlan {
        project,
        payers: &payers,
        agreements: town.register.agreements(),
        calendar: &calendar,
        prepared_on: on,
        lead_working_days: 1,
    };
    let mut ledger = PaymentLedger::new();
    let prepared = ledger.prepare(&plan, &[(&roster, &review)], "finance")?;
    ledger.apply_all(&prepared.events);
    let batches: Vec<_> = ledger.batches().cloned().collect();
    assert!(!batches.is_empty());
    let instructed: usize = batches.iter().map(|batch| batch.count()).sum();

    // Every batch out in the domestic profile; the bank fails 8% and duplicates,
    // reorders and invents lines.
    let profile = AgencyProfile::common();
    let bank = BankSimulator::new(11)
        .with_failure_per_mille(80)
        .with_adversity(Adversity::DuplicateLines)
        .with_adversity(Adversity::ReorderLines)
        .with_adversity(Adversity::UnknownExtraLines)
        .with_adversity_per_mille(20);
    let mut strangers = 0;
    for batch in &batches {
        let file = write_agency_file(batch, &profile)?;
        export(&mut ledger, batch, &file, on)?;
        let FileAnswer::Results { first, .. } =
            answer_agency_file(&bank, &batch.id, &file.bytes, &profile, on)
        else {
            return Err("the bank did not answer with result files".into());
        };
        let mut results = read_agency_results(&first.0, &first.1, &profile, &batch.id)?;
        results.batch_id = Some(batch.id.clone());
        let (event, report) = ledger.receive(results.clone(), "bank", on)?;
        assert!(event.is_some());
        strangers += report.tally(ResultClass::Unknown).count;
        assert_eq!(report.tally(ResultClass::Conflicting).count, 0);
        // The same files again change nothing.
        let before = ledger.clone();
        let (again, replay) = ledger.receive(results, "bank", on)?;
        assert!(again.is_none() && replay.replayed);
        assert_eq!(ledger, before);
        let summary = ledger.batch_summary(&batch.id)?;
        assert!(summary.balances(), "{summary:?}");
        assert_eq!(summary.pending.count, 0, "every line was answered");
    }
    assert!(strangers > 0, "the bank's invented lines are found");
    let failed: Vec<_> = ledger.corrections().cloned().collect();
    assert!(
        !failed.is_empty() && failed.len() < instructed / 4,
        "{} failed",
        failed.len()
    );

    // The township corrects each account; the reissue goes out as pain.001.
    for item in &failed {
        let mut account = item.account.clone().ok_or("no account")?;
        account.holder_name = format!("{}（更正）", account.holder_name).as_str().into();
        ledger.execute(
            PaymentCommand::CorrectAccount {
                payment_id: item.payment_id,
                account,
            },
            "clerk",
            on,
        )?;
    }
    let reissue = ledger.prepare_reissue(&plan, "finance")?;
    ledger.apply_all(&reissue);
    let reissued: Vec<_> = ledger.batches().skip(batches.len()).cloned().collect();
    let honest = BankSimulator::new(12).with_adversity(Adversity::LateSuccessAfterFailure);
    for batch in &reissued {
        assert!(batch.instructions.iter().all(|line| line.attempt == 2));
        let file = write_pain001(batch, datetime!(2026-03-25 09:00))?;
        export(&mut ledger, batch, &file, on)?;
        let IsoAnswer::Reports { first, .. } =
            answer_pain001(&honest, &file.bytes, datetime!(2026-03-26 18:00))
        else {
            return Err("the bank could not read the pain.001".into());
        };
        let report = read_pain002(&first, "pain.002")?;
        ledger.receive(report, "bank", on)?;
        assert!(ledger.batch_summary(&batch.id)?.balances());
    }
    // Every failed payment is now paid once, under its first payment id.
    for item in &failed {
        assert_eq!(ledger.counted_attempt(&item.payment_id), Some(2));
    }
    assert_eq!(ledger.corrections().count(), 0);
    assert_eq!(ledger.recoveries().count(), 0);
    Ok(())
}
