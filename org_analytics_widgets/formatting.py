"""Numbers for people: 1.2M, $1,234.56, +12.5 %; the exact value goes in a tooltip."""

from __future__ import annotations

import calendar
import math


def compact(value: float) -> str:
    """``1234567 -> '1.2M'``, ``950 -> '950'``."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            shown = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{sign}{shown}{suffix}"
    return f"{sign}{value:,.0f}"


def money(value: float, significant: int = 2) -> str:
    """A cost as a person reads it: cents, or ``significant`` digits when under a cent, never ``'$0.0000'``.

    >>> money(1234.5), money(0.000042), money(0.0031), money(0), money(12.5)
    ('$1,234.50', '$0.000042', '$0.0031', '$0.00', '$12.50')
    """
    sign = "-" if value < 0 else ""
    value = abs(value)
    if 0 < value < 0.01:
        decimals = max(significant - 1 - math.floor(math.log10(value)), 2)
        return f"{sign}${value:.{decimals}f}".rstrip("0")
    return f"{sign}${value:,.2f}"


def money_compact(value: float) -> str:
    if abs(value) >= 10_000:
        return ("-" if value < 0 else "") + "$" + compact(abs(value))
    return money(value)


def exact(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.10f}".rstrip("0").rstrip(".")


def change(current: float, previous: float | None) -> tuple[str, str]:
    """Change against the previous month as (text, direction): direction is up, down, flat or new."""
    if previous is None:
        return "", "flat"
    if previous == 0:
        return ("new", "new") if current else ("no change", "flat")
    delta = current - previous
    pct = delta / abs(previous) * 100
    if abs(pct) < 0.05:
        return "no change", "flat"
    return f"{pct:+.1f} %", "up" if delta > 0 else "down"


def month_label(month: str) -> str:
    """``'2026-03' -> 'March 2026'``."""
    year, mon = month.split("-")
    return f"{calendar.month_name[int(mon)]} {year}"


def month_short(month: str) -> str:
    """``'2026-03' -> 'Mar 2026'``."""
    year, mon = month.split("-")
    return f"{calendar.month_abbr[int(mon)]} {year}"


def percent(rate: float) -> str:
    """A share (0..1) in per cent: one decimal, or two significant digits when under 0.1 %.

    >>> percent(0.1111111111), percent(0.00042), percent(0), percent(1)
    ('11.1 %', '0.042 %', '0.0 %', '100.0 %')
    """
    pct = rate * 100
    if 0 < abs(pct) < 0.1:
        return f"{pct:.{1 - math.floor(math.log10(abs(pct)))}f} %"
    return f"{pct:.1f} %"


def points_change(current: float, previous: float | None) -> tuple[str, str]:
    """A share's change in percentage points, as :func:`change` gives it: ``('+1.5 pts', 'up')``."""
    if previous is None:
        return "", "flat"
    delta = (current - previous) * 100
    if abs(delta) < 0.05:
        return "no change", "flat"
    return f"{delta:+.1f} pts", "up" if delta > 0 else "down"
