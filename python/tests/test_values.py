"""Value semantics of the frozen classes: equality, hashing, ordering, repr, pickling."""

from __future__ import annotations

import copy
import pickle

import pytest

from yikatong import (
    AccountKind,
    AccountNumber,
    AccountWarning,
    Amount,
    CalendarCoverage,
    CreditCode,
    DayKind,
    Period,
    PeriodKind,
    RegionCode,
    RegionLevel,
    ResidentId,
    Rounding,
    Sex,
)

VALUES: list[object] = [
    ResidentId("11010519491231002X"),
    CreditCode("91350100M000100Y43"),
    AccountNumber("6228 4800 0000 0000 018", AccountKind.BankCard),
    Amount("1234.50"),
    RegionCode("150422100"),
    Period("2026Q4"),
    Sex.Female,
    AccountKind.Passbook,
    AccountWarning.NoCheckDigit,
    Rounding.Yuan,
    RegionLevel.Township,
    PeriodKind.HalfYear,
    CalendarCoverage.WeekdayFallback,
    DayKind.MakeUpWorkday,
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_pickle_and_copy_round_trip(value: object) -> None:
    restored = pickle.loads(pickle.dumps(value))
    assert restored == value and hash(restored) == hash(value)
    assert copy.deepcopy(value) == value


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_frozen(value: object) -> None:
    with pytest.raises(AttributeError):
        value.anything = 1  # type: ignore[attr-defined]


def test_equal_values_hash_alike_whatever_the_input_spelling() -> None:
    assert ResidentId("11010519491231002x") == ResidentId(" 110105491231002 ")
    assert len({ResidentId("11010519491231002X"), ResidentId("110105491231002")}) == 1
    assert len({Amount("1.5"), Amount("1.50"), Amount("¥1.50")}) == 1
    assert len({RegionCode("15"), RegionCode("150000000000"), RegionCode(150000000000)}) == 1
    assert len({Period("2026-Q4"), Period("2026q4"), Period.quarter(2026, 4)}) == 1
    assert Amount("1.5") != "1.50"
    assert ResidentId("11010519491231002X") != "11010519491231002X"


def test_ordering() -> None:
    assert Amount("9.99") < Amount("10") <= Amount("10.00") < Amount.MAX
    assert sorted([Amount("3"), Amount.ZERO, Amount("1")]) == [Amount.ZERO, Amount("1"), Amount("3")]
    assert RegionCode("15") < RegionCode("1504") < RegionCode("21")
    assert Period("2026-10") < Period("2026-11")
    with pytest.raises(TypeError):
        _ = Amount("1") < 2  # type: ignore[operator]


def test_str_and_repr() -> None:
    rid = ResidentId("11010519491231002x")
    assert str(rid) == rid.as_str() == "11010519491231002X"
    assert repr(rid) == "ResidentId('11010519491231002X')"
    assert repr(Amount("1,234.5")) == "Amount('1234.50')" and str(Amount("7")) == "7.00"
    assert repr(RegionCode("1504")) == "RegionCode('150400000000')"
    assert repr(Period("2026h2")) == "Period('2026H2')" and str(Period("2026h2")) == "2026H2"
    assert repr(CreditCode("91350100m000100y43")) == "CreditCode('91350100M000100Y43')"
    account = AccountNumber("6228480000000000018", AccountKind.BankCard)
    assert repr(account) == "AccountNumber('6228480000000000018', AccountKind.BankCard)"
    assert repr(Sex.Male) == "Sex.Male" and str(Sex.Male) == "male"
    assert str(AccountKind.SocialSecurityCard) == "social security card"
    assert str(RegionLevel.County) == "county"


def test_amount_arithmetic_returns_new_amounts() -> None:
    a, b = Amount("10.10"), Amount("0.90")
    assert a + b == Amount("11") and a - b == Amount("9.20")
    assert a == Amount("10.10")  # unchanged
    assert Amount.checked_sum([a, b, b]) == Amount("11.90")
    assert Amount.checked_sum(iter([])) == Amount.ZERO
    assert sum([a, b], Amount.ZERO) == Amount("11")
    assert not Amount.ZERO and Amount("0.01")
    parts = Amount("100.01").split(["0.6", "0.3", "0.1"])
    assert parts == [Amount("60.01"), Amount("30.00"), Amount("10.00")]
    assert Amount.checked_sum(parts) == Amount("100.01")
    assert Amount("100").split_evenly(3) == [Amount("33.34"), Amount("33.33"), Amount("33.33")]
    with pytest.raises(TypeError):
        _ = a + 1  # type: ignore[operator]


def test_accessors_return_python_values() -> None:
    rid = ResidentId("11010519491231002X")
    assert (rid.area_code, rid.sex, rid.masked()) == ("110105", Sex.Female, "110105********002X")
    code = CreditCode("91350100M000100Y43")
    assert (code.registration_authority, code.entity_type, code.region_code, code.organisation_code) == (
        "9",
        "1",
        "350100",
        "M000100Y4",
    )
    passbook = AccountNumber("15-0102-0000-1234", AccountKind.Passbook)
    assert passbook.warning == AccountWarning.NoCheckDigit
    assert "confirm it with the agent bank" in str(passbook.warning)
    assert (passbook.last4, passbook.masked(), passbook.kind) == ("1234", "**********1234", AccountKind.Passbook)
    assert AccountNumber("6228480000000000018", AccountKind.BankCard).warning is None
    assert AccountKind.SocialSecurityCard.name_zh() == "社会保障卡"
    assert AccountKind.BankCard.digit_range() == (12, 19)
