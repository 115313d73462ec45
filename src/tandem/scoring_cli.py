"""``tandem scoring``: train a lead-scoring model on a file of past leads, score new ones.

File mode needs no database and no Django: it reads a CSV (or Parquet) export, writes a
model folder, and writes scores as CSV. The engine is imported inside each command so
that ``--help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tandem.core.errors import CoreError

if TYPE_CHECKING:
    import pandas as pd

scoring_app = typer.Typer(
    help="Predictive lead scoring from files: learn from won and lost leads, score new ones.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

MODEL_NAMES = {
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
}


def _fail(error: CoreError, path: Path) -> typer.Exit:
    from tandem.analytics.tabular import TabularError

    if isinstance(error, TabularError):
        error = error.in_file(path)
    # One plain line, never wrapped or styled: people paste it into tickets, scripts grep it.
    typer.echo(f"Error: {error}", err=True)
    return typer.Exit(2)


def _warn(message: str) -> None:
    typer.echo(f"Warning: {message}", err=True)


@scoring_app.command()
def train(
    csv: Annotated[
        Path, typer.Option("--csv", help="CSV (or Parquet) file of past leads, one per row.")
    ],
    target: Annotated[str, typer.Option(help="Column with the outcome, e.g. Converted.")],
    model_out: Annotated[Path, typer.Option("--model-out", help="Folder to write the model to.")],
    positive: Annotated[
        str | None,
        typer.Option(help="The good outcome's value; by default 1, yes, true, won or converted."),
    ] = None,
    negative: Annotated[
        str | None,
        typer.Option(
            help="The bad outcome's value, when the column has more than two (rows with "
            "other values, such as open deals, are left out)."
        ),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop",
            help="A column to leave out, e.g. one filled in after the outcome (repeatable).",
        ),
    ] = None,
    missing: Annotated[
        list[str] | None,
        typer.Option(
            "--missing",
            help='A cell value that means "empty", besides Select, NA, N/A, null, None, - '
            "(repeatable).",
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column that identifies each lead (not a feature).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the folds and the model.")] = 0,
) -> None:
    """Train a model on past leads, print its model card and write the model folder."""
    from tandem.analytics.predictive import train as train_model
    from tandem.analytics.tabular import DEFAULT_MISSING_TOKENS, read_table

    try:
        table = read_table(csv)
        with console.status("Training: comparing two models by 5-fold cross-validation..."):
            model = train_model(
                table,
                target=target,
                positive=positive,
                negative=negative,
                drop=drop or (),
                id_column=id_column,
                missing_tokens=(*DEFAULT_MISSING_TOKENS, *(missing or ())),
                seed=seed,
            )
        model.save(model_out)
    except CoreError as exc:
        raise _fail(exc, csv) from None
    except OSError as exc:
        typer.echo(f"Error: cannot write the model to {model_out}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    _print_card(model.card)
    console.print(f"Model written to [bold]{escape(str(model_out))}[/bold]")


@scoring_app.command()
def predict(
    model: Annotated[Path, typer.Option(help="Model folder written by `train`.")],
    csv: Annotated[Path, typer.Option("--csv", help="CSV (or Parquet) file of leads to score.")],
    out: Annotated[Path, typer.Option(help="CSV file to write the scores to.")],
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Column to copy into the output; default: the model's id column when the "
            "file has it, else the row number (1 = first data row).",
        ),
    ] = None,
    factors: Annotated[
        int, typer.Option(help="How many factors up and how many down per lead.", min=0)
    ] = 3,
) -> None:
    """Score each row of a file: probability and the factors behind it, in input order."""
    from tandem.analytics.predictive import load_model
    from tandem.analytics.tabular import read_table, require_columns

    try:
        trained = load_model(model)
        table = read_table(csv)
        if id_column is not None:
            require_columns(table, [id_column], purpose="for the id")
        else:
            default = trained.schema.id_column
            id_column = default if default and default in table.columns else None
        result = trained.predict(table, max_factors=factors)
    except CoreError as exc:
        raise _fail(exc, csv) from None
    scores = _scores_frame(table, id_column, result.to_frame())
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scores.to_csv(out, index=False)
    except OSError as exc:
        typer.echo(f"Error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    for message in result.warnings:
        _warn(message)
    console.print(f"Scored {len(scores):,} rows into [bold]{escape(str(out))}[/bold]")


def _scores_frame(table: pd.DataFrame, id_column: str | None, scored: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    if id_column is None:
        first = pd.Series(range(1, len(table) + 1), name="row")
    else:
        first = table[id_column].reset_index(drop=True).rename(id_column)
    return pd.DataFrame(
        {
            first.name: first.to_numpy(),
            "probability": scored["probability"].round(4).to_numpy(),
            "top_factors": scored["top_factors"].to_numpy(),
        }
    )


def _print_card(card: dict[str, Any]) -> None:
    validation = card["validation"]
    summary = Table(title="Model card", show_header=False)
    summary.add_column("item", style="bold")
    summary.add_column("value")
    summary.add_row("target", escape(f"{card['target']} (good outcome: {card['positive']!r})"))
    summary.add_row(
        "rows",
        escape(
            f"{card['rows']:,} with an outcome: {card['positives']:,} {card['positive']!r}, "
            f"{card['negatives']:,} {card['negative']!r} ({card['positive_share']:.1%} good)"
            + (f"; {card['unlabelled_rows']:,} without" if card["unlabelled_rows"] else "")
        ),
    )
    summary.add_row(
        "model",
        f"{MODEL_NAMES.get(card['model'], card['model'])}, {card['calibration']} calibration",
    )
    for name, figures in card["candidates"].items():
        summary.add_row(
            f"CV ROC AUC, {MODEL_NAMES.get(name, name)}",
            f"{figures['cv_roc_auc']:.3f} ± {figures['cv_roc_auc_std']:.3f}",
        )
    summary.add_row(
        "validated (out-of-fold, calibrated)",
        f"ROC AUC {validation['roc_auc']:.3f}, PR AUC {validation['pr_auc']:.3f}, "
        f"Brier {validation['brier']:.3f} (guessing the base rate: "
        f"{validation['brier_base_rate']:.3f})",
    )
    summary.add_row("features used", str(len(card["features"])))
    console.print(summary)

    top = Table(title="Top features (drop in ROC AUC when shuffled)")
    top.add_column("feature")
    top.add_column("importance", justify="right")
    for item in card["top_features"][:10]:
        top.add_row(escape(item["feature"]), f"{item['importance']:.3f}")
    console.print(top)

    if card["dropped"]:
        dropped = Table(title="Columns left out")
        dropped.add_column("column")
        dropped.add_column("reason")
        for item in card["dropped"]:
            dropped.add_row(escape(item["column"]), escape(item["reason"]))
        console.print(dropped)
    for message in (*card["warnings"], *card["data_notes"]):
        _warn(message)
