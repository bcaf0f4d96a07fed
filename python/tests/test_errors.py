"""Core errors arrive as one exception hierarchy carrying the core's message."""

from __future__ import annotations

import pytest

import yikatong
from yikatong import (
    AccountKind,
    AccountNumber,
    Amount,
    CreditCode,
    DataError,
    DateOutOfRange,
    InvalidAccountNumber,
    InvalidAmount,
    InvalidCreditCode,
    InvalidPeriod,
    InvalidPolicy,
    InvalidRegionCode,
    InvalidRegisterChange,
    InvalidResidentId,
    InvalidRoster,
    InvalidTable,
    Period,
    RegionCode,
    RegionTree,
    ResidentId,
    ReviewRefused,
    RosterRejected,
    UnknownProject,
    UnknownRegion,
    WorkCalendar,
    YikatongError,
)

SUBCLASSES = [
    InvalidResidentId,
    InvalidCreditCode,
    InvalidAccountNumber,
    InvalidAmount,
    InvalidRegionCode,
    UnknownRegion,
    InvalidPeriod,
    DateOutOfRange,
    DataError,
    InvalidPolicy,
    UnknownProject,
    InvalidTable,
    InvalidRegisterChange,
    InvalidRoster,
    RosterRejected,
    ReviewRefused,
]


@pytest.mark.parametrize("cls", SUBCLASSES)
def test_every_error_is_a_yikatong_error_and_a_value_error(cls: type[YikatongError]) -> None:
    assert issubclass(cls, YikatongError)
    assert issubclass(cls, ValueError)
    assert cls.__module__ == "yikatong._native"


def test_resident_id_error_has_the_cores_message_value_and_rule() -> None:
    with pytest.raises(InvalidResidentId) as caught:
        ResidentId("110105194912310021")
    error = caught.value
    assert str(error).startswith('resident ID number "110105194912310021": ')
    assert "check character should be 'X' but is '1'" in str(error)
    assert error.value == "110105194912310021"
    assert error.rule is not None and error.rule.startswith("check character should be 'X' but is '1'")
    assert error.args == (str(error),)


@pytest.mark.parametrize(
    ("call", "cls", "fragment"),
    [
        (lambda: CreditCode("91350100M000100Y44"), InvalidCreditCode, "check character should be '3' but is '4'"),
        (lambda: AccountNumber("6228480000000000019", AccountKind.BankCard), InvalidAccountNumber, "Luhn"),
        (lambda: Amount("1.005"), InvalidAmount, 'amount "1.005"'),
        (lambda: Amount("1") - Amount("2"), InvalidAmount, "negative"),
        (lambda: Amount.MAX + Amount("0.01"), InvalidAmount, "larger than the largest amount"),
        (lambda: RegionCode("abc"), InvalidRegionCode, 'region code "abc"'),
        (lambda: RegionTree.bundled().lookup("150499"), UnknownRegion, 'region "150499000000" is not in the region table'),
        (lambda: RegionTree.bundled().find_by_path("内蒙古自治区/不存在市"), UnknownRegion, "不存在市"),
        (lambda: Period("2026Q5"), InvalidPeriod, 'period "2026Q5"'),
        (lambda: Period.month(2026, 13), InvalidPeriod, "2026-13"),
    ],
)
def test_each_core_error_maps_to_its_class(call: object, cls: type[YikatongError], fragment: str) -> None:
    with pytest.raises(cls) as caught:
        call()  # type: ignore[operator]
    assert fragment in str(caught.value)
    # Catchable by the base class as well, as a caller would write it.
    try:
        call()  # type: ignore[operator]
    except YikatongError as error:
        assert type(error) is cls
    else:
        pytest.fail("no error raised")


def test_date_out_of_range_from_the_calendar() -> None:
    import datetime

    with pytest.raises(DateOutOfRange, match="date out of range"):
        WorkCalendar.bundled().add_working_days(datetime.date(9999, 12, 31), 1)


def test_bad_data_file_raises_data_error_with_line() -> None:
    csv = b"code12,name,level,parent_code12\n150000000000,\xe5\x86\x85\xe8\x92\x99\xe5\x8f\xa4,province,\nnot-a-code,x,county,150000000000\n"
    with pytest.raises(DataError, match="line 3") as caught:
        RegionTree.from_csv("test.csv", csv)
    assert "test.csv" in str(caught.value)


def test_bad_calendar_file_raises_data_error() -> None:
    with pytest.raises(DataError, match="cal.csv"):
        WorkCalendar.from_csv("cal.csv", b"date,kind,name\n2024-13-01,holiday,X\n")


def test_errors_without_value_have_none_attributes() -> None:
    assert YikatongError.value is None and YikatongError.rule is None
    assert YikatongError("plain").value is None


def test_package_exports_everything_from_native() -> None:
    assert sorted(yikatong.__all__) == sorted(yikatong._native.__all__)
    for name in yikatong.__all__:
        assert getattr(yikatong, name) is getattr(yikatong._native, name)
