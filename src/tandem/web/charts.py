"""Plotly figures for the pages, as JSON the browser draws with the bundled plotly.js."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

LAYOUT = {
    "margin": {"l": 50, "r": 20, "t": 40, "b": 50},
    "height": 320,
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
}


def bar(
    labels: Sequence[str], values: Sequence[float], *, title: str, x_title: str, y_title: str
) -> dict[str, Any]:
    figure = go.Figure(go.Bar(x=list(labels), y=list(values), marker_color="#4c74e0"))
    figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    return _plain(figure)


def calibration(
    labels: Sequence[str],
    observed: Sequence[float],
    expected: Sequence[float] | None,
    counts: Sequence[int],
    *,
    title: str,
) -> dict[str, Any]:
    """Observed conversion by bucket as bars, the model's own average as a line."""
    figure = go.Figure(
        go.Bar(
            x=list(labels),
            y=[100 * v for v in observed],
            name="Observed conversion",
            marker_color="#4c74e0",
            customdata=list(counts),
            hovertemplate="%{x}: %{y:.1f}% of %{customdata} contacts<extra></extra>",
        )
    )
    if expected is not None:
        figure.add_trace(
            go.Scatter(
                x=list(labels),
                y=[100 * v for v in expected],
                name="Predicted",
                mode="lines+markers",
                line={"color": "#d97706"},
            )
        )
    figure.update_layout(
        title=title, xaxis_title="Score decile (1 = lowest)", yaxis_title="Converted (%)", **LAYOUT
    )
    return _plain(figure)


def _plain(figure: go.Figure) -> dict[str, Any]:
    # Plotly's own encoder handles numpy values; the result goes through json_script.
    return dict(json.loads(figure.to_json()))


# Closed-loop reporting -------------------------------------------------------------

SERIES_COLOURS = ("#4c74e0", "#d97706", "#17794a", "#8b5cf6", "#b3261e")
# Pairs that belong together (pipeline and revenue of one kind) share a hue.
PAIRED_COLOURS = ("#9db7ff", "#2f5bd3", "#f6c48b", "#b45309")


def funnel(
    labels: Sequence[str], values: Sequence[int], *, title: str, value_name: str = "contacts"
) -> dict[str, Any]:
    """A funnel of counts per stage, each bar after the first with its share of the one before."""
    texts = [f"{values[0]:,}"] if values else []
    for before, value in itertools.pairwise(values):
        texts.append(f"{value:,} · {100 * value / before:.1f}%" if before else f"{value:,}")
    figure = go.Figure(
        go.Funnel(
            y=list(labels),
            x=list(values),
            text=texts,
            textinfo="text",
            # Inside the bars that are wide enough, beside the narrow ones.
            textposition="auto",
            cliponaxis=False,
            hovertemplate=(
                "%{y}: %{x:,} " + value_name + "<br>%{percentPrevious:.1%} of the stage before"
                "<br>%{percentInitial:.1%} of the first stage<extra></extra>"
            ),
            marker={"color": "#4c74e0"},
            connector={"fillcolor": "#dfe6f7"},
        )
    )
    figure.update_layout(title=title, **{**LAYOUT, "margin": {"l": 110, "r": 20, "t": 40, "b": 30}})
    return _plain(figure)


def percent_bars(
    labels: Sequence[str],
    ratios: Sequence[float | None],
    counts: Sequence[int],
    *,
    title: str,
    x_title: str,
    y_title: str,
    count_name: str,
) -> dict[str, Any]:
    """Ratios (0..1) as percentage bars; ``counts`` is the base of each, shown on hover."""
    figure = go.Figure(
        go.Bar(
            x=list(labels),
            y=[None if r is None else 100 * r for r in ratios],
            marker_color="#4c74e0",
            customdata=list(counts),
            hovertemplate="%{x}: %{y:.1f}% of %{customdata:,} " + count_name + "<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        yaxis={"ticksuffix": "%", "rangemode": "tozero"},
        **LAYOUT,
    )
    return _plain(figure)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    y_title: str,
    currency: str = "",
    horizontal: bool = False,
    paired: bool = False,
) -> dict[str, Any]:
    """Several series side by side per label (e.g. sourced and influenced pipeline).

    ``paired`` colours the series two by two in light and dark shades of one hue.
    """
    prefix = f"{currency} " if currency else ""
    colours = PAIRED_COLOURS if paired else SERIES_COLOURS
    figure = go.Figure()
    for (name, values), colour in zip(series, colours, strict=False):
        hover = "%{" + ("y" if horizontal else "x") + "}: " + prefix
        hover += "%{" + ("x" if horizontal else "y") + ":,.0f}<extra>" + name + "</extra>"
        figure.add_trace(
            go.Bar(
                name=name,
                x=list(values) if horizontal else list(labels),
                y=list(labels) if horizontal else list(values),
                orientation="h" if horizontal else "v",
                marker_color=colour,
                hovertemplate=hover,
            )
        )
    layout = dict(LAYOUT)
    # The top margin leaves room for the legend under the title.
    layout["margin"] = {"l": 260 if horizontal else 50, "r": 20, "t": 70, "b": 50}
    if horizontal:
        layout["height"] = max(320, 60 + 28 * len(labels))
    figure.update_layout(
        title=title,
        barmode="group",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        **layout,
    )
    value_axis = {"title": y_title, "tickformat": ",.0f", "rangemode": "tozero"}
    if horizontal:
        figure.update_layout(xaxis=value_axis, yaxis={"autorange": "reversed"})
    else:
        figure.update_layout(yaxis=value_axis)
    return _plain(figure)


def stacked_share(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    currency: str = "",
) -> dict[str, Any]:
    """One horizontal 100 % bar per category, split by series (e.g. who generated revenue)."""
    prefix = f"{currency} " if currency else ""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    figure = go.Figure()
    for (name, values), colour in zip(series, SERIES_COLOURS, strict=False):
        shares = [100 * v / t if t else 0.0 for v, t in zip(values, totals, strict=True)]
        figure.add_trace(
            go.Bar(
                name=name,
                y=list(categories),
                x=shares,
                orientation="h",
                marker_color=colour,
                customdata=list(values),
                text=[f"{s:.1f}%" if s >= 4 else "" for s in shares],
                textposition="inside",
                hovertemplate=(
                    "%{y}: " + prefix + "%{customdata:,.0f} (%{x:.1f}%)<extra>" + name + "</extra>"
                ),
            )
        )
    figure.update_layout(
        title=title,
        barmode="stack",
        xaxis={"ticksuffix": "%", "range": [0, 100]},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        **{**LAYOUT, "height": 260, "margin": {"l": 110, "r": 20, "t": 40, "b": 40}},
    )
    return _plain(figure)
