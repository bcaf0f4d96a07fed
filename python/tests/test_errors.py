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
    InvalidNotice,
    InvalidNoticeKey,
    InvalidPeriod,
    InvalidPolicy,
    InvalidRegionCode,
    InvalidRegisterChange,
    InvalidResidentId,
    InvalidRoster,
    InvalidSmsTemplate,
    InvalidTable,
    NoticeForged,
    NoticeSigner,
    Period,
    RegionCode,
    RegionTree,
    ResidentId,
    ReviewRefused,
    RosterRejected,
    SignedNotice,
    SmsTemplate,
    SmsTooLong,
    UnknownProject,
    UnknownRegion,
    WorkCalendar,
    WrongNoticeKey,
    YikatongError,
    verify_notice,
)

# A signed notice with a well-formed but wrong signature (see test_notices.py).
SIGNED_JSON = (
    '{"notice":{"notice_id":"6F1C2A3B4D5E6F708192A3B4C5D6E7F8-01","payment_id":"6F1C2A3B4D5E6F708192A3B4C5D6E7F8",'
    '"project_code":"GDDL","project_name":"耕地地力保护补贴","period":"2026","amount":"1234.50",'
    '"settled_on":"2026-11-28","payee_name":"张*丰","payee_id":"110105********002X","account_tail":"0018",'
    '"department":"某某旗财政局","hotline":"12345"},"signature":"' + "0" * 128 + '","key_id":"56475aa75463474c"}'
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
    InvalidNotice,
    InvalidSmsTemplate,
    SmsTooLong,
    InvalidNoticeKey,
    NoticeForged,
    WrongNoticeKey,
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
        (lambda: SmsTemplate("{amout}"), InvalidSmsTemplate, "unknown placeholder {amout} at character 1"),
        (lambda: SignedNotice.from_json("{"), InvalidNotice, "signed notice JSON"),
        (lambda: NoticeSigner.from_seed(b"short"), InvalidNoticeKey, "the seed has 5 bytes"),
        (lambda: verify_notice(bytes(31), SignedNotice.from_json(SIGNED_JSON)), InvalidNoticeKey, "31 bytes"),
        (
            lambda: verify_notice(NoticeSigner.from_seed(bytes(32)).public_key, SignedNotice.from_json(SIGNED_JSON)),
            WrongNoticeKey,
            "do not trust it",
        ),
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


def test_notice_error_hierarchy() -> None:
    assert issubclass(SmsTooLong, InvalidSmsTemplate)
    assert issubclass(WrongNoticeKey, NoticeForged)
    assert InvalidNotice.field is None and InvalidSmsTemplate.position is None


def test_a_forged_notice_raises_notice_forged() -> None:
    public_key = bytes.fromhex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
    with pytest.raises(NoticeForged, match="the signature does not match") as caught:
        verify_notice(public_key, SignedNotice.from_json(SIGNED_JSON))
    assert type(caught.value) is NoticeForged
    assert caught.value.value is None


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
