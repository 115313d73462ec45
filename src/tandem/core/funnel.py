"""Funnel arithmetic for closed-loop reporting: reach, conversion, time in stage, velocity.

These functions say what each figure on the closed-loop page *means*, one contact or
one number at a time. The reports compute the same figures in bulk in DuckDB; the
tests check that both agree, so this module is the definition and the SQL is the
fast way to apply it.

Definitions:

* A contact **reached** a funnel stage when its history holds a move into that stage
  or into any later funnel stage (skipping a stage still counts as passing it).
  Nurture and Disqualified are not funnel stages and never count.
* The **conversion rate** from one stage to the next is ``reached(next) / reached(stage)``.
* The **time in a stage** runs from the contact's first move into the stage to its
  first move, at or after that, into any later funnel stage. Contacts that never moved
  on do not count; time spent recycled in Nurture in between is included.
* The **close ratio** of a cohort is customers / leads (contacts that reached each).
* The **win rate** is won / (won + lost) opportunities; open ones do not count.
* **Sales velocity** is open opportunities x win rate x average won deal size, divided
  by the average sales cycle in days: the revenue the pipeline is expected to bring
  in per day.

Only the standard library is used.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from tandem.core.errors import CoreError
from tandem.core.lifecycle import FUNNEL

FUNNEL_STAGES: tuple[str, ...] = tuple(stage.value for stage in FUNNEL)
STAGE_LABELS: dict[str, str] = {stage.value: stage.label for stage in FUNNEL}
_INDEX: dict[str, int] = {name: i for i, name in enumerate(FUNNEL_STAGES)}
_DAY = timedelta(days=1)

# Company size by employee count: (lowest, highest or None for no limit, label).
SIZE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 49, "1-49 employees"),
    (50, 249, "50-249 employees"),
    (250, 999, "250-999 employees"),
    (1000, 4999, "1,000-4,999 employees"),
    (5000, None, "5,000+ employees"),
)
UNKNOWN_SIZE = "Size unknown"


class MonthError(CoreError):
    """A month that could not be read; ``text`` is what was given."""

    code = "invalid_month"

    def __init__(self, message: str, *, text: str) -> None:
        super().__init__(message)
        self.text = text


def stage_index(stage: str) -> int | None:
    """Position of ``stage`` in the funnel (subscriber is 0), or None outside the funnel."""
    return _INDEX.get(stage)


def furthest_stage(stages: Iterable[str]) -> int | None:
    """Index of the furthest funnel stage among ``stages``; None when none is a funnel stage."""
    found = [i for i in (stage_index(s) for s in stages) if i is not None]
    return max(found, default=None)


def reached_counts(furthest: Iterable[int | None]) -> tuple[int, ...]:
    """How many contacts reached each funnel stage, given each contact's furthest stage."""
    histogram: dict[int, int] = {}
    for index in furthest:
        if index is not None:
            histogram[index] = histogram.get(index, 0) + 1
    return counts_from_histogram(histogram)


def counts_from_histogram(histogram: Mapping[int, int]) -> tuple[int, ...]:
    """Reach per stage from the number of contacts whose furthest stage is each index.

    A contact whose furthest stage is k reached every stage up to k, so the reach of a
    stage is the sum over it and every later stage.
    """
    counts = [0] * len(FUNNEL_STAGES)
    running = 0
    for index in range(len(FUNNEL_STAGES) - 1, -1, -1):
        running += histogram.get(index, 0)
        counts[index] = running
    return tuple(counts)


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    return numerator / denominator


def conversion_rates(counts: Sequence[int]) -> tuple[float | None, ...]:
    """Stage-to-stage conversion: ``counts[i + 1] / counts[i]`` (None when nobody reached i).

    The result has one fewer element than ``counts``.
    """
    return tuple(ratio(after, before) for before, after in itertools.pairwise(counts))


def stage_durations(history: Iterable[tuple[str, datetime]]) -> dict[str, float]:
    """Days one contact spent in each funnel stage it entered and then left forward.

    ``history`` holds the contact's moves as (stage moved into, when), in any order.
    A stage's time runs from the first move into it to the earliest move, at or after
    that, into a later funnel stage; stages the contact has not moved on from are left
    out.
    """
    moves = sorted(
        ((index, when) for stage, when in history if (index := stage_index(stage)) is not None),
        key=lambda move: move[1],
    )
    entered: dict[int, datetime] = {}
    for index, when in moves:
        entered.setdefault(index, when)
    durations: dict[str, float] = {}
    for index, start in entered.items():
        later = [when for i, when in moves if i > index and when >= start]
        if later:
            durations[FUNNEL_STAGES[index]] = (min(later) - start) / _DAY
    return durations


def median(values: Iterable[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    data = list(values)
    return statistics.median(data) if data else None


def close_ratio(*, customers: int, leads: int) -> float | None:
    """Lead-to-customer close ratio: customers / leads, None without leads."""
    return ratio(customers, leads)


def win_rate(*, won: int, lost: int) -> float | None:
    """Won / (won + lost): open opportunities are not decided yet, so they do not count."""
    return ratio(won, won + lost)


@dataclass(frozen=True, kw_only=True)
class Velocity:
    """Sales velocity and the four factors it is made of."""

    open_opportunities: int
    win_rate: float | None
    average_deal: float | None  # average amount of won opportunities
    cycle_days: float | None  # average days from creation to close of won opportunities

    @property
    def per_day(self) -> float | None:
        return sales_velocity(
            open_opportunities=self.open_opportunities,
            win_rate=self.win_rate,
            average_deal=self.average_deal,
            cycle_days=self.cycle_days,
        )


def sales_velocity(
    *,
    open_opportunities: int,
    win_rate: float | None,
    average_deal: float | None,
    cycle_days: float | None,
) -> float | None:
    """Expected revenue per day: open x win rate x average deal / cycle days.

    None when a factor is unknown (no decided or no won deals yet) or the cycle is
    not positive (deals won the day they were created give no meaningful speed).
    """
    if win_rate is None or average_deal is None or cycle_days is None or cycle_days <= 0:
        return None
    return open_opportunities * win_rate * average_deal / cycle_days


def cohort_month(when: datetime, *, tz: tzinfo = UTC) -> str:
    """The cohort a moment belongs to, as ``YYYY-MM`` in ``tz``.

    Raises ValueError for a naive datetime: which month it falls in depends on the zone.
    """
    if when.utcoffset() is None:
        raise ValueError("cohort_month needs a timezone-aware datetime")
    return when.astimezone(tz).strftime("%Y-%m")


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def parse_month(text: str) -> date:
    """The first day of the month written ``YYYY-MM``; raises MonthError otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise MonthError(f"“{text}” is not a month; write it as YYYY-MM, e.g. 2026-03.", text=text)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 9998:
        raise MonthError(f"“{text}” is not a month; write it as YYYY-MM, e.g. 2026-03.", text=text)
    return date(year, month, 1)


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` is in."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_span(
    first: date | None, last: date | None, *, tz: tzinfo = UTC
) -> tuple[datetime | None, datetime | None]:
    """The moments [start, end) covering whole months ``first`` to ``last`` in ``tz``.

    Either end may be None (no limit on that side). Raises MonthError when ``last``
    comes before ``first``.
    """
    if first is not None and last is not None and last < first:
        raise MonthError(
            f"The range ends ({last:%Y-%m}) before it starts ({first:%Y-%m}).",
            text=f"{first:%Y-%m}..{last:%Y-%m}",
        )
    start = datetime(first.year, first.month, 1, tzinfo=tz) if first else None
    end = None
    if last is not None:
        after = next_month(last)
        end = datetime(after.year, after.month, 1, tzinfo=tz)
    return start, end


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive, so charts show empty months."""
    month, end = parse_month(first), parse_month(last)
    result: list[str] = []
    while month <= end:
        result.append(f"{month:%Y-%m}")
        month = next_month(month)
    return result


def size_band(employees: int | None) -> str:
    """The company size band of an employee count (:data:`SIZE_BANDS`)."""
    if employees is None:
        return UNKNOWN_SIZE
    for low, high, label in SIZE_BANDS:
        if employees >= low and (high is None or employees <= high):
            return label
    return UNKNOWN_SIZE


@dataclass(frozen=True, kw_only=True)
class FunnelStep:
    """One stage of a funnel: how many reached it and how they went on."""

    stage: str
    label: str
    reached: int
    conversion: float | None  # to the next stage; None for the last stage or nobody here
    median_days: float | None  # median time in this stage of those who moved on

    @property
    def is_last(self) -> bool:
        return self.stage == FUNNEL_STAGES[-1]


def funnel_steps(
    counts: Sequence[int], medians: Mapping[str, float | None] | None = None
) -> tuple[FunnelStep, ...]:
    """The funnel as steps, from reach per stage and the median days per stage."""
    if len(counts) != len(FUNNEL_STAGES):
        raise ValueError(f"expected {len(FUNNEL_STAGES)} counts, got {len(counts)}")
    rates = (*conversion_rates(counts), None)
    medians = medians or {}
    return tuple(
        FunnelStep(
            stage=stage,
            label=STAGE_LABELS[stage],
            reached=counts[i],
            conversion=rates[i],
            median_days=medians.get(stage),
        )
        for i, stage in enumerate(FUNNEL_STAGES)
    )
