//! The township's and reviewers' half of the cycle on one roster: intake, public
//! notice with an objection upheld, validation and acknowledgement, submission,
//! department and finance approval with separation of duties, the frozen roster, and
//! the masked notice document.

use time::macros::date;
use yikatong::formats::{CsvEncoding, ReadOptions, read_roster, write_publicity_csv};
use yikatong::{
    Actor, CaseContext, Error, HeldProjects, IntakeMode, Language, LineChange, MaskingPolicy,
    Period, PolicyCatalog, RegionTree, Resolution, ReviewCommand, ReviewRule, ReviewStatus, Role,
    Roster, RosterCase, RosterHeader, Severity, WorkCalendar,
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

fn rule_of(result: Result<impl std::fmt::Debug, Error>) -> Option<ReviewRule> {
    match result {
        Err(Error::Review { rule, .. }) => Some(rule),
        _ => None,
    }
}

#[test]
fn a_roster_goes_from_intake_through_notice_and_review_to_frozen() -> TestResult {
    let mut town = Township::generate(&TownshipSpec {
        households: 40,
        ..TownshipSpec::default()
    })?;
    // The bank spells one holder's name differently: a warning to acknowledge.
    town.rows[2].holder_name.push('某');
    let catalog = catalog()?;
    let held = HeldProjects::new();
    let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
    let header = RosterHeader::new(
        "CYSTBH-CXPH-2026-150422100",
        "CYSTBH-CXPH",
        Period::year(2026)?,
        town.township,
    );
    let monday = date!(2026 - 11 - 02);
    let (roster, report) = Roster::intake(
        header,
        &file.records,
        &town.register,
        &catalog,
        &held,
        IntakeMode::Lenient,
        monday,
    )?;
    assert_eq!(report.error_count(), 0);
    assert_eq!(report.warning_count(), 1);
    let lines_before = roster.lines().len();

    let clerk = Actor::new("clerk-1", "乌云", Role::TownshipClerk);
    let reviewer = Actor::new("rev-1", "张三", Role::DepartmentReviewer);
    let finance = Actor::new("fin-1", "李四", Role::FinanceOfficer);
    let calendar = WorkCalendar::bundled()?;
    let on = |today| CaseContext {
        today,
        calendar,
        publicity_working_days: 7,
    };
    let mut case = RosterCase::open(roster, report, &clerk, monday)?;

    case.execute(
        &ReviewCommand::StartPublicity { starts: None },
        &clerk,
        &on(monday),
    )?;
    let notice = case.review().publicity().ok_or("no notice")?;
    assert_eq!(notice.ends, date!(2026 - 11 - 11));

    // A villager objects to line 5; it is investigated and upheld: the line goes.
    let objected = 5;
    case.execute(
        &ReviewCommand::FileObjection {
            line: objected,
            text: "此户已迁出本嘎查".into(),
            filed_by: Some("村民 巴特尔".into()),
        },
        &clerk,
        &on(date!(2026 - 11 - 04)),
    )?;
    let objection = case.review().objections().first().ok_or("no objection")?.id;
    case.execute(
        &ReviewCommand::InvestigateObjection { objection },
        &clerk,
        &on(date!(2026 - 11 - 05)),
    )?;
    case.execute(
        &ReviewCommand::UpholdObjection {
            objection,
            resolution: Resolution::RemoveLine,
        },
        &clerk,
        &on(date!(2026 - 11 - 06)),
    )?;
    assert_eq!(case.roster().lines().len(), lines_before - 1);
    assert!(case.roster().line(objected).is_none());

    // Too early: the notice runs to 11 November inclusive.
    let early = case.execute(&ReviewCommand::Submit, &clerk, &on(date!(2026 - 11 - 11)));
    assert!(matches!(
        rule_of(early),
        Some(ReviewRule::PublicityNotEnded { .. })
    ));
    // The roster changed since its validation: validate again first.
    let thursday = date!(2026 - 11 - 12);
    let stale = case.execute(&ReviewCommand::Submit, &clerk, &on(thursday));
    assert!(matches!(
        rule_of(stale),
        Some(ReviewRule::NotValidated { .. })
    ));
    let report = case.validate(&town.register, &catalog, &held, thursday)?;
    let warning = report
        .problems
        .iter()
        .find(|problem| problem.severity == Severity::Warning)
        .and_then(|problem| problem.key())
        .ok_or("the holder-name warning is gone")?;
    // Warnings unacknowledged: still refused, and nothing changed.
    let before = case.clone();
    assert!(
        case.execute(&ReviewCommand::Submit, &clerk, &on(thursday))
            .is_err()
    );
    assert_eq!(case, before);
    case.acknowledge(warning, &clerk, "银行户名含少数民族姓名音译，经核实为本人")?;
    case.execute(&ReviewCommand::Submit, &clerk, &on(thursday))?;
    assert_eq!(case.review().status(), ReviewStatus::ReadyForReview);

    // Submitted: no more edits; only a reviewer approves, and never the submitter.
    let edit = case.amend_line(1, LineChange::default(), &clerk);
    assert!(matches!(rule_of(edit), Some(ReviewRule::WrongState { .. })));
    let by_clerk = case.execute(&ReviewCommand::DepartmentApprove, &clerk, &on(thursday));
    assert!(matches!(
        rule_of(by_clerk),
        Some(ReviewRule::WrongRole { .. })
    ));
    let same_person = Actor::new("clerk-1", "乌云", Role::DepartmentReviewer);
    let own = case.execute(
        &ReviewCommand::DepartmentApprove,
        &same_person,
        &on(thursday),
    );
    assert!(matches!(
        rule_of(own),
        Some(ReviewRule::SeparationOfDuties { .. })
    ));
    case.execute(&ReviewCommand::DepartmentApprove, &reviewer, &on(thursday))?;
    case.execute(
        &ReviewCommand::FinanceApprove,
        &finance,
        &on(date!(2026 - 11 - 13)),
    )?;

    // Frozen: the hash recorded is the roster's, and the roster cannot change.
    let hash = case.roster().content_hash();
    assert_eq!(case.review().frozen_hash(), Some(hash.as_str()));
    let frozen = case.remove_line(1, &clerk);
    assert!(matches!(rule_of(frozen), Some(ReviewRule::Frozen { .. })));
    assert_eq!(case.roster().content_hash(), hash);

    // The notice document never shows a full ID, account number or phone.
    let tree = RegionTree::bundled()?;
    let entries = case.publicity_entries(
        &MaskingPolicy::default(),
        "草原生态保护补助奖励",
        Some(tree),
    );
    assert_eq!(entries.len(), case.roster().lines().len());
    let csv = write_publicity_csv(&entries, Language::Zh, CsvEncoding::Utf8)?;
    let text = String::from_utf8(csv)?;
    for person in town.register.beneficiaries() {
        assert!(!text.contains(person.resident_id.as_str()));
        if let Some(phone) = &person.phone {
            assert!(!text.contains(phone.as_str()));
        }
    }
    for row in &town.rows {
        assert!(!text.contains(&row.account_number));
    }
    assert!(text.contains("草原生态保护补助奖励"));
    Ok(())
}
