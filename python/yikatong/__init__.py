"""yikatong: China's one-card (一卡通) government subsidy payments, for Python.

Every class and exception is implemented in Rust (``yikatong._native``) and re-exported
here; import from ``yikatong``. Money is ``decimal.Decimal`` or ``str`` (a float raises
``TypeError``), dates are ``datetime.date`` (civil dates in China), and every error is a
``YikatongError``, itself a ``ValueError``.

>>> from yikatong import Amount, ResidentId
>>> ResidentId("11010519491231002x").masked()
'110105********002X'
>>> Amount("1,234.50").to_capitals()
'壹仟贰佰叁拾肆元伍角'
"""

from yikatong._native import (
    AccountKind,
    AccountNumber,
    AccountWarning,
    Amount,
    ArrowTable,
    AuditReport,
    CalendarCoverage,
    CreditCode,
    DataError,
    DateOutOfRange,
    DayKind,
    InvalidAccountNumber,
    InvalidAmount,
    InvalidCreditCode,
    InvalidPeriod,
    InvalidPolicy,
    InvalidRegionCode,
    InvalidResidentId,
    InvalidTable,
    Period,
    PeriodKind,
    Reckoned,
    Region,
    RegionCode,
    RegionLevel,
    RegionTree,
    ResidentId,
    Rounding,
    Sex,
    UnknownRegion,
    WorkCalendar,
    YikatongError,
    run_checks,
)

__all__ = [
    "AccountKind",
    "AccountNumber",
    "AccountWarning",
    "Amount",
    "ArrowTable",
    "AuditReport",
    "CalendarCoverage",
    "CreditCode",
    "DataError",
    "DateOutOfRange",
    "DayKind",
    "InvalidAccountNumber",
    "InvalidAmount",
    "InvalidCreditCode",
    "InvalidPeriod",
    "InvalidPolicy",
    "InvalidRegionCode",
    "InvalidResidentId",
    "InvalidTable",
    "Period",
    "PeriodKind",
    "Reckoned",
    "Region",
    "RegionCode",
    "RegionLevel",
    "RegionTree",
    "ResidentId",
    "Rounding",
    "Sex",
    "UnknownRegion",
    "WorkCalendar",
    "YikatongError",
    "run_checks",
]
