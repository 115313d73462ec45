"""``tandem attribution run``: share conversions among marketing channels, from a file.

File mode needs no database and no Django. It reads ChannelAttribution's
path-aggregated CSV or an event-level CSV/Parquet file (see
:mod:`tandem.analytics.journey_files`) and writes ``channel,conversions,value``, one
row per channel. The engine and pandas are imported inside the command so that
``--help`` stays instant.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from tandem.core.errors import CoreError

attribution_app = typer.Typer(
    help="Multi-touch attribution from files: credit conversions to the channels behind them.",
    no_args_is_help=True,
    add_completion=False,
)

MODEL_HELP = (
    "first_touch, last_touch, linear, u_shaped, w_shaped, full_path, time_decay, "
    "markov or shapley (w_shaped and full_path need event-level input with a milestone "
    "column)."
)


@attribution_app.callback()
def main() -> None:
    """Multi-touch attribution from files: credit conversions to the channels behind them."""
    # A callback keeps `run` a subcommand even while it is the only one, so the
    # command line is the same standalone and when attached to the main CLI.


def _fail(error: CoreError, path: Path) -> typer.Exit:
    from tandem.analytics.tabular import TabularError
    from tandem.core.attribution import AttributionError

    if isinstance(error, AttributionError) and (error.row is not None or error.column):
        error = TabularError(error.detail, path=path, row=error.row, column=error.column)
    elif isinstance(error, TabularError):
        error = error.in_file(path)
    # One plain line, never wrapped or styled: people paste it into tickets, scripts grep it.
    typer.echo(f"Error: {error}", err=True)
    return typer.Exit(2)


@attribution_app.command()
def run(
    journeys: Annotated[
        Path,
        typer.Option(
            help="Path-aggregated CSV (path, total_conversions[, total_conversion_value, "
            "total_null]) or event-level CSV/Parquet (journey_id, timestamp, channel[, "
            "conversion, value, milestone])."
        ),
    ],
    model: Annotated[str, typer.Option(help=MODEL_HELP)],
    order: Annotated[
        int, typer.Option(help="Markov order: how many past touches a state remembers (1-4).")
    ] = 1,
    half_life: Annotated[
        float | None,
        typer.Option(
            help="time_decay: how far before the conversion a touch counts half. Days for "
            "event files (default 7); touches back from the last one for path files, "
            "which have no timestamps (default 1)."
        ),
    ] = None,
    lookback_days: Annotated[
        float | None,
        typer.Option(help="Event files: ignore touches more than this many days before the end."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="Where the queries run: duckdb (default), spark / local[N] / a Spark "
            "master URL, or another Ibis URL. Default: TANDEM_ANALYTICS_URL, else duckdb."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="CSV file to write; standard output when left out.")
    ] = None,
) -> None:
    """Credit each channel with a share of the conversions and their value."""
    from tandem.analytics import engines
    from tandem.analytics.journey_files import load_journeys
    from tandem.analytics.tabular import read_table
    from tandem.core.attribution import MODELS, AttributionError
    from tandem.core.attribution.engine import attribute_tables

    if model not in MODELS:
        typer.echo(f"Error: unknown model {model!r}; choose one of {', '.join(MODELS)}", err=True)
        raise typer.Exit(2)
    try:
        table = read_table(journeys)
        if table.empty:
            raise AttributionError("the file has no journeys, only a header")
        tables = load_journeys(table, lookback_days=lookback_days)
        if half_life is None:
            half_life = 7.0 if tables.time_unit == "days" else 1.0
        result = attribute_tables(
            tables,
            model=model,
            order=order,
            half_life=half_life,
            backend=engines.connect(engine),
        )
    except CoreError as exc:
        raise _fail(exc, journeys) from None

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["channel", "conversions", "value"])
    for channel in result.channels:
        value = result.value[channel] if result.value is not None else None
        writer.writerow(
            [channel, _number(result.conversions[channel]), "" if value is None else _number(value)]
        )
    if out is None:
        typer.echo(buffer.getvalue(), nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(buffer.getvalue(), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"Error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Attributed {len(result.channels)} channels into {out}", err=True)


def _number(x: float) -> str:
    # Six decimals hide float noise (1.4999999999999998) without losing real precision.
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
