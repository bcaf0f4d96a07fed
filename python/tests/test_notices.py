"""Payment notices: the test vector of docs/notice-format.md reproduced from Python, signing
and offline verification (every single-field forgery and another key are rejected), the
JSON form, the SMS with its 70-character limit and the template's errors."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from yikatong import (
    Amount,
    InvalidNotice,
    InvalidNoticeKey,
    InvalidSmsTemplate,
    NoticeForged,
    NoticeSigner,
    PaymentNotice,
    Period,
    PeriodKind,
    SignedNotice,
    SmsTemplate,
    SmsText,
    SmsTooLong,
    WrongNoticeKey,
    YikatongError,
    verify_notice,
    verify_notice_json,
)

# The test vector of docs/notice-format.md.
SEED = bytes(range(32))
FIELDS: dict[str, Any] = {
    "notice_id": "6F1C2A3B4D5E6F708192A3B4C5D6E7F8-01",
    "payment_id": "6F1C2A3B4D5E6F708192A3B4C5D6E7F8",
    "project_code": "GDDL",
    "project_name": "耕地地力保护补贴",
    "period": "2026",
    "amount": Decimal("1234.50"),
    "settled_on": datetime.date(2026, 11, 28),
    "payee_name": "张*丰",
    "payee_id": "110105********002X",
    "account_tail": "0018",
    "department": "某某旗财政局",
    "hotline": "12345",
}
CANONICAL = (
    "yikatong-notice-v1\n"
    "notice_id=6F1C2A3B4D5E6F708192A3B4C5D6E7F8-01\n"
    "payment_id=6F1C2A3B4D5E6F708192A3B4C5D6E7F8\n"
    "project_code=GDDL\n"
    "project_name=耕地地力保护补贴\n"
    "period=2026\n"
    "amount=1234.50\n"
    "settled_on=2026-11-28\n"
    "payee_name=张*丰\n"
    "payee_id=110105********002X\n"
    "account_tail=0018\n"
    "department=某某旗财政局\n"
    "hotline=12345\n"
)
CANONICAL_HEX = (
    "79696b61746f6e672d6e6f746963652d76310a6e6f746963655f69643d3646314332413342344435"
    "4536463730383139324133423443354436453746382d30310a7061796d656e745f69643d36463143"
    "324133423444354536463730383139324133423443354436453746380a70726f6a6563745f636f64"
    "653d4744444c0a70726f6a6563745f6e616d653de88095e59cb0e59cb0e58a9be4bf9de68aa4e8a1"
    "a5e8b4b40a706572696f643d323032360a616d6f756e743d313233342e35300a736574746c65645f"
    "6f6e3d323032362d31312d32380a70617965655f6e616d653de5bca02ae4b8b00a70617965655f69"
    "643d3131303130352a2a2a2a2a2a2a2a303032580a6163636f756e745f7461696c3d303031380a64"
    "65706172746d656e743de69f90e69f90e69797e8b4a2e694bfe5b1800a686f746c696e653d313233"
    "34350a"
)
PUBLIC_KEY_HEX = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
KEY_ID = "56475aa75463474c"
SIGNATURE = (
    "f8c36eefb6db1e54bc39a5639a6a72ee94ed5ae309ce67844e364b0cdd1fc83d"
    "30966ca3c74a8bf2c327419c752da88a4cc6daa2cd1fb6543e40046f85e4730c"
)
TEMPLATE = "【惠民惠农一卡通】您的{period}{project}{amount}元已于{date}发放至尾号{account_tail}的社保卡，咨询{hotline}。"

# 23 characters: with it the SMS of TEMPLATE no longer fits one message.
LONG_PROJECT_NAME = "草原生态保护补助奖励禁牧补助及草畜平衡奖励资金"


def notice(**changes: Any) -> PaymentNotice:
    return PaymentNotice(**{**FIELDS, **changes})


@pytest.fixture(scope="module")
def signer() -> NoticeSigner:
    return NoticeSigner.from_seed(SEED)


@pytest.fixture(scope="module")
def signed(signer: NoticeSigner) -> SignedNotice:
    return signer.sign(notice())


# The notice ------------------------------------------------------------------------------


def test_fields_read_back() -> None:
    n = notice(amount="1,234.5", period=Period("2026"))
    assert n.notice_id == FIELDS["notice_id"]
    assert n.payment_id == "6F1C2A3B4D5E6F708192A3B4C5D6E7F8"
    assert n.project_code == "GDDL" and n.project_name == "耕地地力保护补贴"
    assert n.period == Period("2026")
    assert n.amount == Decimal("1234.50") and str(n.amount) == "1234.50"
    assert n.settled_on == datetime.date(2026, 11, 28)
    assert (n.payee_name, n.payee_id, n.account_tail) == ("张*丰", "110105********002X", "0018")
    assert (n.department, n.hotline) == ("某某旗财政局", "12345")
    assert n == notice() and hash(n) == hash(notice())
    assert n != notice(account_tail="0019")
    assert "GDDL" in repr(n) and "1234.50" in repr(n) and "0018" in repr(n)


def test_lower_case_payment_id_is_written_in_upper_case() -> None:
    n = notice(payment_id=FIELDS["payment_id"].lower())
    assert n.payment_id == FIELDS["payment_id"]
    assert n.to_canonical() == CANONICAL


@pytest.mark.parametrize("amount", [Decimal("1234.50"), "1234.50", "¥1,234.50", Amount("1234.5")])
def test_amount_as_decimal_str_or_amount(amount: object) -> None:
    assert notice(amount=amount).amount == Decimal("1234.50")


def test_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="money is never a float"):
        notice(amount=1234.5)


def test_datetime_is_refused_for_settled_on() -> None:
    with pytest.raises(TypeError, match="datetime.datetime"):
        notice(settled_on=datetime.datetime(2026, 11, 28, 9, 0))


def test_fields_are_keyword_only_and_read_only() -> None:
    with pytest.raises(TypeError):
        PaymentNotice(*FIELDS.values())  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        notice().amount = Decimal("1")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"project_name": ""}, "project_name", "is empty"),
        ({"hotline": "12345\n400-000-0000"}, "hotline", "line break"),
        ({"account_tail": "018"}, "account_tail", "exactly 4 digits"),
        ({"account_tail": "00a8"}, "account_tail", "exactly 4 digits"),
        ({"payee_id": "11010519491231002X"}, "payee_id", "not masked"),
        ({"settled_on": datetime.date(1899, 12, 31)}, "settled_on", "1900"),
    ],
)
def test_a_notice_that_could_not_be_signed_is_refused(changes: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InvalidNotice, match=fragment) as caught:
        notice(**changes)
    assert caught.value.field == field


def test_bad_payment_id_and_period_are_yikatong_errors() -> None:
    with pytest.raises(YikatongError):
        notice(payment_id="6F1C")
    with pytest.raises(YikatongError, match="2026Q5"):
        notice(period="2026Q5")


# The test vector -------------------------------------------------------------------------


def test_canonical_encoding_is_the_documented_one() -> None:
    n = notice()
    assert n.to_canonical() == CANONICAL
    assert n.canonical_bytes() == CANONICAL.encode("utf-8") == bytes.fromhex(CANONICAL_HEX)
    assert len(n.canonical_bytes()) == 323
    assert hashlib.sha256(n.canonical_bytes()).hexdigest() == (
        "29e1ef50cd883604cb154e99d8d4815ef43699b526ac3f6c73c9f94063055b1f"
    )


def test_test_vector_key_and_signature(signer: NoticeSigner, signed: SignedNotice) -> None:
    assert signer.public_key == bytes.fromhex(PUBLIC_KEY_HEX)
    assert signer.public_key_hex == PUBLIC_KEY_HEX
    assert signer.key_id == KEY_ID == hashlib.sha256(signer.public_key).hexdigest()[:16]
    assert signed.key_id == KEY_ID
    # Ed25519 is deterministic: the same key and bytes give the documented signature.
    assert signed.signature == SIGNATURE
    assert signed.signature_bytes() == bytes.fromhex(SIGNATURE)
    assert signed.notice == notice()
    verify_notice(bytes.fromhex(PUBLIC_KEY_HEX), signed)
    verify_notice(PUBLIC_KEY_HEX, signed)
    verify_notice(PUBLIC_KEY_HEX.upper(), signed)


def test_the_signer_never_shows_its_secret(signer: NoticeSigner) -> None:
    assert KEY_ID in repr(signer)
    assert SEED.hex() not in repr(signer)


# Verification ----------------------------------------------------------------------------


def test_sign_verify_round_trip() -> None:
    signer = NoticeSigner.from_seed(b"\x07" * 32)
    n = notice(notice_id="00112233445566778899AABBCCDDEEFF-02", payment_id="00112233445566778899AABBCCDDEEFF")
    signed = signer.sign(n)
    verify_notice(signer.public_key, signed)  # returns None: no exception means genuine
    assert verify_notice_json(signer.public_key, signed.to_json()) == n


FORGERIES: list[dict[str, Any]] = [
    {"amount": "1234.51"},
    {"amount": "9234.50"},
    {"account_tail": "0019"},
    {"payee_id": "110105********003X"},
    {"payee_name": "张*峰"},
    {"period": "2025"},
    {"period": "2026H1"},
    {"settled_on": datetime.date(2026, 11, 29)},
    {"hotline": "400-000-0000"},
    {"department": "某某旗民政局"},
    {"project_name": "耕地地力保护补贴（补发）"},
    {"project_code": "GDDM"},
    {"notice_id": "6F1C2A3B4D5E6F708192A3B4C5D6E7F8-02"},
    {"payment_id": "6F1C2A3B4D5E6F708192A3B4C5D6E7F9"},
]


@pytest.mark.parametrize("changes", FORGERIES, ids=lambda c: next(iter(c)))
def test_each_single_field_forgery_is_rejected(
    signer: NoticeSigner, signed: SignedNotice, changes: dict[str, Any]
) -> None:
    forged = SignedNotice(notice=notice(**changes), signature=signed.signature, key_id=signed.key_id)
    with pytest.raises(NoticeForged, match="does not match") as caught:
        verify_notice(signer.public_key, forged)
    assert type(caught.value) is NoticeForged
    # The same forgery in the JSON an app receives.
    document = json.loads(signed.to_json())
    document["notice"].update(json.loads(forged.to_json())["notice"])
    with pytest.raises(NoticeForged):
        verify_notice_json(signer.public_key, json.dumps(document, ensure_ascii=False))


def test_a_notice_signed_with_another_key_is_rejected(signer: NoticeSigner) -> None:
    other = NoticeSigner.from_seed(b"\x2a" * 32)
    by_other = other.sign(notice())
    with pytest.raises(WrongNoticeKey, match=other.key_id) as caught:
        verify_notice(signer.public_key, by_other)
    assert caught.value.value == other.key_id
    assert isinstance(caught.value, NoticeForged)
    # Relabelled with the department's key id, it still fails: the signature does not match.
    relabelled = SignedNotice(notice=by_other.notice, signature=by_other.signature, key_id=signer.key_id)
    with pytest.raises(NoticeForged, match="does not match"):
        verify_notice(signer.public_key, relabelled)


@pytest.mark.parametrize(
    "bad", ["", "00", "zz" * 64, "0" * 127, "0" * 129, SIGNATURE[:127] + " ", "+0" * 64, "é" * 64]
)
def test_a_malformed_signature_is_rejected(signer: NoticeSigner, signed: SignedNotice, bad: str) -> None:
    forged = SignedNotice(notice=signed.notice, signature=bad, key_id=signed.key_id)
    with pytest.raises(NoticeForged, match="128 hexadecimal digits") as caught:
        verify_notice(signer.public_key, forged)
    assert caught.value.value == bad
    with pytest.raises(NoticeForged):
        forged.signature_bytes()


def test_an_all_zero_signature_does_not_match(signer: NoticeSigner, signed: SignedNotice) -> None:
    zeros = SignedNotice(notice=signed.notice, signature="0" * 128, key_id=signed.key_id)
    with pytest.raises(NoticeForged, match="does not match"):
        verify_notice(signer.public_key, zeros)


def test_an_upper_case_signature_is_read(signer: NoticeSigner, signed: SignedNotice) -> None:
    upper = SignedNotice(notice=signed.notice, signature=signed.signature.upper(), key_id=signed.key_id)
    verify_notice(signer.public_key, upper)


# Keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_a_seed_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(InvalidNoticeKey, match=f"the seed has {length} bytes") as caught:
        NoticeSigner.from_seed(bytes(length))
    assert caught.value.value is None  # a seed is a secret: never echoed


def test_a_seed_must_be_bytes() -> None:
    with pytest.raises(TypeError, match="bytes"):
        NoticeSigner.from_seed(SEED.hex())  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [bytes(31), bytes(33), b"", "abc", PUBLIC_KEY_HEX[:-2], "zz" * 32])
def test_a_malformed_public_key_is_refused(signed: SignedNotice, key: bytes | str) -> None:
    with pytest.raises(InvalidNoticeKey, match="not a valid Ed25519 public key"):
        verify_notice(key, signed)
    with pytest.raises(InvalidNoticeKey):
        verify_notice_json(key, signed.to_json())


def test_a_public_key_that_is_no_curve_point_is_refused(signed: SignedNotice) -> None:
    # 32 bytes, but y = 2 is not the y-coordinate of any point on Edwards25519: the
    # core says so instead of calling the notice forged.
    key = (2).to_bytes(32, "little")
    with pytest.raises(InvalidNoticeKey, match="not a valid Ed25519 public key") as caught:
        verify_notice(key, signed)
    assert caught.value.value == key.hex()
    assert caught.value.rule


def test_a_public_key_of_another_type_is_a_type_error(signed: SignedNotice) -> None:
    with pytest.raises(TypeError, match="public key"):
        verify_notice(list(bytes.fromhex(PUBLIC_KEY_HEX)), signed)  # type: ignore[arg-type]


# JSON ------------------------------------------------------------------------------------


def test_json_round_trip(signer: NoticeSigner, signed: SignedNotice) -> None:
    text = signed.to_json()
    document = json.loads(text)
    assert document["signature"] == SIGNATURE and document["key_id"] == KEY_ID
    assert document["notice"]["amount"] == "1234.50"  # a string, never a number
    assert document["notice"] == {
        **{k: v for k, v in FIELDS.items() if k not in ("amount", "settled_on")},
        "amount": "1234.50",
        "settled_on": "2026-11-28",
    }
    back = SignedNotice.from_json(text)
    assert back == signed
    assert verify_notice_json(signer.public_key, text) == notice()
    assert KEY_ID in repr(back)


def test_json_with_an_unsigned_extra_field_is_refused(signer: NoticeSigner, signed: SignedNotice) -> None:
    document = json.loads(signed.to_json())
    document["notice"]["note"] = "请拨打400-000-0000"
    with pytest.raises(InvalidNotice, match="note"):
        verify_notice_json(signer.public_key, json.dumps(document, ensure_ascii=False))
    with pytest.raises(InvalidNotice):
        SignedNotice.from_json(json.dumps(document))


@pytest.mark.parametrize("text", ["", "{not json", "[]", '{"notice": {}}'])
def test_unreadable_json_is_refused(signer: NoticeSigner, text: str) -> None:
    with pytest.raises(InvalidNotice, match="signed notice JSON") as caught:
        verify_notice_json(signer.public_key, text)
    assert caught.value.rule


def test_an_unsigned_change_in_json_is_forged(signer: NoticeSigner, signed: SignedNotice) -> None:
    tampered = signed.to_json().replace("1234.50", "9234.50")
    with pytest.raises(NoticeForged):
        verify_notice_json(signer.public_key, tampered)


def test_an_unmasked_id_in_json_is_refused_not_shown(signer: NoticeSigner, signed: SignedNotice) -> None:
    document = json.loads(signed.to_json())
    document["notice"]["payee_id"] = "11010519491231002X"
    with pytest.raises(InvalidNotice, match="not masked"):
        verify_notice_json(signer.public_key, json.dumps(document))


# SMS -------------------------------------------------------------------------------------


def test_render_the_documented_sms() -> None:
    template = SmsTemplate(TEMPLATE)
    sms = template.render(notice())
    assert sms.text == str(sms) == (
        "【惠民惠农一卡通】您的2026年耕地地力保护补贴1234.50元已于2026年11月28日发放至尾号0018的社保卡，咨询12345。"
    )
    assert sms.chars == sms.units == len(sms.text)
    assert sms.segments == 1 and sms.fits_single
    assert template.text == str(template) == TEMPLATE
    assert template.placeholders() == ["period", "project", "amount", "date", "account_tail", "hotline"]
    assert template == SmsTemplate(TEMPLATE)
    assert "SmsTemplate(" in repr(template)


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("2026-11", "2026年11月"),
        ("2026Q4", "2026年第4季度"),
        ("2026H1", "2026年上半年"),
        ("2026-11-26", "2026年11月26日"),
    ],
)
def test_period_labels(period: str, label: str) -> None:
    assert SmsTemplate("{period}").render(notice(period=period)).text == label


def test_a_long_project_name_goes_over_the_70_character_limit() -> None:
    template = SmsTemplate(TEMPLATE)
    short = notice()
    long = notice(notice_id="6F1C2A3B4D5E6F708192A3B4C5D6E7F8-02", project_name=LONG_PROJECT_NAME)
    sms = template.render(long)
    assert sms.units > SmsText.SINGLE_SMS_CHARS == 70
    assert not sms.fits_single
    assert sms.segments == -(-sms.units // SmsText.SEGMENT_CHARS) == 2
    over = template.over_limit([short, long])
    assert [entry.notice_id for entry in over] == [long.notice_id]
    assert over[0].sms == sms
    assert f"{sms.units} characters" in str(over[0])
    assert template.over_limit(iter([short])) == []


def test_sms_text_counts_utf16_units() -> None:
    exactly = SmsText("补" * 70)
    assert exactly.fits_single and exactly.segments == 1
    one_more = SmsText("补" * 71)
    assert not one_more.fits_single and one_more.segments == 2
    # A character outside the Basic Multilingual Plane counts twice.
    astral = SmsText("𠀀" * 36)
    assert astral.chars == 36 and astral.units == 72 and not astral.fits_single
    assert SmsText("补" * 135).segments == 3
    assert "units=72" in repr(astral)


def test_check_worst_case() -> None:
    template = SmsTemplate(TEMPLATE)
    worst = template.check_worst_case(
        project_name="耕地地力保护补贴",
        department="某某旗财政局",
        hotline="12345",
        period_kind=PeriodKind.Year,
        max_amount=Decimal("9999.99"),
    )
    assert worst.fits_single and "2026年12月31日" in worst.text and "9999.99" in worst.text
    with pytest.raises(SmsTooLong, match="one SMS holds 70") as caught:
        template.check_worst_case(
            project_name=LONG_PROJECT_NAME,
            department="某某旗财政局",
            hotline="12345",
            period_kind=PeriodKind.Quarter,
            max_amount="99999.99",
        )
    assert isinstance(caught.value, InvalidSmsTemplate)
    assert caught.value.value is not None and "草原生态保护" in caught.value.value
    with pytest.raises(TypeError, match="money is never a float"):
        template.check_worst_case(
            project_name="x", department="y", hotline="1", period_kind=PeriodKind.Year, max_amount=1.5  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("您的{amout}元", 3, "unknown placeholder {amout} at character 3"),
        ("【一卡通】{amount元{date}", 6, "the brace at character 6"),
        ("您的{amount}元{date", 12, "the brace at character 12"),
        ("您的amount}元", 9, 'the "}" at character 9'),
    ],
)
def test_template_errors_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(InvalidSmsTemplate, match=fragment) as caught:
        SmsTemplate(text)
    assert caught.value.position == position


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_template_is_refused(text: str) -> None:
    with pytest.raises(InvalidSmsTemplate, match="empty") as caught:
        SmsTemplate(text)
    assert caught.value.position is None
