"""A payment cycle driven from Python on a store: register, roster, review to finance,
batches, the bank file and its answer, results, corrections, the reissue and closing.
Counts and sums are checked to the fen; bank files are answered from Python the way a
bank would (read the agency file, write success and failure files)."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import make_resident_ids
from yikatong import (
    AccountKind,
    AccountNumber,
    Actor,
    AgencyProfile,
    AgencyResultLine,
    BankReturn,
    Committed,
    CreditCode,
    InvalidBankFile,
    NoMatchingPerson,
    Payer,
    PaymentBatch,
    PaymentReport,
    Period,
    PolicyCatalog,
    Prepared,
    Received,
    Register,
    RegionTree,
    Role,
    Store,
    WorkCalendar,
    read_agency_file,
    read_agency_results,
    read_roster,
    write_agency_file,
    write_agency_results,
    answer_pain001,
    daily_feed,
    read_pain002,
    self_query,
    write_pain001,
)

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "data" / "policies"
TOWNSHIP = "150422101"
VILLAGE = "150422101001"
COUNTY = "150422"
PROJECT = "CYSTBH-CXPH"  # 2.50 yuan per mu of grassland, at least 200.00 per household
ROSTER_ID = "CYSTBH-CXPH-2026-150422101"
ON = datetime.date(2026, 11, 2)  # a Monday

# Four people: PAID is paid at once, CLOSED's card was closed (another account fixes
# it), SHORT fails for the payer's empty account (sent again unchanged), BIG is paid.
PAID, CLOSED, SHORT, BIG = make_resident_ids(4, seed=31)
PEOPLE = [
    (PAID, "巴特尔", Decimal("100")),  # 250.00
    (CLOSED, "其木格", Decimal("90")),  # 225.00
    (SHORT, "萨仁", Decimal("40")),  # 200.00 (the household minimum)
    (BIG, "乌力吉", Decimal("120")),  # 300.00
]
CLOSED_TEXT = "账户已销户"
SHORT_TEXT = "账面可用余额不足"

CLERK = Actor("c1", "乌云", Role.TownshipClerk)
REVIEWER = Actor("r1", "张三", Role.DepartmentReviewer)
FINANCE = Actor("f1", "李四", Role.FinanceOfficer)
PAYERS = {COUNTY: Payer(unit_code="CZ150422", name="巴林左旗财政局", account="1504220001")}


def card(seed: int) -> str:
    """A 16-digit bank card number with a valid Luhn check digit."""
    body = f"621700{seed:09d}"
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


# CLOSED's second card, the one the township corrects the payment onto.
SPARE_CARD = card(99)


def day(offset: int) -> datetime.date:
    return ON + datetime.timedelta(days=offset)


def make_catalog() -> PolicyCatalog:
    catalog = PolicyCatalog()
    catalog.load_file(POLICIES / "cystbh.json")
    return catalog


def make_register() -> Register:
    register = Register()
    register.add_bank(code="NXS", name="内蒙古农村商业银行", credit_code=CreditCode("91350100M000100Y43"))
    register.sign_agreement(bank_code="NXS", county=COUNTY, valid_from=datetime.date(2020, 1, 1))
    for number, (person, name, mu) in enumerate(PEOPLE):
        register.add_beneficiary(
            resident_id=person,
            name=name,
            household_id=f"H{number}",
            village=VILLAGE,
            phone="13800000000",
            tags=["rural_hukou"],
            quantities={"grassland_mu": mu},
        )
        register.add_household(household_id=f"H{number}", head=person)
        register.add_account(
            holder=person,
            holder_name=name,
            bank_code="NXS",
            number=AccountNumber(card(number), AccountKind.BankCard),
            verified=True,
        )
    return register


def write_roster_csv(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    rows = "".join(f"{person},{name}\n" for person, name, _ in PEOPLE)
    path.write_text("身份证号,姓名\n" + rows, encoding="utf-8")
    return path


def answer(
    content: bytes, failures: dict[str, str], on: datetime.date, profile: AgencyProfile | None = None
) -> tuple[bytes, bytes]:
    """The bank's success and failure files for an agency file: the lines whose holder
    is in `failures` fail with its text, the others are paid."""
    agency = read_agency_file(content, profile=profile)
    success: list[AgencyResultLine] = []
    failure: list[AgencyResultLine] = []
    for line in agency.lines:
        if line.name in failures:
            failure.append(line.failed(failures[line.name]))
        else:
            success.append(line.settled())
    return write_agency_results(success=success, failure=failure, date=on, profile=profile)


@dataclass
class Cycle:
    """What `run_cycle` did, for the assertions."""

    first_batch: str
    reissue_batch: str
    first_results: BankReturn
    first_received: Received
    files: list[Path]


def send(store: Store, batch_id: str, on: datetime.date, out: Path, failures: dict[str, str]) -> tuple[BankReturn, Received]:
    """Writes the batch's agency file, records the export, lets the bank answer, reads
    the answer and records it."""
    batch = store.batch(batch_id)
    assert batch is not None
    file = write_agency_file(batch)
    file.write(out)
    exported = store.export(
        batch_id, file_name=file.file_name, sha256=file.sha256, by="f1", on=on, command_id=f"export/{batch_id}"
    )
    assert not exported.retried and exported.event_count == 1
    assert store.batch_status(batch_id) == "exported"
    success, failure = answer(file.content, failures, on + datetime.timedelta(days=1))
    results = read_agency_results(success, failure, batch_id=batch_id)
    received = store.receive(results, by="bank", on=on + datetime.timedelta(days=1), command_id=f"results/{batch_id}/1")
    return results, received


def register_and_approve(store: Store, tmp_path: Path) -> None:
    """Saves the register and the roster, and takes the roster through its review to
    finance approval."""
    catalog = make_catalog()
    register = make_register()
    calendar = WorkCalendar.weekdays_only()
    saved = store.save_register(register, command_id="register/1", expected="no_stream")
    assert isinstance(saved, Committed) and saved.stream == "register" and saved.version == 1

    roster, report = read_roster(
        write_roster_csv(tmp_path),
        roster_id=ROSTER_ID,
        project=PROJECT,
        period=Period("2026"),
        township=TOWNSHIP,
        register=register,
        catalog=catalog,
        on=ON,
    )
    assert report.error_count == 0 and len(roster) == 4
    assert roster.total == Decimal("975.00")
    store.save_roster(roster, command_id=f"roster/{ROSTER_ID}/save", expected="no_stream")
    store.open_review(ROSTER_ID, clerk=CLERK, today=ON, command_id=f"review/{ROSTER_ID}/open", expected="no_stream")
    steps = [
        ("start_publicity", CLERK, day(0)),
        ("submit", CLERK, day(14)),
        ("department_approve", REVIEWER, day(15)),
        ("finance_approve", FINANCE, day(16)),
    ]
    for action, actor, today in steps:
        stream = Store.review_stream(ROSTER_ID)
        done = store.review(
            ROSTER_ID,
            action=action,  # type: ignore[arg-type]
            actor=actor,
            today=today,
            calendar=calendar,
            command_id=f"review/{ROSTER_ID}/{action}",
            expected=store.version(stream),
        )
        assert done.version == store.version(stream) and done.event_count >= 1
    assert store.review_status(ROSTER_ID) == "finance_approved"


def run_cycle(store: Store, tmp_path: Path) -> Cycle:
    """The whole cycle on `store`."""
    catalog = make_catalog()
    calendar = WorkCalendar.weekdays_only()
    register_and_approve(store, tmp_path)

    project = catalog.project(PROJECT)
    assert project is not None
    prepared = store.prepare_batches(
        project=project,
        payers=PAYERS,
        calendar=calendar,
        prepared_on=day(17),
        roster_ids=[ROSTER_ID],
        by="f1",
        command_id="prepare/1",
    )
    assert isinstance(prepared, Prepared) and isinstance(prepared, Committed)
    assert len(prepared.batch_ids) == 1 and prepared.queued == []
    (first,) = prepared.batch_ids
    out = tmp_path / "bank"
    first_results, first_received = send(
        store, first, day(17), out, {"其木格": CLOSED_TEXT, "萨仁": SHORT_TEXT}
    )

    # The township fixes the two failures: another card for the closed one, a plain
    # resend for the one that failed for the payer's balance.
    queue = store.corrections().to_pyarrow().to_pylist()
    by_kind = {row["reason_kind"]: row for row in queue}
    assert set(by_kind) == {"account_closed", "insufficient_funds"}
    store.correct_account(
        by_kind["account_closed"]["payment_id"],
        bank_code="NXS",
        number=AccountNumber(SPARE_CARD, AccountKind.BankCard),
        holder_name="其木格",
        by="c1",
        on=day(19),
        command_id="fix/closed",
    )
    store.release(
        by_kind["insufficient_funds"]["payment_id"],
        note="财政专户已补足资金，原账户重发",
        by="c1",
        on=day(19),
        command_id="fix/short",
    )
    reissue = store.prepare_reissue(
        project=project, payers=PAYERS, calendar=calendar, prepared_on=day(19), by="f1", command_id="reissue/1"
    )
    (second,) = reissue.batch_ids
    send(store, second, day(19), out, {})

    for batch_id in (first, second):
        assert store.batch_status(batch_id) == "settled"
        store.close_batch(batch_id, by="f1", on=day(21), command_id=f"close/{batch_id}")
    return Cycle(first, second, first_results, first_received, sorted(out.iterdir()))


def test_a_whole_cycle_pays_everyone_once_to_the_fen(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        cycle = run_cycle(store, tmp_path)

        # The first answer: two paid, two failed, each to the fen.
        assert cycle.first_results.counts == {"settled": 2, "failed": 2, "returned": 0, "pending": 0}
        assert len(cycle.first_results) == 4 and cycle.first_results.batch_id == cycle.first_batch
        report = cycle.first_received.report
        assert cycle.first_received.recorded and not report.replayed
        assert report.tally("settled") == (2, Decimal("550.00"))
        assert report.tally("failed") == (2, Decimal("425.00"))
        assert report.tally("unknown") == (0, Decimal("0.00"))
        assert report.tallies == {"settled": (2, Decimal("550.00")), "failed": (2, Decimal("425.00"))}

        first = store.batch(cycle.first_batch)
        second = store.batch(cycle.reissue_batch)
        assert isinstance(first, PaymentBatch) and isinstance(second, PaymentBatch)
        assert (first.kind, len(first), first.control_sum) == ("original", 4, Decimal("975.00"))
        assert (second.kind, len(second), second.control_sum) == ("reissue", 2, Decimal("425.00"))
        assert set(second.payment_ids()) < set(first.payment_ids())
        assert first.payer == PAYERS[COUNTY] and str(first.county).startswith(COUNTY)
        assert cycle.reissue_batch in repr(second) and "reissue" in repr(second)

        assert store.batch_summary(cycle.first_batch) == {
            "instructed": (4, Decimal("975.00")),
            "settled": (2, Decimal("550.00")),
            "failed": (2, Decimal("425.00")),
            "pending": (0, Decimal("0.00")),
        }
        assert store.batch_ids() == [cycle.first_batch, cycle.reissue_batch]
        assert [b.id for b in store.batches()] == store.batch_ids()
        assert store.batch_status(cycle.first_batch) == "closed"
        assert store.payment_count == 4

        # Every payment counts once: four settled rows, one per payment, 975.00 in all.
        payments = store.payments().to_pyarrow()
        assert payments.num_rows == 6
        rows = payments.to_pylist()
        settled = [row for row in rows if row["status"] == "settled"]
        assert len({row["payment_id"] for row in settled}) == len(settled) == 4
        assert sum(row["amount"] for row in settled) == Decimal("975.00")
        assert sorted(row["status"] for row in rows) == ["failed", "failed"] + ["settled"] * 4
        fixed = next(row for row in settled if row["holder_name"] == "其木格")
        assert fixed["account"] == SPARE_CARD and fixed["attempt"] == 2
        assert fixed["settled_on"] == day(20)
        for row in settled:
            assert store.counted_attempt(row["payment_id"]) == row["attempt"]

        batches = store.batches_table().to_pyarrow().to_pylist()
        assert [(b["kind"], b["status"], b["count"], b["amount"]) for b in batches] == [
            ("original", "closed", 4, Decimal("975.00")),
            ("reissue", "closed", 2, Decimal("425.00")),
        ]
        assert all(b["amount_fen"] == b["settled_fen"] + b["failed_fen"] + b["pending_fen"] for b in batches)
        assert [row["status"] for row in store.corrections().to_pyarrow().to_pylist()].count("open") == 0

        assert store.verify().intact
        # The bank files written are the ones the ledger recorded, byte for byte.
        assert [path.name for path in cycle.files] == [f"{cycle.first_batch}.txt", f"{cycle.reissue_batch}.txt"]
        for batch_id, path in zip([cycle.first_batch, cycle.reissue_batch], cycle.files):
            assert store.exports(batch_id) == [(path.name, hashlib.sha256(path.read_bytes()).hexdigest())]
        assert "2 settled, 2 failed" in repr(report) and "4 results" in repr(cycle.first_results)


def test_receiving_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        cycle = run_cycle(store, tmp_path)
        before = store.payments().to_pyarrow()
        events = store.event_count
        again = store.receive(cycle.first_results, by="bank", on=day(25), command_id="results/again")
        assert not again.retried and not again.recorded
        assert again.report.replayed
        assert store.event_count == events
        assert store.payments().to_pyarrow().equals(before)
        assert store.batch_summary(cycle.first_batch)["settled"] == (2, Decimal("550.00"))


def test_a_retried_command_returns_its_first_outcome(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        cycle = run_cycle(store, tmp_path)
        events = store.event_count
        retried = store.receive(
            cycle.first_results, by="bank", on=day(18), command_id=f"results/{cycle.first_batch}/1"
        )
        assert retried.retried and retried.recorded
        assert retried.first_seq == cycle.first_received.first_seq
        assert retried.report.tally("settled") == (2, Decimal("550.00"))
        assert "retried" in repr(retried)
        closed = store.close_batch(cycle.first_batch, by="f1", on=day(21), command_id=f"close/{cycle.first_batch}")
        assert closed.retried and closed.event_count == 1
        assert store.event_count == events


def test_bank_results_and_reconciliation_as_tables(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        cycle = run_cycle(store, tmp_path)
        results = pa.table(cycle.first_results.to_arrow())
        assert results.num_rows == 4
        assert results.schema.field("amount").type == pa.decimal128(18, 2)
        failed = [row for row in results.to_pylist() if row["status"] == "failed"]
        assert sorted(row["reason_kind"] for row in failed) == ["account_closed", "insufficient_funds"]
        assert sum(row["amount"] for row in failed) == Decimal("425.00")

        tallies = pa.table(cycle.first_received.report.tallies_to_arrow()).to_pylist()
        by_class = {row["class"]: (row["count"], row["amount"]) for row in tallies}
        assert by_class["settled"] == (2, Decimal("550.00"))
        assert by_class["duplicate_identical"] == (0, Decimal("0.00"))
        assert cycle.first_received.report.to_arrow().num_rows == cycle.first_received.report.finding_count == 0


def test_pain001_and_an_agency_file_carry_the_batch(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        cycle = run_cycle(store, tmp_path)
        batch = store.batch(cycle.first_batch)
        assert batch is not None
        xml = write_pain001(batch, created_at=datetime.datetime(2026, 11, 19, 9, 0))
        assert xml.content.startswith(b"<?xml") and cycle.first_batch.encode() in xml.content
        assert len(xml.sha256) == 64 and xml.lines == 4
        agency = read_agency_file(write_agency_file(batch, profile=AgencyProfile.common()).content)
        assert agency.count == 4 and agency.sum == Decimal("975.00")
        assert sorted(line.amount for line in agency.lines) == [
            Decimal("200.00"),
            Decimal("225.00"),
            Decimal("250.00"),
            Decimal("300.00"),
        ]


def test_a_broken_bank_file_is_refused_whole() -> None:
    with pytest.raises(InvalidBankFile) as caught:
        read_agency_file(b"this is not an agency file\n")
    assert caught.value.rule == "bank_file"
    with pytest.raises(InvalidBankFile):
        read_agency_results(b"garbage|x\n", b"", batch_id="B-1")


def test_a_pain001_batch_answered_with_a_pain002_reconciles(tmp_path: Path) -> None:
    """The same cycle's first batch sent as ISO 20022 instead: the bank refuses one
    payment with AC04 (closed account)."""
    with Store.in_memory() as store:
        register_and_approve(store, tmp_path)
        project = make_catalog().project(PROJECT)
        assert project is not None
        prepared = store.prepare_batches(
            project=project,
            payers=PAYERS,
            calendar=WorkCalendar.weekdays_only(),
            prepared_on=day(17),
            roster_ids=[ROSTER_ID],
            by="f1",
            command_id="prepare/iso",
        )
        (batch_id,) = prepared.batch_ids
        batch = store.batch(batch_id)
        assert batch is not None and len(batch) == 4
        xml = write_pain001(batch, created_at=datetime.datetime(2026, 11, 19, 9, 0))
        store.export(batch_id, file_name=xml.file_name, sha256=xml.sha256, by="f1", on=day(17), command_id="export/iso")
        closed = batch.payment_ids()[1]
        report_xml = answer_pain001(
            xml.content, created_at=datetime.datetime(2026, 11, 20, 18, 0), failed={closed: "AC04"}
        )
        results = read_pain002(report_xml, source="report.xml")
        assert results.batch_id == batch_id and results.counts["settled"] == 3 and results.counts["failed"] == 1
        received = store.receive(results, by="bank", on=day(18), command_id="results/iso")
        assert received.report.tally("settled") == (3, Decimal("750.00"))
        assert received.report.tally("failed") == (1, Decimal("225.00"))
        queue = store.corrections().to_pyarrow().to_pylist()
        assert [(row["payment_id"], row["reason_kind"], row["reason_code"]) for row in queue] == [
            (closed, "account_closed", "AC04")
        ]


def test_the_cycle_is_disclosed_answered_to_the_payee_and_reported(tmp_path: Path) -> None:
    with Store.open(tmp_path / "yikatong.sqlite") as store:
        run_cycle(store, tmp_path)
        catalog = make_catalog()
        regions = RegionTree.bundled()

        # The day's feed (当日公开): each day shows what the banks paid that day, masked.
        first = daily_feed(store, day=day(18), catalog=catalog, regions=regions)
        second = daily_feed(store, day=day(20), catalog=catalog, regions=regions)
        assert (len(first), first.total.count, first.total.amount) == (2, 2, Decimal("550.00"))
        assert (len(second), second.total.amount) == (2, Decimal("425.00"))
        assert len(daily_feed(store, day=day(19), catalog=catalog, regions=regions)) == 0
        rows = pa.table(second.to_arrow()).to_pylist()
        assert sorted(row["amount"] for row in rows) == [Decimal("200.00"), Decimal("225.00")]
        assert sum(row["amount_fen"] for row in rows) == 42_500
        fixed = next(row for row in rows if row["amount_fen"] == 22_500)
        assert fixed["resident_id"] == CLOSED[:6] + "*" * 8 + CLOSED[-4:]
        assert fixed["name"] != "其木格" and fixed["name"].startswith("其")
        assert fixed["account"].endswith(SPARE_CARD[-4:]) and SPARE_CARD not in fixed["account"]
        assert fixed["settled_on"] == day(20) and fixed["project"] == PROJECT
        feed_csv = second.to_csv(encoding="utf-8").decode("utf-8")
        assert CLOSED not in feed_csv and SPARE_CARD not in feed_csv and "225.00" in feed_csv

        # The payee asks (自助查询): the payment, its failed first attempt and the fix.
        (own,) = self_query(store, catalog=catalog, resident_id=CLOSED, name="其木格")
        assert (own.status, own.amount, own.settled_on) == ("paid", Decimal("225.00"), day(20))
        assert [attempt.attempt for attempt in own.attempts] == [1, 2]
        assert own.attempts[-1].account.as_str() == SPARE_CARD
        with pytest.raises(NoMatchingPerson) as wrong_name:
            self_query(store, catalog=catalog, resident_id=CLOSED, name="其其格")
        with pytest.raises(NoMatchingPerson) as unknown:
            self_query(store, catalog=catalog, resident_id=make_resident_ids(5, seed=77)[4], name="其木格")
        # The same words whether the person or the name is wrong: nothing leaks.
        masked = re.compile(r"\d{6}\*{8}\w{4}")
        assert masked.sub("ID", str(wrong_name.value)) == masked.sub("ID", str(unknown.value))

        # The period's report: everything approved was paid, and it balances.
        report = PaymentReport.build(store, regions=regions)
        total = report.total(PROJECT, "2026")
        assert total is not None and total.balances()
        assert total.approved == (4, Decimal("975.00"))
        assert total.paid == (4, Decimal("975.00"))
        assert total.pending == (0, Decimal("0.00"))


def test_receiving_reports_progress_and_a_failing_callback_records_all_the_same(tmp_path: Path) -> None:
    with Store.in_memory() as store:
        register_and_approve(store, tmp_path)
        catalog = make_catalog()
        project = catalog.project(PROJECT)
        assert project is not None
        (batch_id,) = store.prepare_batches(
            project=project, payers=PAYERS, calendar=WorkCalendar.weekdays_only(), prepared_on=day(17),
            roster_ids=[ROSTER_ID], by="f1", command_id="prepare/1",
        ).batch_ids  # fmt: skip
        batch = store.batch(batch_id)
        assert batch is not None
        file = write_agency_file(batch)
        store.export(batch_id, file_name=file.file_name, sha256=file.sha256, by="f1", on=day(17), command_id="export")
        success, failure = answer(file.content, {"萨仁": SHORT_TEXT}, day(18))
        results = read_agency_results(success, failure, batch_id=batch_id)
        seen: list[tuple[str, int, int]] = []
        received = store.receive(
            results, by="bank", on=day(18), command_id="results/1", progress=lambda *report: seen.append(report)
        )
        assert received.recorded and received.report.tally("settled") == (3, Decimal("775.00"))
        last = {step: (done, total) for step, done, total in seen}
        assert last == {"recording results": (4, 4), "updating payments": (4, 4)}
        assert seen[0] == ("recording results", 0, 4)

        # A callback that raises: the file is recorded all the same (the store does not
        # stop half-way), then the callback's exception is raised.
        def broken(step: str, done: int, total: int) -> None:
            raise RuntimeError("the bar broke")

        late_success, no_failure = answer(file.content, {}, day(19))  # a second file: all paid
        again = read_agency_results(late_success, no_failure, batch_id=batch_id)
        with pytest.raises(RuntimeError, match="the bar broke"):
            store.receive(again, by="bank", on=day(19), command_id="results/2", progress=broken)
        assert store.receive(again, by="bank", on=day(19), command_id="results/2").retried
        with pytest.raises(TypeError, match="progress must be a callable"):
            store.receive(again, by="bank", on=day(19), command_id="results/3", progress="bar")  # type: ignore[arg-type]
