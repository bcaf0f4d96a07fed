"""The policy catalogue and entitlements: the example policies load, answer queries by
date and region, and entitle beneficiaries with an explanation that cites the document."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yikatong import (
    BeneficiaryFacts,
    CreditCode,
    Cycle,
    Entitlement,
    GovernmentLevel,
    InvalidPolicy,
    InvalidRegionCode,
    InvalidResidentId,
    Outcome,
    PaymentUnit,
    Period,
    PeriodKind,
    Policy,
    PolicyCatalog,
    ProjectCategory,
    RegionCode,
    ResidentId,
    UnknownProject,
    YikatongError,
)

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "data" / "policies"
TOWN = "150422100"  # 林东镇, 巴林左旗, Inner Mongolia
BORN_1940 = "110105194012310024"  # 85 on 2026-11-01
BORN_1949 = "11010519491231002X"  # 76 on 2026-11-01


def resident_id(first17: str) -> str:
    check = ResidentId.check_character(first17)
    assert check is not None
    return first17 + check


def gljt_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((POLICIES / "gljt.json").read_text(encoding="utf-8"))
    return document


def example_policy_count() -> int:
    return sum(len(json.loads(path.read_text(encoding="utf-8"))["policies"]) for path in POLICIES.glob("*.json"))


@pytest.fixture(scope="module")
def catalog() -> PolicyCatalog:
    catalog = PolicyCatalog()
    for path in sorted(POLICIES.glob("*.json")):
        catalog.load_json(path.name, path.read_text(encoding="utf-8"))
    return catalog


# Loading and querying -------------------------------------------------------------------


def test_the_example_policies_load_with_their_projects(catalog: PolicyCatalog) -> None:
    codes = [project.code for project in catalog.projects()]
    assert codes == sorted(codes)
    assert {"GLJT", "CXJMYL", "NCDB", "CYSTBH-JM", "CYSTBH-CXPH", "GDDLBH", "NJGZBT"} <= set(codes)
    assert len(catalog.policies()) == example_policy_count() == 12
    assert repr(catalog) == f"<PolicyCatalog with {len(codes)} projects and 12 policy versions>"


def test_a_project_has_its_names_unit_cycle_and_department(catalog: PolicyCatalog) -> None:
    project = catalog.project("GLJT")
    assert project is not None
    assert (project.code, project.name, project.name_en) == ("GLJT", "高龄津贴", "Old-age allowance")
    assert project.category == ProjectCategory.People
    assert project.category.name_zh() == "惠民"
    assert project.payment_unit == PaymentUnit.Person
    assert project.cycle == Cycle.Monthly
    assert project.cycle.period_kind() == PeriodKind.Month
    assert project.cycle.name_zh() == "按月"
    assert project.deadline == "每期首月第10个工作日前"
    assert project.publicity_working_days == 7
    assert project.department.name == "内蒙古自治区民政厅"
    assert project.department.credit_code == CreditCode("111500000116068826")
    assert project.excludes == []
    assert repr(project) == "SubsidyProject('GLJT', '高龄津贴')"
    assert catalog.project("NOPE") is None

    grassland = catalog.project("CYSTBH-JM")
    assert grassland is not None
    assert grassland.payment_unit == PaymentUnit.Household
    assert grassland.cycle == Cycle.Yearly
    assert grassland.category == ProjectCategory.Agriculture
    assert grassland.excludes == ["CYSTBH-CXPH"]


def test_versions_come_oldest_first_with_their_documents_and_dates(catalog: PolicyCatalog) -> None:
    first, second = catalog.versions("CXJMYL")
    assert (first.version, first.document) == (1, "内人社发〔2024〕8号")
    assert (first.effective_from, first.effective_to) == (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    assert (second.version, second.document) == (2, "内人社发〔2025〕6号")
    assert (second.effective_from, second.effective_to) == (datetime.date(2025, 1, 1), None)
    assert second.project == "CXJMYL"
    assert second.scope == [RegionCode("15")]
    assert second.covers(TOWN) and not second.covers("110105")
    assert second.in_force_on(datetime.date(2026, 11, 1))
    assert not first.in_force_during(Period("2025-01"))
    assert repr(first) == "<Policy CXJMYL version 1 (内人社发〔2024〕8号), 2024-01-01 to 2024-12-31>"


def test_a_policy_describes_its_standard_eligibility_and_funding(catalog: PolicyCatalog) -> None:
    (gljt,) = catalog.versions("GLJT")
    assert gljt.name == "高龄津贴"
    assert gljt.level == GovernmentLevel.Region
    assert gljt.issuer.name == "内蒙古自治区民政厅"
    assert gljt.illustrative
    assert gljt.funding_shares == {GovernmentLevel.Region: Decimal("50"), GovernmentLevel.County: Decimal("50")}
    assert gljt.describe_funding() == "自治区 50%、旗县 50%"
    assert gljt.describe_funding(language="en") == "region 50%, county 50%"
    assert "100.00" in gljt.describe_standard()
    assert "80" in gljt.describe_eligibility("en")


def test_policy_for_follows_the_version_change(catalog: PolicyCatalog) -> None:
    before = catalog.policy_for("CXJMYL", TOWN, datetime.date(2024, 12, 31))
    after = catalog.policy_for("CXJMYL", TOWN, datetime.date(2025, 1, 1))
    assert before is not None and before.version == 1
    assert after is not None and after.version == 2
    assert catalog.policy_for("CXJMYL", TOWN, datetime.date(2023, 12, 31)) is None
    assert catalog.policy_for("CXJMYL", "110105", datetime.date(2025, 1, 1)) is None
    in_force = {policy.project for policy in catalog.in_force(TOWN, datetime.date(2026, 11, 1))}
    assert {"GLJT", "CXJMYL", "NCDB"} <= in_force


def test_add_version_ends_the_version_in_force_the_day_before() -> None:
    catalog = PolicyCatalog.from_json("gljt.json", json.dumps(gljt_document()))
    revised = gljt_document()["policies"][0]
    revised.update(
        document="内民政发〔2026〕9号",
        version=2,
        effective_from="2027-01-01",
    )
    revised["standard"]["basis"]["bands"][0]["amount"] = "150.00"
    catalog.add_version(Policy.from_json("revision.json", json.dumps(revised)))

    first, second = catalog.versions("GLJT")
    assert first.effective_to == datetime.date(2026, 12, 31)
    assert second.effective_from == datetime.date(2027, 1, 1)
    old = catalog.policy_for("GLJT", TOWN, datetime.date(2026, 12, 31))
    new = catalog.policy_for("GLJT", TOWN, datetime.date(2027, 1, 1))
    assert old is not None and old.document == "内民政发〔2022〕37号"
    assert new is not None and new.document == "内民政发〔2026〕9号"

    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    assert catalog.entitle("GLJT", facts, Period("2026-12")).amount == Decimal("100.00")
    january = catalog.entitle("GLJT", facts, Period("2027-01"))
    assert january.amount == Decimal("150.00")
    assert january.version == 2
    assert "内民政发〔2026〕9号" in january.explanation()

    introduced, ended, revision = catalog.history()
    assert (introduced.kind, introduced.version, introduced.effective) == ("introduced", 1, datetime.date(2022, 1, 1))
    assert (ended.kind, ended.version, ended.effective_to) == ("ended", 1, datetime.date(2026, 12, 31))
    assert ended.document == "内民政发〔2026〕9号"
    assert (revision.kind, revision.version, revision.previous_version) == ("revised", 2, 1)
    assert revision.previous_document == "内民政发〔2022〕37号"
    assert revision.changed == ["standard"]
    assert repr(revision) == "<ChangeRecord 2027-01-01 revised GLJT version 2 by 内民政发〔2026〕9号>"

    # Adding the same version plainly now overlaps it: refused, nothing changes.
    with pytest.raises(InvalidPolicy, match="overlaps version 2"):
        catalog.add_policy(Policy.from_json("again.json", json.dumps(revised)))
    assert len(catalog.versions("GLJT")) == 2


def test_exports_are_stable_and_read_back(catalog: PolicyCatalog) -> None:
    exported = catalog.to_json()
    again = PolicyCatalog.from_json("export.json", exported)
    assert again.to_json() == exported
    assert again.to_csv() == catalog.to_csv()
    header, *lines = catalog.to_csv().splitlines()
    assert header.startswith("项目编码,项目名称,类别,主管部门")
    assert len(lines) == example_policy_count()
    assert any("内民政发〔2022〕37号" in line and "示例数据" in line for line in lines)


def test_a_file_loads_by_path(tmp_path: Path) -> None:
    catalog = PolicyCatalog()
    catalog.load_file(POLICIES / "gljt.json")
    catalog.load_file(str(POLICIES / "ncdb.json"))
    assert [project.code for project in catalog.projects()] == ["GLJT", "NCDB"]
    with pytest.raises(FileNotFoundError):
        catalog.load_file(tmp_path / "missing.json")


# Entitlements ---------------------------------------------------------------------------


def test_an_elder_of_85_gets_the_first_band_with_the_document_cited(catalog: PolicyCatalog) -> None:
    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    due = catalog.entitle("GLJT", facts, Period("2026-11"))
    assert isinstance(due, Entitlement)
    assert due.amount == Decimal("100.00")
    assert isinstance(due.amount, Decimal) and due.amount.as_tuple().exponent == -2
    assert due.entitled
    assert due.outcome == Outcome.Entitled
    assert due.version == 1
    assert due.period == Period("2026-11")
    assert due.policy.document == "内民政发〔2022〕37号"
    assert due.explanation() == (
        "依据内民政发〔2022〕37号（高龄津贴，第 1 版），2026-11 期："
        "2026-11-01 时年满 85 周岁，标准 100.00 元/月；应发 100.00 元"
    )
    assert due.explanation(language="en").startswith("Under 内民政发〔2022〕37号 (高龄津贴, version 1), period 2026-11: ")
    assert repr(due) == "<Entitlement Outcome.Entitled GLJT for 2026-11 under 内民政发〔2022〕37号 version 1: 100.00 yuan>"


def test_higher_age_bands_pay_more(catalog: PolicyCatalog) -> None:
    nonagenarian = BeneficiaryFacts(resident_id=resident_id("11010519300101002"), region=TOWN)
    centenarian = BeneficiaryFacts(resident_id=resident_id("11010519200101002"), region=TOWN)
    assert catalog.entitle("GLJT", nonagenarian, Period("2026-11")).amount == Decimal("300.00")
    assert catalog.entitle("GLJT", centenarian, Period("2026-11")).amount == Decimal("800.00")


def test_a_younger_resident_is_not_eligible_and_told_why(catalog: PolicyCatalog) -> None:
    facts = BeneficiaryFacts(resident_id=BORN_1949, region=TOWN)
    due = catalog.entitle("GLJT", facts, Period("2026-11"))
    assert due.amount == Decimal("0.00")
    assert not due.entitled
    assert due.outcome == Outcome.NotEligible
    assert "内民政发〔2022〕37号" in due.explanation()
    assert "实际 76 周岁" in due.explanation()
    assert "aged 76" in due.explanation("en")


def test_a_deceased_elder_is_not_eligible(catalog: PolicyCatalog) -> None:
    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN, tags=("deceased",))
    assert facts.has_tag("deceased")
    assert catalog.entitle("GLJT", facts, Period("2026-11")).outcome == Outcome.NotEligible


def test_outside_the_scope_or_the_dates_nothing_is_due_and_the_reason_is_given(catalog: PolicyCatalog) -> None:
    beijing = BeneficiaryFacts(resident_id=BORN_1940, region="110105")
    away = catalog.entitle("GLJT", beijing, Period("2026-11"))
    assert (away.outcome, away.amount) == (Outcome.OutOfScope, Decimal("0.00"))
    assert "110105" in away.explanation() and "内民政发〔2022〕37号" in away.explanation()

    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    early = catalog.entitle("GLJT", facts, Period("2021-06"))
    assert (early.outcome, early.amount) == (Outcome.NotInForce, Decimal("0.00"))
    assert "2022-01-01" in early.explanation()
    (gljt,) = catalog.versions("GLJT")
    assert gljt.entitle(facts, Period("2021-06")).outcome == Outcome.NotInForce


def test_the_pension_follows_its_version_change(catalog: PolicyCatalog) -> None:
    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    december = catalog.entitle("CXJMYL", facts, Period("2024-12"))
    january = catalog.entitle("CXJMYL", facts, Period("2025-01"))
    assert (december.amount, december.version) == (Decimal("173.00"), 1)
    assert (january.amount, january.version) == (Decimal("193.00"), 2)
    assert "内人社发〔2024〕8号" in december.explanation()
    assert "内人社发〔2025〕6号" in january.explanation()


def test_money_and_quantities_in_facts_are_decimals(catalog: PolicyCatalog) -> None:
    household = BeneficiaryFacts(
        resident_id=BORN_1949,
        region=TOWN,
        household_id="H-001",
        household_members=3,
        per_capita_income=Decimal("400"),
        tags=["rural_hukou", "dibao_approved", "rural_hukou"],
    )
    assert household.per_capita_income == Decimal("400.00")
    assert household.household_id == "H-001"
    assert household.household_members == 3
    assert household.tags == ["dibao_approved", "rural_hukou"]  # a set, in order
    dibao = catalog.entitle("NCDB", household, Period("2026-11"))
    assert dibao.amount == Decimal("690.00")  # (630.00 − 400.00) × 3

    herder = BeneficiaryFacts(resident_id=BORN_1949, region=TOWN, quantities={"grassland_mu": Decimal("120")})
    assert herder.quantities == {"grassland_mu": Decimal("120")}
    assert catalog.entitle("CYSTBH-JM", herder, Period("2026")).amount == Decimal("900.00")
    small = BeneficiaryFacts(resident_id=BORN_1949, region=TOWN, quantities={"grassland_mu": "10"})
    assert catalog.entitle("CYSTBH-JM", small, Period("2026")).amount == Decimal("500.00")  # the floor


def test_facts_default_to_a_household_of_one_for_the_whole_period() -> None:
    facts = BeneficiaryFacts(resident_id=ResidentId(BORN_1940), region=RegionCode(TOWN))
    assert facts.resident_id == ResidentId(BORN_1940)
    assert facts.region == RegionCode(TOWN)
    assert facts.household_id is None
    assert facts.household_members == 1
    assert facts.per_capita_income is None
    assert facts.tags == [] and facts.quantities == {}
    assert facts.eligible_days is None and facts.eligible_months is None
    assert facts == BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    assert repr(facts) == "BeneficiaryFacts(resident_id='110105********0024', region='150422100000')"


def test_entitle_many_matches_entitle_one_by_one(catalog: PolicyCatalog) -> None:
    people = [
        BeneficiaryFacts(resident_id=BORN_1940, region=TOWN),
        BeneficiaryFacts(resident_id=BORN_1949, region=TOWN),
        BeneficiaryFacts(resident_id=BORN_1940, region="110105"),
    ]
    many = catalog.entitle_many("GLJT", people, Period("2026-11"))
    one_by_one = [catalog.entitle("GLJT", facts, Period("2026-11")) for facts in people]
    assert [(e.amount, e.outcome, e.explanation()) for e in many] == [
        (e.amount, e.outcome, e.explanation()) for e in one_by_one
    ]


# Errors ---------------------------------------------------------------------------------


def test_bad_json_raises_invalid_policy_naming_the_source() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        PolicyCatalog().load_json("broken.json", '{"projects": [')
    assert str(caught.value).startswith("broken.json, at ")


def test_an_unknown_field_is_named_by_its_path() -> None:
    document = gljt_document()
    document["policies"][0]["amout"] = "1"
    with pytest.raises(InvalidPolicy) as caught:
        PolicyCatalog.from_json("gljt.json", json.dumps(document))
    assert "policies[0]" in str(caught.value) and "amout" in str(caught.value)
    assert caught.value.value is not None and caught.value.value.startswith("policies[0]")


def test_funding_shares_must_add_up_to_100_and_nothing_is_half_loaded() -> None:
    catalog = PolicyCatalog()
    document = gljt_document()
    document["policies"][0]["funding_shares"] = {"region": "50", "county": "40"}
    with pytest.raises(InvalidPolicy) as caught:
        catalog.load_json("gljt.json", json.dumps(document))
    error = caught.value
    assert str(error) == (
        "gljt.json, at policies[0].funding_shares: "
        "the funding shares add up to 90%; they must add up to exactly 100%"
    )
    assert error.value == "policies[0].funding_shares"
    assert error.rule == "the funding shares add up to 90%; they must add up to exactly 100%"
    assert catalog.projects() == [] and catalog.policies() == []


def test_loading_a_project_twice_is_refused(catalog: PolicyCatalog) -> None:
    with pytest.raises(InvalidPolicy, match='project "GLJT" is already in the catalogue'):
        catalog.load_file(POLICIES / "gljt.json")
    assert len(catalog.versions("GLJT")) == 1


def test_an_unknown_project_raises_unknown_project(catalog: PolicyCatalog) -> None:
    facts = BeneficiaryFacts(resident_id=BORN_1940, region=TOWN)
    calls: list[Callable[[], object]] = [
        lambda: catalog.versions("NOPE"),
        lambda: catalog.policy_for("NOPE", TOWN, datetime.date(2026, 11, 1)),
        lambda: catalog.entitle("NOPE", facts, Period("2026-11")),
        lambda: catalog.entitle_many("NOPE", [facts], Period("2026-11")),
    ]
    for call in calls:
        with pytest.raises(UnknownProject) as caught:
            call()
        assert 'there is no project "NOPE" in the catalogue' in str(caught.value)
        assert isinstance(caught.value, InvalidPolicy) and isinstance(caught.value, YikatongError)


def test_a_policy_for_a_project_not_loaded_raises_unknown_project() -> None:
    document = gljt_document()
    del document["projects"]
    with pytest.raises(UnknownProject, match='policies\\[0\\].project: there is no project "GLJT"'):
        PolicyCatalog.from_json("orphan.json", json.dumps(document))


def test_bad_facts_raise_the_matching_errors() -> None:
    with pytest.raises(InvalidResidentId, match="110105194012310025"):
        BeneficiaryFacts(resident_id="110105194012310025", region=TOWN)
    with pytest.raises(InvalidRegionCode, match='region code "15042x"'):
        BeneficiaryFacts(resident_id=BORN_1940, region="15042x")


def test_money_from_a_float_is_refused() -> None:
    with pytest.raises(TypeError, match="money is never a float"):
        BeneficiaryFacts(resident_id=BORN_1940, region=TOWN, per_capita_income=400.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="money is never a float"):
        BeneficiaryFacts(resident_id=BORN_1940, region=TOWN, quantities={"grassland_mu": 1.5})  # type: ignore[dict-item]


def test_facts_take_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        BeneficiaryFacts(BORN_1940, TOWN)  # type: ignore[misc]


def test_an_unknown_language_is_refused(catalog: PolicyCatalog) -> None:
    due = catalog.entitle("GLJT", BeneficiaryFacts(resident_id=BORN_1940, region=TOWN), Period("2026-11"))
    with pytest.raises(ValueError, match='language "fr" is not supported'):
        due.explanation("fr")  # type: ignore[arg-type]
