"""Python values in and out: Decimal, int, str, date; floats refused."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from yikatong import (
    Amount,
    InvalidAmount,
    InvalidRegionCode,
    Period,
    RegionCode,
    ResidentId,
    Rounding,
    WorkCalendar,
)


def test_amount_from_str_decimal_int_and_amount() -> None:
    assert Amount("1,234.50") == Amount(Decimal("1234.5")) == Amount("¥1234.50")
    assert Amount(150) == Amount("150.00")
    assert Amount(Amount("3.10")) == Amount("3.1")
    assert Amount(10**12 - 1) == Amount("999999999999")


def test_amount_as_decimal_is_decimal_with_two_places() -> None:
    value = Amount("1234.5").as_decimal()
    assert type(value) is Decimal
    assert value == Decimal("1234.50")
    assert str(value) == "1234.50"
    assert Amount("80").to_fen() == 8000


@pytest.mark.parametrize(
    "call",
    [
        lambda: Amount(1.5),  # type: ignore[arg-type]
        lambda: Amount.from_decimal(0.1),  # type: ignore[arg-type]
        lambda: Amount.from_decimal_rounded(0.125),  # type: ignore[arg-type]
        lambda: Amount("10").checked_mul(1.5),  # type: ignore[arg-type]
        lambda: Amount("10").split([0.5, 0.5]),  # type: ignore[list-item]
    ],
)
def test_floats_are_refused_with_type_error(call: object) -> None:
    with pytest.raises(TypeError, match="money is never a float"):
        call()  # type: ignore[operator]


def test_bool_and_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="bool"):
        Amount(True)
    with pytest.raises(TypeError, match="NoneType"):
        Amount(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Amount(b"12")  # type: ignore[arg-type]


def test_decimal_arguments_accept_decimal_int_and_str() -> None:
    ten = Amount("10.00")
    assert ten.checked_mul(Decimal("1.5")) == ten.checked_mul("1.5") == Amount("15")
    assert ten.checked_mul(3) == Amount("30")
    assert ten.split([Decimal("0.6"), 3, "1"]) == ten.split([Decimal("0.6"), Decimal("3"), Decimal("1")])
    assert Amount.from_decimal_rounded(Decimal("2.5"), Rounding.Yuan) == Amount("3")
    assert Amount.parse_rounded("1.005") == Amount("1.01")


def test_unreadable_decimals_raise_the_cores_amount_error() -> None:
    with pytest.raises(InvalidAmount):
        Amount(Decimal("NaN"))
    with pytest.raises(InvalidAmount):
        Amount(Decimal("Infinity"))
    with pytest.raises(InvalidAmount, match="larger than the largest amount"):
        Amount(10**30)
    with pytest.raises(InvalidAmount, match="negative"):
        Amount(-1)


def test_dates_in_and_out_are_datetime_date() -> None:
    rid = ResidentId("11010519491231002X")
    assert rid.birth_date == datetime.date(1949, 12, 31)
    assert type(rid.birth_date) is datetime.date
    assert rid.age_on(datetime.date(2029, 12, 31)) == 80
    quarter = Period("2026Q4")
    assert (quarter.first_day, quarter.last_day) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert Period.day(datetime.date(2026, 11, 26)) == Period("2026-11-26")


def test_datetime_is_refused_where_a_civil_date_is_expected() -> None:
    moment = datetime.datetime(2026, 11, 26, 23, 30)
    with pytest.raises(TypeError, match="datetime.datetime"):
        Period("2026").contains(moment)
    with pytest.raises(TypeError, match="datetime.datetime"):
        WorkCalendar.bundled().is_working_day(moment)
    with pytest.raises(TypeError, match="datetime.date"):
        Period("2026").contains("2026-11-26")  # type: ignore[arg-type]


def test_region_code_arguments_accept_code_str_and_int() -> None:
    code = RegionCode("150422100")
    assert RegionCode(150422100000) == code == RegionCode(code)
    assert code.is_within("1504") and code.is_within(150400000000) and code.is_within(RegionCode("15"))
    assert int(code) == code.as_u64() == 150422100000
    assert str(code) == "150422100000"
    with pytest.raises(InvalidRegionCode):
        RegionCode("1504221")
    with pytest.raises(TypeError):
        RegionCode(15.0)  # type: ignore[arg-type]


def test_strings_come_back_as_str() -> None:
    assert Amount("1409.5").to_capitals() == "壹仟肆佰零玖元伍角"
    assert Amount("10").to_capitals_with_prefix() == "人民币壹拾元整"
    assert Amount("1234567.5").to_grouped_string() == "1,234,567.50"
    assert ResidentId.check_character("11010519491231002") == "X"
    assert ResidentId.check_character("123") is None
