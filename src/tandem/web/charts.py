"""Plotly figures for the pages, as JSON the browser draws with the bundled plotly.js."""

from __future__ import annotations

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
