"""Disclosure feed, self-query and payment reports, on a store from Python.

A fresh store has nothing paid, so these tests check the shapes (columns, totals at
zero, documents that parse) and every argument error; the Rust tests of
`arrow_disclosure.rs` check the content over a ledger with settled payments.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import pathlib
import zoneinfo
from collections.abc import Iterator
from typing import Any

import polars
import pyarrow
import pytest

from yikatong import (
    CreditCode,
    DailyFeed,
    InvalidCreditCode,
    InvalidRegionCode,
    InvalidResidentId,
    MaskingPolicy,
    NoMatchingPerson,
    PaymentReport,
    PolicyCatalog,
    RegionCode,
    RegionTree,
    ResidentId,
    Store,
    YikatongError,
    daily_feed,
    self_query,
)

POLICIES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "policies"
DAY = datetime.date(2026, 11, 26)

FEED_COLUMNS = [
    "name",
    "resident_id",
    "village",
    "township",
    "township_code",
    "county",
    "project",
    "project_name",
    "period",
    "amount",
    "amount_fen",
    "settled_on",
    "account",
    "roster_id",
    "line",
]


def credit_code(first17: str) -> str:
    check = CreditCode.check_character(first17)
    assert check is not None
    return first17 + check


@pytest.fixture(scope="module")
def catalog() -> PolicyCatalog:
    catalog = PolicyCatalog()
    for path in sorted(POLICIES.glob("*.json")):
        catalog.load_json(path.name, path.read_text(encoding="utf-8"))
    return catalog


@pytest.fixture(scope="module")
def regions() -> RegionTree:
    return RegionTree.bundled()


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.in_memory() as store:
        yield store


def feed_of(store: Store, catalog: PolicyCatalog, regions: RegionTree, **options: Any) -> DailyFeed:
    return daily_feed(store, day=DAY, catalog=catalog, regions=regions, **options)


# The daily feed ---------------------------------------------------------------------------


def test_a_fresh_store_gives_an_empty_feed_with_every_column(
    store: Store, catalog: PolicyCatalog, regions: RegionTree
) -> None:
    feed = feed_of(store, catalog, regions)
    assert len(feed) == 0
    assert feed.date == DAY
    assert feed.region is None
    assert repr(feed) == "DailyFeed(date=2026-11-26, 0 payments, 0.00 yuan)"

    table = pyarrow.table(feed.to_arrow())
    assert table.column_names == FEED_COLUMNS
    assert table.num_rows == 0
    schema = table.schema
    assert schema.field("amount_fen").type == pyarrow.int64()
    assert schema.field("amount").type == pyarrow.decimal128(18, 2)
    assert schema.field("settled_on").type == pyarrow.date32()
    assert schema.field("line").type == pyarrow.uint32()
    assert schema.field("account").nullable and not schema.field("name").nullable
    assert polars.DataFrame(feed.to_arrow()).columns == FEED_COLUMNS
    assert list(feed.to_arrow().to_pandas().columns) == FEED_COLUMNS


def test_an_empty_feed_totals_zero_in_decimal(store: Store, catalog: PolicyCatalog, regions: RegionTree) -> None:
    feed = feed_of(store, catalog, regions)
    total = feed.total
    assert (total.level, total.code, total.name, total.count) == ("all", "", "合计", 0)
    assert isinstance(total.amount, decimal.Decimal)
    assert total.amount == decimal.Decimal("0.00")
    assert str(total.amount) == "0.00"
    assert feed.by_project == {} and feed.by_prefecture == {} and feed.by_county == {}
    assert feed.totals == [total]
    assert repr(total) == "FeedTotal(level='all', code='', name='合计', count=0, amount='0.00')"

    totals = pyarrow.table(feed.totals_to_arrow())
    assert totals.column_names == ["level", "code", "name", "count", "amount", "amount_fen"]
    assert totals.to_pylist() == [
        {"level": "all", "code": "", "name": "合计", "count": 0, "amount": decimal.Decimal("0.00"), "amount_fen": 0}
    ]


def test_feed_documents_parse(store: Store, catalog: PolicyCatalog, regions: RegionTree) -> None:
    feed = feed_of(store, catalog, regions, region="150422")
    assert feed.region == RegionCode("150422")

    zh = feed.to_csv()
    assert zh.startswith(b"\xef\xbb\xbf"), "utf-8-sig by default, for Excel"
    header = next(csv.reader(io.StringIO(zh.decode("utf-8-sig"))))
    assert header[0] == "姓名" and header[9] == "金额（元）" and len(header) == 14

    en = feed.to_csv(language="en", encoding="utf-8")
    assert not en.startswith(b"\xef\xbb\xbf")
    assert en.decode().splitlines() == [",".join(FEED_COLUMNS[:10] + FEED_COLUMNS[11:])]

    gbk = feed.to_csv(encoding="gbk")
    assert gbk.decode("gbk").startswith("姓名,身份证号")

    totals = list(csv.reader(io.StringIO(feed.to_totals_csv(language="en").decode("utf-8-sig"))))
    assert totals == [["level", "code", "name", "count", "amount"], ["all", "", "合计", "0", "0.00"]]

    document = json.loads(feed.to_json())
    assert document["date"] == "2026-11-26"
    assert document["rows"] == []
    assert document["totals"]["all"] == {"code": "", "name": "合计", "count": 0, "amount": "0.00"}


def test_masking_options(store: Store, catalog: PolicyCatalog, regions: RegionTree) -> None:
    default = MaskingPolicy()
    assert (default.name, default.resident_id, default.account) == (
        "mask_given_name",
        "first_six_last_four",
        "last_four",
    )
    assert repr(default) == (
        "MaskingPolicy(name='mask_given_name', resident_id='first_six_last_four', account='last_four')"
    )
    assert default.mask_name("张三丰") == "张*丰"
    assert default.mask_name("张三") == "张*"
    assert default.mask_resident_id("11010519491231002x") == "110105********002X"
    assert default.mask_resident_id(ResidentId("11010519491231002X")) == "110105********002X"

    open_list = MaskingPolicy(name="full", resident_id="hidden", account="hidden")
    assert open_list.mask_name("张三丰") == "张三丰"
    assert open_list.mask_name("张13912345678") == "张***********", "digits never show"
    assert open_list.mask_resident_id("11010519491231002X") == ""
    assert open_list != default and open_list == MaskingPolicy(name="full", resident_id="hidden", account="hidden")
    assert len({default, MaskingPolicy(), open_list}) == 2

    feed = feed_of(store, catalog, regions, masking=open_list)
    assert len(feed) == 0

    with pytest.raises(ValueError, match='"full"'):
        MaskingPolicy(name="surname_only")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="never shown"):
        MaskingPolicy(resident_id="full")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="never shown"):
        MaskingPolicy(account="full")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        MaskingPolicy("full")  # type: ignore[misc]
    with pytest.raises(InvalidResidentId):
        default.mask_resident_id("110105194912310021")


def test_feed_argument_errors(store: Store, catalog: PolicyCatalog, regions: RegionTree) -> None:
    with pytest.raises(TypeError, match="datetime.date"):
        daily_feed(store, day=datetime.datetime(2026, 11, 26, 9), catalog=catalog, regions=regions)
    with pytest.raises(TypeError, match="datetime.date"):
        daily_feed(store, day="2026-11-26", catalog=catalog, regions=regions)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        daily_feed(store, day=DAY, catalog=catalog, regions="bundled")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        daily_feed(store, day=DAY, catalog=None, regions=regions)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        daily_feed("store.sqlite", day=DAY, catalog=catalog, regions=regions)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        daily_feed(store, DAY, catalog, regions)  # type: ignore[misc]
    with pytest.raises(TypeError, match="region code"):
        feed_of(store, catalog, regions, region=150422.0)
    with pytest.raises(InvalidRegionCode):
        feed_of(store, catalog, regions, region="15042")
    with pytest.raises(TypeError):
        feed_of(store, catalog, regions, masking="default")

    feed = feed_of(store, catalog, regions)
    with pytest.raises(ValueError, match='"zh"'):
        feed.to_csv(language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="utf-8-sig"):
        feed.to_csv(encoding="latin-1")  # type: ignore[arg-type]


def test_a_closed_store_raises_value_error(catalog: PolicyCatalog, regions: RegionTree) -> None:
    store = Store.in_memory()
    store.close()
    with pytest.raises(ValueError, match="closed"):
        feed_of(store, catalog, regions)
    with pytest.raises(ValueError, match="closed"):
        self_query(store, catalog=catalog, resident_id="11010519491231002X", name="张三")
    with pytest.raises(ValueError, match="closed"):
        PaymentReport.build(store, regions=regions)


# Self-query ---------------------------------------------------------------------------------


def test_self_query_gives_one_error_for_an_unknown_person(store: Store, catalog: PolicyCatalog) -> None:
    errors = []
    for name in ["张三", "李四", " 张三 "]:
        with pytest.raises(NoMatchingPerson) as caught:
            self_query(store, catalog=catalog, resident_id="11010519491231002X", name=name)
        errors.append(caught.value)
    with pytest.raises(NoMatchingPerson) as caught:
        self_query(store, catalog=catalog, resident_id=ResidentId("11010519491231002x"), name="王五")
    errors.append(caught.value)

    messages = {str(error) for error in errors}
    assert len(messages) == 1, "the same answer whatever the name"
    (message,) = messages
    assert "110105********002X" in message and "11010519491231002X" not in message
    assert all(isinstance(error, YikatongError) for error in errors)
    assert {error.value for error in errors} == {errors[0].value}
    assert errors[0].rule is not None


def test_self_query_argument_errors(store: Store, catalog: PolicyCatalog) -> None:
    with pytest.raises(InvalidResidentId):
        self_query(store, catalog=catalog, resident_id="110105194912310021", name="张三")
    with pytest.raises(TypeError, match="ResidentId or str"):
        self_query(store, catalog=catalog, resident_id=110105194912310021, name="张三")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        self_query(store, catalog=catalog, resident_id="11010519491231002X", name=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        self_query(store, catalog=catalog, resident_id="11010519491231002X")  # type: ignore[call-arg]


# Payment reports ----------------------------------------------------------------------------

REPORT_COLUMNS = [
    "project",
    "period",
    "region_code",
    "region_name",
    "is_total",
    "beneficiaries",
    *[
        f"{stem}_{part}"
        for stem in ["approved", "paid", "failed", "pending", "cancelled", "not_batched"]
        for part in ["count", "fen"]
    ],
    "on_time_count",
    "late_count",
    "on_time_rate",
]


def test_a_fresh_store_gives_an_empty_report(store: Store, regions: RegionTree) -> None:
    for grouping in ["township", "county", "prefecture"]:
        report = PaymentReport.build(store, grouping=grouping, regions=regions)  # type: ignore[arg-type]
        assert report.grouping == grouping
        assert len(report) == 0
        assert report.rows == [] and report.totals == []
    report = PaymentReport.build(store, regions=regions)
    assert report.grouping == "county"
    assert repr(report) == "PaymentReport(grouping='county', 0 rows, 0 totals)"
    assert report.total("GLJT", "2026-11") is None

    table = pyarrow.table(report.to_arrow())
    assert table.column_names == REPORT_COLUMNS
    assert table.num_rows == 0
    assert table.schema.field("on_time_rate").type == pyarrow.decimal128(5, 4)
    assert table.schema.field("paid_fen").type == pyarrow.int64()
    assert table.schema.field("paid_count").type == pyarrow.uint64()
    assert table.schema.field("region_code").nullable


def test_report_documents_parse(store: Store, regions: RegionTree) -> None:
    report = PaymentReport.build(store, regions=regions)
    header = next(csv.reader(io.StringIO(report.to_csv(language="en").decode("utf-8-sig"))))
    assert header[:4] == ["project", "period", "region_code", "region_name"]
    assert header[-1] == "on_time_rate"
    assert report.to_csv(encoding="gbk").decode("gbk").startswith("项目代码,期次")

    workbook = report.to_xlsx()
    assert workbook.startswith(b"PK\x03\x04"), "an XLSX is a zip archive"
    assert report.to_xlsx(language="en").startswith(b"PK")

    document = json.loads(report.to_json())
    assert document["grouping"] == "county" and document["rows"] == []

    shanghai = datetime.datetime(2026, 11, 27, 20, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    unit = credit_code("91150000MA0N1234X")
    assert report.to_national_jsonl(reporting_unit=unit, reported_at=shanghai) == b""
    fixed = datetime.datetime(2026, 11, 27, 20, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert report.to_national_jsonl(reporting_unit=CreditCode(unit), reported_at=fixed) == b""


def test_report_argument_errors(store: Store, regions: RegionTree) -> None:
    with pytest.raises(ValueError, match='"county"'):
        PaymentReport.build(store, grouping="village", regions=regions)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PaymentReport.build(store, regions=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PaymentReport.build(store)  # type: ignore[call-arg]

    report = PaymentReport.build(store, regions=regions)
    unit = credit_code("91150000MA0N1234X")
    with pytest.raises(TypeError, match="time zone"):
        report.to_national_jsonl(reporting_unit=unit, reported_at=datetime.datetime(2026, 11, 27, 20))
    with pytest.raises(TypeError, match="datetime"):
        report.to_national_jsonl(reporting_unit=unit, reported_at=datetime.date(2026, 11, 27))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="datetime"):
        report.to_national_jsonl(reporting_unit=unit, reported_at=1_795_000_000.0)  # type: ignore[arg-type]
    shanghai = datetime.datetime(2026, 11, 27, 20, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    wrong_check = unit[:-1] + ("0" if unit[-1] != "0" else "1")
    with pytest.raises(InvalidCreditCode):
        report.to_national_jsonl(reporting_unit=wrong_check, reported_at=shanghai)
    with pytest.raises(TypeError, match="CreditCode or str"):
        report.to_national_jsonl(reporting_unit=91150000, reported_at=shanghai)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='"zh"'):
        report.to_xlsx(language="de")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        report.total("GLJT", 2026.11)  # type: ignore[arg-type]


# Threads -----------------------------------------------------------------------------------


def test_feeds_reports_and_queries_share_a_store_across_threads(
    catalog: PolicyCatalog, regions: RegionTree
) -> None:
    # The store's lock is taken without the GIL, so threads waiting for it never
    # hold the GIL the running one needs back; this would hang otherwise.
    from concurrent.futures import ThreadPoolExecutor

    with Store.in_memory() as store:

        def work(n: int) -> str:
            kind = n % 4
            if kind == 0:
                return repr(feed_of(store, catalog, regions))
            if kind == 1:
                return repr(PaymentReport.build(store, regions=regions))
            if kind == 2:
                try:
                    self_query(store, catalog=catalog, resident_id="11010519491231002X", name="张三")
                except NoMatchingPerson as error:
                    return type(error).__name__
                return "found"
            return repr(store)

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(64)))
    assert set(results[0::4]) == {"DailyFeed(date=2026-11-26, 0 payments, 0.00 yuan)"}
    assert set(results[1::4]) == {"PaymentReport(grouping='county', 0 rows, 0 totals)"}
    assert set(results[2::4]) == {"NoMatchingPerson"}
    assert len(set(results[3::4])) == 1
