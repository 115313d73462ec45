"""The heavy part of attribution as Ibis expressions, so any Ibis engine can run it.

Building journeys from events, weighting touches, counting Markov transitions and
channel sets are table operations: here they are written once as Ibis expressions and
run on DuckDB in process by default, or on PySpark, ClickHouse, Trino or any other
backend Ibis drives (pass ``backend=``). What comes back is small (one row per
channel, per Markov transition or per channel set), and the dense maths on it is done
in NumPy by :mod:`~tandem.core.attribution.markov` and
:mod:`~tandem.core.attribution.shapley`.

Two tables describe the journeys (:class:`JourneyTables`):

``touches``
    ``journey`` (any key), ``pos`` (0, 1, ... in the order of the journey),
    ``channel`` (what gets credit: a channel, a campaign, ...), ``age`` (how long
    before the journey's end the touch happened: days for events, steps back for
    path files) and ``milestone`` (``lead``, ``opportunity``, ``close`` or null: the
    touch that created the lead, created the opportunity, or closed the deal).
``journeys``
    ``journey``, ``conversions``, ``nulls`` (times it ended without converting),
    ``value`` (conversion value, null when unknown) and ``touches`` (how many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tandem.core.attribution.heuristics import HEURISTIC_MODELS, U_END_SHARE
from tandem.core.attribution.markov import ChainCounts, check_order, solve_chain
from tandem.core.attribution.paths import Attribution, AttributionError
from tandem.core.attribution.shapley import ChannelSet, attribute_shapley_sets

# Joins the channels of a Markov state or a channel set into one string; a control
# character no channel name carries.
SEP = "\x1f"

MILESTONES = ("lead", "opportunity", "close")
# HubSpot's splits: W-shaped gives 30 % each to the first touch, the lead creation and
# the opportunity creation; full path gives 22.5 % each to those and the close. The
# rest is shared by the other touches.
MILESTONE_MODELS: dict[str, dict[str, float]] = {
    "w_shaped": {"first": 0.3, "lead": 0.3, "opportunity": 0.3},
    "full_path": {"first": 0.225, "lead": 0.225, "opportunity": 0.225, "close": 0.225},
}
RULE_MODELS = (*HEURISTIC_MODELS, *MILESTONE_MODELS)
TABLE_MODELS = (*RULE_MODELS, "markov", "shapley")

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class JourneyTables:
    """Journeys as two Ibis tables, and what the input could tell."""

    touches: ir.Table
    journeys: ir.Table
    has_value: bool
    has_milestones: bool
    time_unit: str  # "days" (events) or "steps" (path files)
    # When set, ``touches.channel`` holds integer codes into these names: engines group
    # and compare integers faster than text.
    labels: tuple[str, ...] | None = None

    @classmethod
    def from_paths(
        cls,
        touches: ir.Table,
        journeys: ir.Table,
        *,
        has_value: bool,
        labels: tuple[str, ...] | None = None,
    ) -> JourneyTables:
        """Path-aggregated journeys, already split into touches (age in steps back)."""
        return cls(touches, journeys, has_value, False, "steps", labels)

    def name(self, channel: Any) -> str:
        """The channel's name, for a value of ``touches.channel``."""
        return self.labels[int(channel)] if self.labels is not None else str(channel)

    def channel_text(self) -> ir.StringValue:
        """``touches.channel`` as text (codes stay codes), for joining into states and sets."""
        channel = self.touches.channel
        return channel.cast("string") if self.labels is not None else channel


def default_backend() -> Any:
    """DuckDB in process, in memory: nothing to start, nothing left behind."""
    return ibis.duckdb.connect()


# --- building journeys ---------------------------------------------------------------


def journeys_from_events(
    events: ir.Table,
    *,
    lookback_days: float | None = None,
    has_value: bool,
    has_milestones: bool,
) -> JourneyTables:
    """Event rows as journeys: each journey's touches up to its first conversion.

    ``events`` has ``journey``, ``ts`` (timestamp), ``seq`` (breaks ties between
    touches at the same moment), ``channel``, ``converted`` (boolean), ``value``
    (float, null when unknown) and ``milestone`` (string, null for ordinary touches).

    A journey converts at most once, at the first event flagged ``converted``; touches
    after it are dropped (they cannot have caused it), and so is any touch more than
    ``lookback_days`` before the journey's end (its conversion, or else its last
    touch). The conversion's value is the sum of the values on the converting events
    at that moment.
    """
    # Per journey aggregates joined back cost engines less than window functions.
    ends = events.group_by("journey").aggregate(
        converted_at=events.ts.min(where=events.converted), last_at=events.ts.max()
    )
    joined = events.join(ends, "journey")
    ended_at = ibis.coalesce(joined.converted_at, joined.last_at)
    timed = joined.mutate(
        age=(ended_at.epoch_seconds() - joined.ts.epoch_seconds()).cast("float64") / DAY_SECONDS
    )
    kept = timed.filter(timed.converted_at.isnull() | (timed.ts <= timed.converted_at))
    if lookback_days is not None:
        if not lookback_days > 0:
            raise AttributionError(f"the lookback window must be positive, not {lookback_days}")
        kept = kept.filter(kept.age <= lookback_days)
    ordered = ibis.window(group_by=kept.journey, order_by=[kept.ts, kept.seq])
    touches = kept.select(
        "journey",
        pos=(ibis.row_number().over(ordered)).cast("int64"),
        channel=kept.channel,
        age=kept.age,
        milestone=kept.milestone,
    )
    converting = kept.converted & (kept.ts == kept.converted_at)
    journeys = kept.group_by("journey").aggregate(
        conversions=converting.any().cast("float64"),
        value=kept.value.sum(where=converting),
        touches=kept.count(),
    )
    journeys = journeys.mutate(nulls=1.0 - journeys.conversions)
    return JourneyTables(touches, journeys, has_value, has_milestones, "days")


# --- the models ----------------------------------------------------------------------


def _check_model(tables: JourneyTables, model: str, half_life: float) -> None:
    if model not in TABLE_MODELS:
        raise AttributionError(f"unknown model {model!r}; choose one of {', '.join(TABLE_MODELS)}")
    if model in MILESTONE_MODELS and not tables.has_milestones:
        raise AttributionError(
            f"the {model} model needs to know which touches created the lead and the "
            "opportunity: give event-level input with a 'milestone' column "
            "(lead, opportunity, close); path files do not carry them"
        )
    if model == "time_decay" and not half_life > 0:
        raise AttributionError(f"the half-life must be positive, not {half_life}")


def attribute_tables(
    tables: JourneyTables,
    *,
    model: str,
    order: int = 1,
    half_life: float = 1.0,
    backend: Any = None,
) -> Attribution:
    """Run ``model`` on ``tables`` with ``backend`` (DuckDB in memory when None)."""
    _check_model(tables, model, half_life)
    backend = backend if backend is not None else default_backend()
    if model == "markov":
        check_order(order)
        return solve_chain(_chain_counts(tables, order, backend))
    if model == "shapley":
        return attribute_shapley_sets(_channel_sets(tables, backend))
    return attribute_rules(tables, models=[model], half_life=half_life, backend=backend)[model]


def attribute_rules(
    tables: JourneyTables,
    *,
    models: Sequence[str],
    half_life: float = 1.0,
    backend: Any = None,
) -> dict[str, Attribution]:
    """Several rule-based models at once, in one pass of the engine over the touches."""
    for model in models:
        _check_model(tables, model, half_life)
        if model not in RULE_MODELS:
            raise AttributionError(f"{model!r} is not a rule-based model")
    backend = backend if backend is not None else default_backend()
    result = backend.to_pyarrow(credit_expression(tables, models=models, half_life=half_life))
    channels = [tables.name(c) for c in result["channel"].to_pylist()]
    out = {}
    for model in models:
        values = result[f"value_{model}"].to_pylist()
        out[model] = Attribution(
            conversions=dict(
                zip(channels, result[f"conversions_{model}"].to_pylist(), strict=True)
            ),
            value=(
                {c: v or 0.0 for c, v in zip(channels, values, strict=True)}
                if tables.has_value
                else None
            ),
        )
    return out


def touch_weights(
    tables: JourneyTables, *, models: Sequence[str], half_life: float = 1.0
) -> ir.Table:
    """Each touch, with its journey's columns and ``weight_<model>`` per model.

    A weight is the touch's share of its journey.

    The shares of one journey add up to 1 under every model. Window functions cannot
    nest, so the columns are built in stages: journey-wide counts and milestone shares
    first, then what depends on them.
    """
    stage = tables.touches.join(tables.journeys, "journey")
    first = stage.pos == 0
    last = stage.pos == stage.touches - 1
    direct: dict[str, ir.Value] = {}  # by column: weight_<model>, raw_<model>, fixed_<model>
    for model in models:
        if model == "first_touch":
            direct[f"weight_{model}"] = first.cast("float64")
        elif model == "last_touch":
            direct[f"weight_{model}"] = last.cast("float64")
        elif model == "linear":
            direct[f"weight_{model}"] = 1.0 / stage.touches.cast("float64")
        elif model == "u_shaped":
            direct[f"weight_{model}"] = ibis.cases(
                (stage.touches == 1, 1.0),
                (stage.touches == 2, 0.5),
                (first | last, U_END_SHARE),
                else_=(1.0 - 2 * U_END_SHARE) / (stage.touches - 2).cast("float64"),
            ).cast("float64")
        elif model == "time_decay":
            direct[f"raw_{model}"] = ibis.literal(0.5).pow(stage.age / half_life)
        elif model in MILESTONE_MODELS:
            direct[f"fixed_{model}"] = _milestone_share(stage, MILESTONE_MODELS[model])
    stage = stage.mutate(**direct)
    # Milestone models: the touches that are no milestone share what is left.
    spread: dict[str, ir.Value] = {}
    for model in models:
        if model in MILESTONE_MODELS:
            fixed = stage[f"fixed_{model}"]
            others = (fixed == 0).cast("float64").sum().over(group_by=stage.journey)
            rest = 1.0 - sum(MILESTONE_MODELS[model].values())
            spread[f"raw_{model}"] = ibis.ifelse(fixed > 0, fixed, rest / others.nullif(0.0))
    stage = stage.mutate(**spread)
    # Raw weights scaled to add up to 1 per journey.
    scaled = {
        f"weight_{model}": stage[f"raw_{model}"]
        / stage[f"raw_{model}"].sum().over(group_by=stage.journey)
        for model in models
        if model == "time_decay" or model in MILESTONE_MODELS
    }
    stage = stage.mutate(**scaled)
    helpers = [c for c in stage.columns if c.startswith(("raw_", "fixed_"))]
    return stage.drop(*helpers)


def _milestone_share(t: ir.Table, shares: dict[str, float]) -> ir.FloatingValue:
    """W-shaped and full path: the fixed share a touch earns as first touch and milestones.

    A touch that is several milestones at once (the first touch created the lead)
    collects each share. When a journey lacks a milestone (no opportunity yet) or has no
    other touches to share the rest, :func:`touch_weights` scales the weights back up.
    """
    fixed: ir.FloatingValue = ibis.literal(0.0)
    for name, share in shares.items():
        # A touch may mark several milestones at once: "lead+opportunity".
        hit = t.pos == 0 if name == "first" else t.milestone.contains(name)
        fixed = fixed + ibis.ifelse(hit.fill_null(False), share, 0.0)
    return fixed


def credit_expression(
    tables: JourneyTables, *, models: Sequence[str], half_life: float = 1.0
) -> ir.Table:
    """``channel`` and ``conversions_<model>``, ``value_<model>`` per rule-based model."""
    joined = touch_weights(tables, models=models, half_life=half_life)
    sums = {}
    for model in models:
        weight = joined[f"weight_{model}"]
        sums[f"conversions_{model}"] = (weight * joined.conversions).sum()
        sums[f"value_{model}"] = (weight * joined.value.fill_null(0.0)).sum()
    return joined.group_by("channel").aggregate(**sums).order_by("channel")


def _chain_counts(tables: JourneyTables, order: int, backend: Any) -> ChainCounts:
    """Count the order-``order`` Markov chain of the journeys in the engine.

    Consecutive repeats of a channel are collapsed; each state is the window of the
    last ``order`` touches (the whole path when it is shorter), as ChannelAttribution
    builds them.
    """
    t = tables.touches
    ordered = ibis.window(group_by=t.journey, order_by=t.pos)
    marked = t.mutate(before=t.channel.lag().over(ordered))
    # The state before the first touch: "start", spelled in the channel column's type.
    start = ibis.literal(-1 if tables.labels is not None else "", type=t.channel.type())
    if order == 1:
        # A state is one channel, so the state before a touch is the channel of the touch
        # before it (a repeat has the same channel as the touch it repeats), and the
        # journey ends in the state of its last touch: one window pass, no renumbering.
        joined = marked.join(tables.journeys, "journey")
        walk = joined.filter(
            joined.before.isnull()
            | (joined.before != joined.channel)
            | (joined.pos == joined.touches - 1)
        ).select(
            "conversions",
            "nulls",
            "value",
            previous=joined.before.fill_null(start),
            state=joined.channel,
            is_last=joined.pos == joined.touches - 1,
            moves=joined.before.isnull() | (joined.before != joined.channel),
        )
    else:
        text = marked.mutate(
            channel=marked.channel.cast("string"), before=marked.before.cast("string")
        )
        walk = _order_k_walk(text if tables.labels is not None else marked, tables.journeys, order)
    walk = walk.filter(walk.conversions + walk.nulls > 0)
    # One pass over the walk: grouped by transition and by whether the row moves to a
    # new state and whether it ends its journey, from which transitions and endings are
    # summed below. Without codes, the channel names ride along in the same query.
    zero = ibis.literal(0.0)
    grouped = walk.group_by(["previous", "state", "moves", "is_last"]).aggregate(
        weight=(walk.conversions + walk.nulls).sum(),
        conversions=walk.conversions.sum(),
        nulls=walk.nulls.sum(),
        value=walk.value.fill_null(0.0).sum(),
    )
    # Order 2 and up builds states as text, so channel codes become text there too.
    start_text = "" if tables.labels is None or order > 1 else "-1"
    if tables.labels is not None:
        # The names are known already: no need to ask the engine for them.
        rows = backend.to_pyarrow(grouped)
        channel_names = sorted(tables.labels)
    else:
        names = t.select(
            previous=start,
            state=t.channel,
            moves=ibis.literal(False),
            is_last=ibis.literal(False),
            weight=zero,
            conversions=zero,
            nulls=zero,
            value=zero,
        ).distinct()
        rows = backend.to_pyarrow(
            ibis.union(grouped, names.select(grouped.columns), distinct=False)
        )
        # Walk rows always move or end a journey; the rows that do neither are the names.
        named = rows.filter(~pc.field("moves") & ~pc.field("is_last"))
        channel_names = sorted(named["state"].to_pylist())
    moving = rows.filter(pc.field("moves"))
    moves = moving.group_by(["previous", "state"]).aggregate([("weight", "sum")])
    moves = moves.rename_columns(["previous", "state", "weight"])
    ending = rows.filter(pc.field("is_last"))
    ends = ending.group_by("state").aggregate(
        [("conversions", "sum"), ("nulls", "sum"), ("value", "sum")]
    )
    ends = ends.rename_columns(["state", "conversions", "nulls", "value"])

    labels = pa.concat_arrays(
        [
            pa.array([start_text], pa.string()),
            moves["previous"].combine_chunks().cast(pa.string()),
            moves["state"].combine_chunks().cast(pa.string()),
            ends["state"].combine_chunks().cast(pa.string()),
        ]
    )
    unique = labels.unique()  # keeps first appearance, so start stays index 0
    index = {label: i for i, label in enumerate(unique.to_pylist())}
    size = len(index)

    def at(column: pa.ChunkedArray) -> np.ndarray:
        text = column.cast(pa.string()).to_pylist()
        return np.array([index[label] for label in text], dtype=np.int64)

    def dense(column: str) -> np.ndarray:
        out = np.zeros(size)
        np.add.at(out, at(ends["state"]), ends[column].to_numpy(zero_copy_only=False))
        return out

    return ChainCounts(
        states=[
            () if label == start_text else tuple(tables.name(c) for c in label.split(SEP))
            for label in unique.to_pylist()
        ],
        source=at(moves["previous"]),
        target=at(moves["state"]),
        weight=moves["weight"].to_numpy(zero_copy_only=False).astype(np.float64),
        conversions=dense("conversions"),
        nulls=dense("nulls"),
        value=dense("value"),
        has_value=tables.has_value,
        channels=channel_names,
    )


def _order_k_walk(marked: ir.Table, journeys: ir.Table, order: int) -> ir.Table:
    """The states of an order-``order`` chain (2 and up), one row per state visited.

    Repeats are collapsed first, the touches left are numbered, and each state is the
    window of the last ``order`` of them (the whole path when it is shorter).
    """
    distinct = marked.filter(marked.before.isnull() | (marked.before != marked.channel))
    ordered = ibis.window(group_by=distinct.journey, order_by=distinct.pos)
    step = distinct.mutate(
        step=ibis.row_number().over(ordered),
        steps=distinct.pos.count().over(group_by=distinct.journey),
    )
    ordered = ibis.window(group_by=step.journey, order_by=step.step)
    state: ir.StringValue = step.channel
    for back in range(1, order):
        earlier = step.channel.lag(back).over(ordered)
        state = ibis.ifelse(earlier.isnull(), state, earlier.concat(SEP, state))
    windows = step.mutate(state=state).filter(
        (step.step >= order - 1) | (step.step == step.steps - 1)
    )
    ordered = ibis.window(group_by=windows.journey, order_by=windows.step)
    visited = windows.mutate(
        previous=windows.state.lag().over(ordered).fill_null(""),
        is_last=windows.step == windows.steps - 1,
    ).join(journeys, "journey")
    return visited.select(
        "conversions", "nulls", "value", "previous", "state", "is_last", moves=ibis.literal(True)
    )


def _channel_sets(tables: JourneyTables, backend: Any) -> list[ChannelSet]:
    """Journeys grouped by the set of channels they used (order and repeats ignored)."""
    t = tables.touches.mutate(channel=tables.channel_text())
    per_journey = t.group_by("journey").aggregate(
        channels=t.channel.collect(distinct=True).sort().join(SEP)
    )
    joined = per_journey.join(tables.journeys, "journey")
    grouped = joined.group_by("channels").aggregate(
        journeys=(joined.conversions + joined.nulls).sum(),
        conversions=joined.conversions.sum(),
        value=joined.value.fill_null(0.0).sum(),
    )
    rows = backend.to_pyarrow(grouped).to_pylist()
    return [
        ChannelSet(
            channels=frozenset(tables.name(c) for c in row["channels"].split(SEP)),
            journeys=float(row["journeys"]),
            conversions=float(row["conversions"]),
            value=float(row["value"]) if tables.has_value else None,
        )
        for row in rows
    ]
