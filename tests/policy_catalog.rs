//! The sample policy catalogue (examples/data/policies) loads, answers queries,
//! computes and explains entitlements, and rejects bad policy files with the JSON
//! path of the problem.

use std::path::Path;

use time::macros::date;
use yikatong::{
    AdjustmentKind, Amount, BeneficiaryFacts, ChangeKind, Error, GovernmentLevel, Period,
    PolicyCatalog, PolicyRule, RegionCode, ResidentId, adjust, entitle, retroactive_adjustments,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn sample() -> Result<PolicyCatalog, Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/policies");
    let mut files: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    files.sort_by_key(|entry| entry.file_name());
    let mut catalog = PolicyCatalog::new();
    for entry in files {
        let name = entry.file_name().to_string_lossy().into_owned();
        catalog.load_json(&name, &std::fs::read_to_string(entry.path())?)?;
    }
    Ok(catalog)
}

fn town() -> Result<RegionCode, Error> {
    RegionCode::parse("150422100")
}

/// A resident born on `birth` (YYYYMMDD), with a valid check character.
fn person(birth: &str, female: bool) -> Result<ResidentId, Error> {
    let first17 = format!("150422{birth}00{}", if female { 2 } else { 1 });
    let check = ResidentId::check_character(first17.as_bytes()).unwrap_or('0');
    ResidentId::parse_as_of(&format!("{first17}{check}"), date!(2026 - 11 - 26))
}

fn yuan(text: &str) -> Amount {
    Amount::parse(text).unwrap_or(Amount::MAX)
}

fn policy_error(result: Result<PolicyCatalog, Error>) -> Option<(String, PolicyRule)> {
    match result {
        Err(Error::Policy { path, rule, .. }) => Some((path, rule)),
        _ => None,
    }
}

#[test]
fn sample_catalogue_loads() -> TestResult {
    let catalog = sample()?;
    assert_eq!(catalog.projects().len(), 10);
    assert_eq!(catalog.policies().len(), 12);
    let today = date!(2026 - 11 - 26);
    let in_force: Vec<&str> = catalog
        .in_force(town()?, today)
        .map(|p| p.project.as_str())
        .collect();
    assert_eq!(in_force.len(), 10);
    assert!(in_force.contains(&"CYSTBH-JM"));
    // Outside Inner Mongolia nothing applies.
    assert_eq!(
        catalog
            .in_force(RegionCode::parse("110105")?, today)
            .count(),
        0
    );
    let grazing = catalog
        .policy_for("CYSTBH-JM", town()?, date!(2020 - 06 - 01))
        .ok_or("v1")?;
    assert_eq!(grazing.version, 1);
    let grazing = catalog
        .policy_for("CYSTBH-JM", town()?, today)
        .ok_or("v2")?;
    assert_eq!(grazing.document, "内财农〔2021〕780号");
    assert!(
        catalog
            .project("CYSTBH-JM")
            .is_some_and(|p| p.excludes("CYSTBH-CXPH"))
    );
    Ok(())
}

#[test]
fn sample_entitlements_are_computed_and_explained() -> TestResult {
    let catalog = sample()?;
    let on = date!(2026 - 11 - 01);
    let region = town()?;
    let policy = |code: &str| {
        catalog
            .policy_for(code, region, on)
            .ok_or(format!("no policy {code}"))
    };
    let year = Period::year(2026)?;
    let month = Period::month(2026, 11)?;
    let herder = BeneficiaryFacts::new(person("19700101", false)?, town()?)
        .with_household("H-001", 4)
        .with_quantity("grassland_mu", "120".parse()?)
        .with_quantity("farmland_mu", "35.5".parse()?);

    let grazing = entitle(policy("CYSTBH-JM")?, &herder, year)?;
    assert_eq!(grazing.amount(), yuan("900.00"));
    assert_eq!(
        grazing.explanation_zh(),
        "依据内财农〔2021〕780号（草原生态保护补助奖励（禁牧补助），第 2 版），2026 期：草原面积 120 亩 × 7.50 元/亩 = 900.00 元；应发 900.00 元"
    );
    let balance = entitle(policy("CYSTBH-CXPH")?, &herder, year)?;
    // 120 mu × 2.50 = 300.00, raised to the household floor of 200? No: 300 > 200.
    assert_eq!(balance.amount(), yuan("300.00"));
    let big = herder
        .clone()
        .with_quantity("grassland_mu", "10000".parse()?);
    let capped = entitle(policy("CYSTBH-CXPH")?, &big, year)?;
    assert_eq!(capped.amount(), yuan("15000.00"));
    assert!(
        capped
            .explanation_zh()
            .contains("户封顶 15000.00 元：25000.00 元按 15000.00 元计")
    );

    let land = entitle(policy("GDDLBH")?, &herder, year)?;
    // 35.5 × 36.32 = 1289.36
    assert_eq!(land.amount(), yuan("1289.36"));

    let elder = BeneficiaryFacts::new(person("19350315", true)?, town()?);
    assert_eq!(
        entitle(policy("GLJT")?, &elder, month)?.amount(),
        yuan("300.00")
    );
    assert_eq!(
        entitle(policy("GLJT")?, &herder, month)?.amount(),
        Amount::ZERO
    );

    let disabled = BeneficiaryFacts::new(person("19800101", true)?, town()?)
        .with_tag("disability:1")
        .with_tag("dibao");
    assert_eq!(
        entitle(policy("KNCJR")?, &disabled, month)?.amount(),
        yuan("120.00")
    );
    assert_eq!(
        entitle(policy("ZDCJR")?, &disabled, month)?.amount(),
        yuan("120.00")
    );
    let mild = BeneficiaryFacts::new(person("19800101", true)?, town()?).with_tag("disability:3");
    let not = entitle(policy("ZDCJR")?, &mild, month)?;
    assert!(!not.is_entitled());
    assert!(not.explanation_zh().contains("不符合条件"));

    let poor = BeneficiaryFacts::new(person("19650101", false)?, town()?)
        .with_household("H-002", 3)
        .with_income(yuan("250.00"))
        .with_tag("rural_hukou")
        .with_tag("dibao_approved");
    let dibao = entitle(policy("NCDB")?, &poor, month)?;
    assert_eq!(dibao.amount(), yuan("1140.00"));
    assert!(
        dibao
            .explanation_zh()
            .contains("（保障标准 630.00 元 − 人均收入 250.00 元）× 3 人 = 1140.00 元")
    );
    // Eligible 15 of November's 30 days.
    assert_eq!(
        entitle(policy("NCDB")?, &poor.clone().with_eligible_days(15), month)?.amount(),
        yuan("570.00")
    );

    let pensioner = BeneficiaryFacts::new(person("19600101", false)?, town()?);
    assert_eq!(
        entitle(policy("CXJMYL")?, &pensioner, month)?.amount(),
        yuan("193.00")
    );

    let buyer = BeneficiaryFacts::new(person("19750101", false)?, town()?)
        .with_tag("machine_verified")
        .with_quantity("machines", "2".parse()?);
    assert_eq!(
        entitle(policy("NJGZBT")?, &buyer, year)?.amount(),
        yuan("24000.00")
    );

    let parent = BeneficiaryFacts::new(person("19600101", true)?, town()?)
        .with_tag("rural_hukou")
        .with_tag("family_planning_reward");
    let reward = entitle(policy("JHSYJLFZ")?, &parent, year)?;
    assert_eq!(reward.amount(), yuan("960.00"));
    let shares = policy("JHSYJLFZ")?.funding_shares.split(reward.amount())?;
    assert_eq!(
        shares,
        [
            (GovernmentLevel::Central, yuan("768.00")),
            (GovernmentLevel::Region, yuan("192.00"))
        ]
    );
    Ok(())
}

#[test]
fn history_export_and_round_trip() -> TestResult {
    let catalog = sample()?;
    let revised = catalog
        .history()
        .iter()
        .find(|record| record.project == "CYSTBH-JM" && record.version == 2)
        .ok_or("no revision")?;
    assert_eq!(revised.document, "内财农〔2021〕780号");
    assert_eq!(revised.effective, date!(2021 - 01 - 01));
    assert!(
        matches!(&revised.change, ChangeKind::Revised { previous_version: 1, changed, .. } if changed.contains(&"standard"))
    );

    let json = catalog.to_json()?;
    let again = PolicyCatalog::from_json("export.json", &json)?;
    assert_eq!(again.to_document(), catalog.to_document());
    assert_eq!(again.to_json()?, json);

    let csv = catalog.to_csv()?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("项目编码,项目名称,类别"));
    assert!(csv.contains("草原面积每亩 7.50 元/年；户保底 500.00 元；户封顶 30000.00 元"));
    Ok(())
}

#[test]
fn retroactive_pension_increase_gives_arrears() -> TestResult {
    let catalog = sample()?;
    let pensioner = BeneficiaryFacts::new(person("19600101", false)?, town()?);
    let v2 = catalog
        .policy_for("CXJMYL", town()?, date!(2025 - 01 - 01))
        .ok_or("v2")?;
    // January and February 2025 were paid at the 2024 rate before the new document arrived.
    let paid = [
        (&pensioner, Period::month(2024, 12)?, yuan("173.00")),
        (&pensioner, Period::month(2025, 1)?, yuan("173.00")),
        (&pensioner, Period::month(2025, 2)?, yuan("200.00")),
    ];
    let adjustments = retroactive_adjustments(v2, paid)?;
    assert_eq!(adjustments.len(), 2);
    assert_eq!(
        (adjustments[0].kind, adjustments[0].difference),
        (AdjustmentKind::Arrears, yuan("20.00"))
    );
    assert_eq!(
        (adjustments[1].kind, adjustments[1].difference),
        (AdjustmentKind::Recovery, yuan("7.00"))
    );
    assert_eq!(
        adjustments[0].describe_zh(),
        "2025-01 期已发 173.00 元，按第 2 版应发 193.00 元，补发 20.00 元"
    );
    let settled = adjust(v2, &pensioner, Period::month(2025, 3)?, yuan("193.00"))?;
    assert_eq!(settled.kind, AdjustmentKind::Settled);
    Ok(())
}

const GOOD: &str = r#"{
  "projects": [{ "code": "P", "name": "示例", "name_en": "Example", "category": "people",
    "department": { "name": "民政厅", "credit_code": "111500000116068826" },
    "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 } }],
  "policies": [{ "project": "P", "name": "示例", "document": "示〔2026〕1号",
    "issuer": { "name": "民政厅", "credit_code": "111500000116068826" },
    "level": "region", "scope": ["15"], "effective_from": "2026-01-01", "version": 1,
    "standard": { "basis": { "kind": "fixed", "amount": "100.00" }, "per": "month" },
    "funding_shares": { "central": "60", "region": "40" } }]
}"#;

#[test]
fn bad_policy_files_name_the_path_and_the_expectation() -> TestResult {
    assert!(PolicyCatalog::from_json("good.json", GOOD).is_ok());
    let cases = [
        (
            GOOD.replace(r#""version": 1,"#, r#""version": 1, "colour": "red","#),
            "policies[0]",
            "unknown field `colour`",
        ),
        (
            GOOD.replace(r#""version": 1"#, r#""version": "1""#),
            "policies[0].version",
            "invalid type: string \"1\", expected u32",
        ),
        (
            GOOD.replace(r#""region": "40""#, r#""region": "30""#),
            "policies[0].funding_shares",
            "add up to 90%; they must add up to exactly 100%",
        ),
        (
            GOOD.replace(r#""amount": "100.00""#, r#""amount": "-7.50""#),
            "policies[0].standard.basis",
            "amount \"-7.50\": is negative",
        ),
        (
            GOOD.replace(r#""scope": ["15"]"#, r#""scope": []"#),
            "policies[0].scope",
            "no regions in the scope are given",
        ),
        (
            GOOD.replace(r#""amount": "100.00""#, r#""amount": 100.0"#),
            "policies[0].standard.basis",
            "expected",
        ),
    ];
    for (text, path, message) in cases {
        let error = PolicyCatalog::from_json("bad.json", &text)
            .err()
            .ok_or("accepted")?;
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("bad.json, at {path}")),
            "{shown}"
        );
        assert!(shown.contains(message), "{shown}");
    }
    // A second version overlapping the first.
    let overlapping = GOOD.replace(
        r#""funding_shares": { "central": "60", "region": "40" } }]"#,
        r#""funding_shares": { "central": "60", "region": "40" } },
        { "project": "P", "name": "示例", "document": "示〔2026〕2号",
          "issuer": { "name": "民政厅", "credit_code": "111500000116068826" },
          "level": "county", "scope": ["150422"], "effective_from": "2026-06-01", "version": 2,
          "standard": { "basis": { "kind": "fixed", "amount": "120.00" }, "per": "month" },
          "funding_shares": { "county": "100" } }]"#,
    );
    let (path, rule) =
        policy_error(PolicyCatalog::from_json("bad.json", &overlapping)).ok_or("accepted")?;
    assert_eq!(path, "policies[1].effective_from");
    assert!(matches!(rule, PolicyRule::Overlap { version: 1, .. }));
    // Ending the first version the day before makes it a valid new version.
    let fixed = overlapping.replacen(
        r#""version": 1,"#,
        r#""effective_to": "2026-05-31", "version": 1,"#,
        1,
    );
    let catalog = PolicyCatalog::from_json("fixed.json", &fixed)?;
    assert_eq!(
        catalog
            .policy_for("P", town()?, date!(2026 - 07 - 01))
            .map(|p| p.version),
        Some(2)
    );
    assert_eq!(
        catalog.policy_for("P", RegionCode::parse("150502")?, date!(2026 - 07 - 01)),
        None
    );
    Ok(())
}
