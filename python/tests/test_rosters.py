"""A township's roster from Python: a register, a roster file taken in against it and
the policy catalogue, the validation report as a table, and the review to finance."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import make_resident_ids
from yikatong import (
    AccountKind,
    AccountNumber,
    Actor,
    CreditCode,
    IntakeMode,
    InvalidRegisterChange,
    InvalidTable,
    InvalidRoster,
    Period,
    PolicyCatalog,
    Register,
    ReviewContext,
    ReviewRefused,
    Role,
    RosterCase,
    Roster,
    RosterRejected,
    Severity,
    ValidationReport,
    WorkCalendar,
    read_roster,
)

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "data" / "policies"
TOWNSHIP = "150422101"  # a township of 巴林左旗
VILLAGE = "150422101001"
PROJECT = "CYSTBH-CXPH"  # 2.50 yuan per mu of grassland, at least 200.00 per household
ON = datetime.date(2026, 11, 2)  # a Monday

# Four registered heads of household and one person who is not registered.
GOOD, DECEASED, NO_ACCOUNT, SECOND, STRANGER = make_resident_ids(5, seed=8)


def card(seed: int) -> str:
    """A 16-digit bank card number with a valid Luhn check digit."""
    body = f"621700{seed:09d}"
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def bad_id() -> str:
    """GOOD with a wrong check character."""
    return GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


@pytest.fixture()
def catalog() -> PolicyCatalog:
    catalog = PolicyCatalog()
    catalog.load_file(POLICIES / "cystbh.json")
    return catalog


@pytest.fixture()
def register() -> Register:
    register = Register()
    register.add_bank(code="NXS", name="内蒙古农村商业银行", credit_code=CreditCode("91350100M000100Y43"))
    register.sign_agreement(bank_code="NXS", county="150422", valid_from=datetime.date(2020, 1, 1))
    people = [
        (GOOD, "巴特尔", "H1", None, Decimal("100")),
        (DECEASED, "其木格", "H2", datetime.date(2026, 3, 1), Decimal("80")),
        (NO_ACCOUNT, "乌力吉", "H3", None, Decimal("120")),
        (SECOND, "萨仁", "H4", None, Decimal("40")),
    ]
    for number, (person, name, household, died, mu) in enumerate(people):
        register.add_beneficiary(
            resident_id=person,
            name=name,
            household_id=household,
            village=VILLAGE,
            phone="13800000000",
            tags=["rural_hukou"],
            quantities={"grassland_mu": mu},
            deceased_on=died,
        )
        register.add_household(household_id=household, head=person)
        if person != NO_ACCOUNT:
            register.add_account(
                holder=person,
                holder_name=name,
                bank_code="NXS",
                number=AccountNumber(card(number), AccountKind.BankCard),
                verified=True,
            )
    return register


def write_roster(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("身份证号,姓名\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def take_in(
    source: Path | bytes, register: Register, catalog: PolicyCatalog, mode: IntakeMode = IntakeMode.Lenient
) -> tuple[Roster, ValidationReport]:
    return read_roster(
        source,
        roster_id="CYSTBH-CXPH-2026-150422101",
        project=PROJECT,
        period=Period("2026"),
        township=TOWNSHIP,
        register=register,
        catalog=catalog,
        on=ON,
        mode=mode,
    )


MIXED = [
    f"{GOOD},巴特尔",  # line 2: good
    f"{bad_id()},某人",  # line 3: bad ID
    f"{STRANGER},陌生人",  # line 4: not in the register
    f"{DECEASED},其木格",  # line 5: deceased
    f"{NO_ACCOUNT},乌力吉",  # line 6: no account
]


def test_the_register_holds_people_households_and_accounts(register: Register) -> None:
    assert len(register) == 4
    assert GOOD in register and STRANGER not in register
    person = register.beneficiary(GOOD)
    assert person is not None
    assert person.name == "巴特尔" and person.household_id == "H1"
    assert str(person.village) == VILLAGE
    assert person.quantities == {"grassland_mu": Decimal("100")}
    assert register.household_count == 4 and register.account_count == 3
    assert register.household("H1") is not None
    assert [str(n) for n in register.accounts_of(GOOD)] == [card(0)]
    assert register.bank_may_pay_in("NXS", VILLAGE, ON)
    assert not register.bank_may_pay_in("XYZ", VILLAGE, ON)
    assert "4 beneficiaries" in repr(register)


def test_a_bad_register_change_is_refused_naming_the_rule(register: Register) -> None:
    with pytest.raises(InvalidRegisterChange) as caught:
        register.add_beneficiary(resident_id=GOOD, name="巴特尔", household_id="H1", village=VILLAGE)
    assert "already in the register" in str(caught.value)
    with pytest.raises(InvalidRegisterChange, match="mobile number"):
        register.add_beneficiary(
            resident_id=STRANGER, name="某", household_id="H9", village=VILLAGE, phone="12345"
        )
    with pytest.raises(InvalidRegisterChange, match="county"):
        register.sign_agreement(bank_code="NXS", county=TOWNSHIP, valid_from=ON)
    assert len(register) == 4


def test_money_from_a_float_is_refused(register: Register) -> None:
    with pytest.raises(TypeError, match="never a float"):
        register.add_beneficiary(
            resident_id=STRANGER,
            name="某",
            household_id="H9",
            village=VILLAGE,
            per_capita_income=1234.5,  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match="float"):
        register.add_beneficiary(
            resident_id=STRANGER,
            name="某",
            household_id="H9",
            village=VILLAGE,
            quantities={"grassland_mu": 1.5},  # type: ignore[dict-item]
        )
    assert STRANGER not in register


def test_lenient_intake_takes_the_good_line_and_reports_the_others(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    roster, report = take_in(write_roster(tmp_path, MIXED), register, catalog)
    assert roster.id == "CYSTBH-CXPH-2026-150422101"
    assert roster.project == PROJECT and str(roster.township) == TOWNSHIP + "000"
    assert roster.period == Period("2026")
    assert len(roster) == 1 == report.accepted
    (line,) = roster.lines()
    assert str(line.resident_id) == GOOD and line.name == "巴特尔"
    assert line.amount == Decimal("250.00") == roster.total
    assert line.account_number == card(0) and line.bank_code == "NXS"
    assert line.source_line == 2
    assert len(roster.content_hash) == 64

    by_line = {p.line: p for p in report.problems if p.severity == Severity.Error}
    assert set(by_line) >= {3, 4, 5, 6}
    assert report.rejected_lines() == [3, 4, 5, 6] and report.rejected == 4
    assert by_line[3].code == "invalid_resident_id" and by_line[3].field == "resident_id"
    assert by_line[3].value == bad_id()
    assert by_line[4].code == "not_in_register"
    assert by_line[5].message.startswith("line 5")
    assert "deceased" in by_line[5].code or "died" in by_line[5].rule
    assert report.error_count >= 4
    assert report.error_count + report.warning_count == len(report.problems) == len(report)

    table = pa.table(report.to_arrow())
    assert table.column_names == ["line", "line_no", "field", "value", "severity", "code", "rule", "message"]
    assert table.num_rows == len(report.problems)
    assert table.column("line").to_pylist() == [p.line for p in report.problems]
    assert "error" in table.column("severity").to_pylist()

    lines = roster.to_arrow().to_pandas()
    assert list(lines["amount"]) == [Decimal("250.00")] and list(lines["amount_fen"]) == [25000]
    assert list(lines["resident_id"]) == [GOOD] and list(lines["account_number"]) == [card(0)]


def test_intake_reads_bytes_too_and_gives_the_same_roster(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    path = write_roster(tmp_path, MIXED)
    from_path, _ = take_in(path, register, catalog)
    from_bytes, _ = take_in(path.read_bytes(), register, catalog)
    assert from_path.content_hash == from_bytes.content_hash


def test_intake_reads_a_pyarrow_polars_or_pandas_table_as_the_csv(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    import pandas as pd
    import polars as pl

    from_csv, csv_report = take_in(write_roster(tmp_path, MIXED), register, catalog)
    columns = {
        "身份证号": [row.split(",")[0] for row in MIXED],
        "姓名": [row.split(",")[1] for row in MIXED],
    }
    for table in (pa.table(columns), pl.DataFrame(columns), pd.DataFrame(columns)):
        roster, report = read_roster(
            table,
            roster_id="CYSTBH-CXPH-2026-150422101",
            project=PROJECT,
            period=Period("2026"),
            township=TOWNSHIP,
            register=register,
            catalog=catalog,
            on=ON,
        )
        assert roster.content_hash == from_csv.content_hash, type(table)
        assert report.rejected_lines() == csv_report.rejected_lines() == [3, 4, 5, 6]
        assert [p.code for p in report.problems] == [p.code for p in csv_report.problems]
    # IDs as numbers lose their digits' meaning (a final X, leading zeros): refused on
    # their lines; a float column (money, areas) is refused whole, naming it.
    numbers = pa.table({"身份证号": pa.array([int(GOOD)], pa.int64()), "姓名": ["巴特尔"]})
    roster, report = read_roster(
        numbers, roster_id="R", project=PROJECT, period=Period("2026"), township=TOWNSHIP,
        register=register, catalog=catalog, on=ON,
    )  # fmt: skip
    assert len(roster) == 0 and report.rejected_lines() == [2]
    assert "stored as a number" in report.problems[0].message
    floats = pa.table({"身份证号": [GOOD], "金额（元）": [250.0]})
    with pytest.raises(InvalidTable) as refused:
        read_roster(
            floats, roster_id="R", project=PROJECT, period=Period("2026"), township=TOWNSHIP,
            register=register, catalog=catalog, on=ON,
        )  # fmt: skip
    assert refused.value.column == "金额（元）" and "float" in str(refused.value)


def test_strict_intake_refuses_the_file_with_the_report(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    with pytest.raises(RosterRejected) as caught:
        take_in(write_roster(tmp_path, MIXED), register, catalog, IntakeMode.Strict)
    assert isinstance(caught.value, InvalidRoster)
    assert "strict intake" in str(caught.value)
    assert caught.value.report.rejected == 4
    clean, report = take_in(write_roster(tmp_path, MIXED[:1]), register, catalog, IntakeMode.Strict)
    assert len(clean) == 1 and report.error_count == 0


def test_a_roster_goes_through_review_to_finance_approval(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    roster, report = take_in(write_roster(tmp_path, [f"{GOOD},巴特尔", f"{SECOND},萨仁"]), register, catalog)
    assert report.error_count == 0 and len(roster) == 2
    clerk = Actor("c1", "乌云", Role.TownshipClerk)
    reviewer = Actor("r1", "张三", Role.DepartmentReviewer)
    finance = Actor("f1", "李四", Role.FinanceOfficer)
    calendar = WorkCalendar.weekdays_only()

    def on(days: int) -> ReviewContext:
        return ReviewContext(today=ON + datetime.timedelta(days=days), calendar=calendar)

    case = RosterCase(roster, report, clerk=clerk, on=ON)
    assert case.status == "draft"
    for problem in report.problems:  # warnings are acknowledged before submission
        assert problem.line_no is not None
        case.acknowledge(line_no=problem.line_no, code=problem.code, clerk=clerk, reason="核实无误")
    case.start_publicity(clerk, on(0))
    assert case.status == "in_publicity"
    case.file_objection(clerk, on(1), line=2, text="面积有误", filed_by="村民 赵六")
    assert case.open_objections() == [1]
    case.investigate_objection(clerk, on(2), objection=1)
    case.dismiss_objection(clerk, on(3), objection=1, reason="面积与合同一致")
    assert case.open_objections() == []
    case.submit(clerk, on(14))
    assert case.status == "ready_for_review"
    case.department_approve(reviewer, on(15))
    case.finance_approve(finance, on(16))
    assert case.status == "finance_approved"
    assert case.frozen_hash == roster.content_hash == case.roster.content_hash
    assert case.roster.total == Decimal("250.00") + Decimal("200.00")


def test_a_refused_command_names_state_command_and_role(
    tmp_path: Path, register: Register, catalog: PolicyCatalog
) -> None:
    roster, report = take_in(write_roster(tmp_path, MIXED[:1]), register, catalog)
    clerk = Actor("c1", "乌云", Role.TownshipClerk)
    finance = Actor("f1", "李四", Role.FinanceOfficer)
    context = ReviewContext(today=ON, calendar=WorkCalendar.weekdays_only(), publicity_working_days=7)
    case = RosterCase(roster, report, clerk=clerk, on=ON)

    with pytest.raises(ReviewRefused) as caught:  # wrong order
        case.submit(clerk, context)
    error = caught.value
    assert (error.status, error.command, error.role) == ("draft", "submit", Role.TownshipClerk)
    assert "submit" in str(error) and "draft" in str(error)

    with pytest.raises(ReviewRefused) as caught:  # wrong role
        case.start_publicity(finance, context)
    assert caught.value.command == "start_publicity" and caught.value.role == Role.FinanceOfficer
    assert caught.value.rule is not None and "township clerk" in caught.value.rule
    assert case.status == "draft"

    case.start_publicity(clerk, context)
    with pytest.raises(ReviewRefused, match="public notice runs until"):  # too early
        case.submit(clerk, context)
    assert case.status == "in_publicity"
