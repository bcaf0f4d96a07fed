"""Working-day results expose the value and whether the statutory calendar covered it."""

from __future__ import annotations

import datetime

from yikatong import CalendarCoverage, DayKind, Reckoned, WorkCalendar


def test_reckoned_date_inside_the_statutory_years() -> None:
    calendar = WorkCalendar.bundled()
    due = calendar.add_working_days(datetime.date(2024, 9, 30), 1)
    assert isinstance(due, Reckoned)
    assert due.value == datetime.date(2024, 10, 8) and type(due.value) is datetime.date
    assert due.coverage == CalendarCoverage.Statutory and due.is_statutory()
    assert repr(due) == "Reckoned(value=datetime.date(2024, 10, 8), coverage=CalendarCoverage.Statutory)"


def test_reckoned_flags_the_weekday_fallback() -> None:
    calendar = WorkCalendar.bundled()
    old = calendar.next_working_day(datetime.date(1999, 12, 31))
    assert old.coverage == CalendarCoverage.WeekdayFallback and not old.is_statutory()
    assert calendar.coverage(datetime.date(1999, 12, 31)) == CalendarCoverage.WeekdayFallback
    assert not calendar.covers(datetime.date(1999, 12, 31))
    assert WorkCalendar.weekdays_only().add_working_days(datetime.date(2024, 9, 30), 1).coverage == (
        CalendarCoverage.WeekdayFallback
    )


def test_counts_come_back_as_int() -> None:
    calendar = WorkCalendar.bundled()
    between = calendar.working_days_between(datetime.date(2024, 9, 30), datetime.date(2024, 10, 8))
    assert between.value == 1 and type(between.value) is int
    assert between == calendar.working_days_between(datetime.date(2024, 9, 30), datetime.date(2024, 10, 8))
    assert hash(between) == hash(calendar.working_days_between(datetime.date(2024, 9, 30), datetime.date(2024, 10, 8)))


def test_day_queries() -> None:
    calendar = WorkCalendar.bundled()
    national_day = datetime.date(2024, 10, 1)
    assert calendar.day_kind(national_day) == DayKind.Holiday and not DayKind.Holiday.is_working()
    assert calendar.festival(national_day) is not None
    assert calendar.day_kind(datetime.date(2024, 9, 29)) == DayKind.MakeUpWorkday
    assert calendar.is_working_day(datetime.date(2024, 9, 29))
    assert calendar.festival(datetime.date(2024, 10, 9)) is None
    assert calendar.working_day_on_or_after(national_day).value == datetime.date(2024, 10, 8)
    assert 2024 in calendar.covered_years()


def test_calendar_from_csv() -> None:
    calendar = WorkCalendar.from_csv("cal.csv", b"date,kind,name\n2030-01-01,holiday,New Year\n")
    assert calendar.covered_years() == [2030]
    assert not calendar.is_working_day(datetime.date(2030, 1, 1))
