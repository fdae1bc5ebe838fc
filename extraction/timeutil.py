"""Dates and times from instrument files: parsing, time-zone recovery and ISO 8601 output."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

UTC = dt.UTC
#: a local-minus-UTC gap within this of a quarter hour is taken as the time-zone offset
TZ_TOLERANCE = dt.timedelta(minutes=5)


def parse_iso_date_time(date: Any, time: Any) -> dt.datetime | None:
    """Naive datetime from HyperSpy's ``General.date`` (``YYYY-MM-DD``) and ``.time``."""
    if not isinstance(date, str) or not date.strip():
        return None
    try:
        day = dt.date.fromisoformat(date.strip()[:10])
    except ValueError:
        return None
    clock = dt.time(0, 0)
    if isinstance(time, str) and time.strip():
        text = time.strip()
        try:
            clock = dt.time.fromisoformat(text)
        except ValueError:  # a vendor's clock the reader passed on as written ("4:09 p.m.")
            clock = parse_clock(text) or clock
    return dt.datetime.combine(day, clock.replace(tzinfo=None))


def tz_from_name(name: Any) -> dt.tzinfo | None:
    """tzinfo for ``'UTC'``, ``'+02:00'`` or an IANA zone name; ``None`` when unknown/ambiguous."""
    if not isinstance(name, str) or not name.strip():
        return None
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z", "UT"):
        return UTC
    match = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", text)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        delta = dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return dt.timezone(sign * delta)
    if "/" in text:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(text)
        except Exception:
            return None
    return None


def offset_from_utc(local: dt.datetime, utc: dt.datetime) -> dt.timezone | None:
    """Time zone implied by a local wall-clock time and the UTC time of (about) the same moment.

    The gap is rounded to a quarter hour; gaps further than :data:`TZ_TOLERANCE` from one, or
    beyond ±14 h, are not trusted.
    """
    gap = local.replace(tzinfo=None) - utc.astimezone(UTC).replace(tzinfo=None)
    quarter = dt.timedelta(minutes=15)
    rounded = round(gap / quarter) * quarter
    if abs(gap - rounded) > TZ_TOLERANCE or abs(rounded) > dt.timedelta(hours=14):
        return None
    return dt.timezone(rounded)


def from_unix(seconds: Any) -> dt.datetime | None:
    """Aware UTC datetime from Unix seconds (numbers or numeric strings); ``None`` for 0/invalid."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    if not value or value < 0 or value > 4e9:
        return None
    return dt.datetime.fromtimestamp(value, UTC)


def from_filetime(value: Any) -> dt.datetime | None:
    """Aware UTC datetime from a Windows FILETIME (100 ns ticks since 1601-01-01 UTC)."""
    try:
        ticks = float(value)
    except (TypeError, ValueError):
        return None
    if ticks <= 1e16:
        return None
    return dt.datetime(1601, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=ticks / 10)


def iso(value: dt.datetime) -> str:
    """ISO 8601 with seconds precision (and the offset when the datetime is aware)."""
    return value.isoformat(timespec="seconds")


#: h:mm[:ss[.fff]] and an optional 12-hour suffix: ``PM``, ``pm``, ``p.m.``, ``P. M.``
_CLOCK = re.compile(
    r"\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"  # h:mm[:ss[.fff]]
    r"\s*(?:([AaPp])\.?\s*[Mm]\b\.?)?"  # AM, pm, p.m., P. M.
)


def parse_clock(text: Any) -> dt.time | None:
    """``'4:26:37 PM'``, ``'4:26:37 p.m.'``, ``'16:26:37'`` or ``'12:00'`` as a time."""
    if not isinstance(text, str):
        return None
    match = _CLOCK.match(text)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    ampm = f"{match.group(5).upper()}M" if match.group(5) else ""
    if ampm == "PM" and hour < 12:
        hour += 12
    elif ampm == "AM" and hour == 12:
        hour = 0
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None


def date_candidates(text: Any) -> list[dt.date]:
    """Possible dates for a numeric ``a/b/yyyy`` (or ``a.b.yyyy``/``a-b-yyyy``) string.

    Month-first comes first (what dateutil and HyperSpy assume); day-first follows when it is a
    different valid date, so the caller can choose with an independent clue.
    """
    if not isinstance(text, str):
        return []
    match = re.match(r"\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})", text)
    if not match:
        return []
    a, b, c = (int(g) for g in match.groups())
    out: list[dt.date] = []
    if a > 31:  # yyyy-mm-dd
        options = [(a, b, c)]
    else:
        year = c + 2000 if c < 100 else c
        options = [(year, a, b), (year, b, a)]
    for year, month, day in options:
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate not in out:
            out.append(candidate)
    return out
