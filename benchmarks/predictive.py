"""Quality of predictive lead scoring on real exports, beside an Odoo-style baseline.

    python benchmarks/predictive.py [--data DIR]

For each data set in the shared data folder (default: ``../shared/data`` beside the
repository) it fits on the fixed ``split.csv`` train rows and reports on the test rows:
ROC AUC, PR AUC (average precision), Brier score and top-decile lift, for

- **Tandem**: :func:`tandem.analytics.predictive.train` on the raw export, exactly as
  ``tandem scoring train`` runs it (cleaning, column checks, model choice by 5-fold CV
  on the train rows, calibration), then ``predict`` on the test rows;
- **Odoo-style naive Bayes**: the frequency model of Odoo CRM's predictive lead scoring,
  written out below.

Data sets:

- X Education without the columns filled in after the outcome (``Tags``,
  ``Lead Quality``, ``Last Notable Activity``): 31 features;
- the same without the borderline columns too (``Last Activity``, ``Lead Profile``,
  the four ``Asymmetrique *``): 25 features;
- Maven CRM: ``sales_pipeline`` joined with ``accounts``, ``products`` and
  ``sales_teams``, closed deals only, ``deal_stage`` Won vs Lost, without
  ``close_value`` and ``close_date`` (known only once the deal is closed).

Nothing is tuned on the test rows: Tandem's settings are its general defaults.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from tandem.analytics.predictive import train
from tandem.analytics.tabular import clean, read_table

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
X_EDUCATION_LEAKY = ["Tags", "Lead Quality", "Last Notable Activity"]
X_EDUCATION_BORDERLINE = [
    "Last Activity",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]
X_EDUCATION_IDS = ["Prospect ID", "Lead Number"]
MAVEN_AFTER_OUTCOME = ["close_value", "close_date"]


# --------------------------------------------------------------------------- baseline


class OdooNaiveBayes:
    """Odoo CRM's predictive lead scoring (``crm.lead._pls_get_naive_bayes_probabilities``).

    For each field and value, Odoo counts the won and the lost leads that had it, adding
    0.1 to each count so that a value never seen with one outcome does not zero the
    product. A lead's won score is the prior P(won) times, for each of its fields,
    won_count(value) / won_total(field), where won_total sums the (smoothed) won counts
    of that field's values; likewise the lost score. Unset fields and values never seen
    in training are skipped. The probability is won / (won + lost), clamped to
    [0.0001, 0.9999] as Odoo clamps it to 0.01-99.99 %.

    Odoo scores selection and relational fields; numbers are not among them. Here
    numeric columns with more than 10 distinct values are cut into ten buckets at the
    training deciles and the bucket is the value; other columns, 0/1 flags included,
    use their values as they are. Empty cells are unset. Date columns are not used.
    Sums of logarithms replace Odoo's products, which is the same arithmetic without
    underflow on 30 fields.
    """

    smoothing = 0.1

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> OdooNaiveBayes:
        self.edges: dict[str, np.ndarray] = {}
        self.columns = [c for c in X.columns if not pd.api.types.is_datetime64_any_dtype(X[c])]
        for column in self.columns:
            values = X[column]
            if pd.api.types.is_numeric_dtype(values) and values.nunique() > 10:
                self.edges[column] = np.unique(np.nanquantile(values, np.linspace(0, 1, 11)))
        keys = self._keys(X)
        won = y == 1
        self.log_prior = math.log(won.mean()) - math.log(1 - won.mean())
        self.log_ratio: dict[str, dict[str, float]] = {}
        for column in self.columns:
            key = keys[column]
            known = key.notna()
            won_counts = key[known & won].value_counts()
            lost_counts = key[known & ~won].value_counts()
            values = won_counts.index.union(lost_counts.index)
            won_smoothed = won_counts.reindex(values, fill_value=0) + self.smoothing
            lost_smoothed = lost_counts.reindex(values, fill_value=0) + self.smoothing
            ratio = np.log(won_smoothed / won_smoothed.sum()) - np.log(
                lost_smoothed / lost_smoothed.sum()
            )
            self.log_ratio[column] = ratio.to_dict()
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        keys = self._keys(X)
        log_odds = np.full(len(X), self.log_prior)
        for column in self.columns:
            # A value never seen in training maps to 0: it is skipped, as in Odoo.
            log_odds += keys[column].map(self.log_ratio[column]).fillna(0.0).to_numpy(float)
        return np.clip(1 / (1 + np.exp(-log_odds)), 0.0001, 0.9999)

    def _keys(self, X: pd.DataFrame) -> pd.DataFrame:
        keys = {}
        for column in self.columns:
            values = X[column]
            if column in self.edges:
                edges = self.edges[column]
                bucket = np.searchsorted(edges[1:-1], values.to_numpy(float), side="right")
                keys[column] = pd.Series(bucket.astype(str), index=X.index).where(values.notna())
            else:
                keys[column] = (
                    values.astype(object)
                    .where(values.notna())
                    .map(lambda v: None if v is None else str(v))
                )
        return pd.DataFrame(keys, index=X.index)


# --------------------------------------------------------------------------- data sets


@dataclass(frozen=True, kw_only=True)
class DataSet:
    name: str
    table: pd.DataFrame  # the raw export, every cell as read from the file
    target: str
    train_rows: np.ndarray
    test_rows: np.ndarray
    drop: list[str]  # columns filled in after the outcome
    ids: list[str]  # identifiers: Tandem finds these itself, the baseline is told


def x_education(data: Path, *, borderline: bool) -> DataSet:
    folder = data / "x_education"
    table = read_table(folder / "Leads.csv")
    split = pd.read_csv(folder / "split.csv")
    drop = X_EDUCATION_LEAKY + (X_EDUCATION_BORDERLINE if borderline else [])
    return DataSet(
        name="X Education" + (", no borderline columns" if borderline else ""),
        table=table,
        target="Converted",
        train_rows=split.loc[split["split"] == "train", "source_row"].to_numpy(),
        test_rows=split.loc[split["split"] == "test", "source_row"].to_numpy(),
        drop=drop,
        ids=X_EDUCATION_IDS,
    )


def maven_crm(data: Path) -> DataSet:
    folder = data / "maven_crm"
    pipeline = read_table(folder / "sales_pipeline.csv")
    accounts = read_table(folder / "accounts.csv")
    products = read_table(folder / "products.csv")
    teams = read_table(folder / "sales_teams.csv")
    # The source spells one product "GTXPro" in the pipeline and "GTX Pro" in the
    # product list: join on the name without spaces or case, as a person would.
    pipeline["product_key"] = pipeline["product"].str.replace(" ", "").str.casefold()
    products["product_key"] = products["product"].str.replace(" ", "").str.casefold()
    table = (
        pipeline.reset_index(names="source_row")
        .merge(accounts, on="account", how="left")
        .merge(products.drop(columns="product"), on="product_key", how="left")
        .merge(teams, on="sales_agent", how="left")
        .drop(columns="product_key")
        .sort_values("source_row")
        .set_index("source_row")
    )
    split = pd.read_csv(folder / "split.csv")
    return DataSet(
        name="Maven CRM, closed deals",
        table=table,
        target="deal_stage",
        train_rows=split.loc[split["split"] == "train", "source_row"].to_numpy(),
        test_rows=split.loc[split["split"] == "test", "source_row"].to_numpy(),
        drop=MAVEN_AFTER_OUTCOME,
        ids=["opportunity_id"],
    )


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True, kw_only=True)
class Result:
    data: str
    model: str
    features: int
    roc_auc: float
    pr_auc: float
    brier: float
    lift: float
    fit_seconds: float
    note: str = ""


def top_decile_lift(y: np.ndarray, scores: np.ndarray) -> float:
    """Share of positives among the best-scored tenth, over the share among all."""
    top = np.argsort(-scores, kind="stable")[: math.ceil(len(scores) / 10)]
    return float(y[top].mean() / y.mean())


def measure(name: str, data: str, y: np.ndarray, scores: np.ndarray, **extra: object) -> Result:
    return Result(
        data=data,
        model=name,
        roc_auc=float(roc_auc_score(y, scores)),
        pr_auc=float(average_precision_score(y, scores)),
        brier=float(brier_score_loss(y, scores)),
        lift=top_decile_lift(y, scores),
        **extra,  # type: ignore[arg-type]
    )


def run(dataset: DataSet) -> list[Result]:
    table = dataset.table
    train_part = table.loc[dataset.train_rows]
    test_part = table.loc[dataset.test_rows]

    started = time.perf_counter()
    model = train(train_part, target=dataset.target, drop=dataset.drop)
    fit_seconds = time.perf_counter() - started
    card = model.card
    positive = card["positive"]
    y_test = (test_part[dataset.target].astype(str).str.strip() == positive).to_numpy().astype(int)
    started = time.perf_counter()
    predicted = model.predict(test_part)
    predict_seconds = time.perf_counter() - started
    candidates = card["candidates"]
    note = (
        f"chose {card['model'].replace('_', ' ')} + {card['calibration']}; CV ROC AUC on train: "
        f"LR {candidates['logistic_regression']['cv_roc_auc']:.3f}, "
        f"HGB {candidates['gradient_boosting']['cv_roc_auc']:.3f}; "
        f"left out by itself: {_auto_dropped(card)}; "
        f"scoring {len(test_part):,} rows with factors {predict_seconds:.1f} s"
    )
    results = [
        measure(
            "Tandem",
            dataset.name,
            y_test,
            predicted.probabilities.to_numpy(),
            features=len(card["features"]),
            fit_seconds=fit_seconds,
            note=note,
        )
    ]

    # The baseline sees the same columns (ids and excluded columns removed), cleaned the
    # same way, so the comparison is of models and not of data preparation.
    excluded = [dataset.target, *dataset.drop, *dataset.ids]
    features = clean(table).drop(columns=excluded)
    y_train = (
        (train_part[dataset.target].astype(str).str.strip() == positive).to_numpy().astype(int)
    )
    started = time.perf_counter()
    baseline = OdooNaiveBayes().fit(features.loc[dataset.train_rows], y_train)
    fit_seconds = time.perf_counter() - started
    results.append(
        measure(
            "Odoo-style naive Bayes",
            dataset.name,
            y_test,
            baseline.predict_proba(features.loc[dataset.test_rows]),
            features=len(baseline.columns),
            fit_seconds=fit_seconds,
        )
    )
    return results


def _auto_dropped(card: dict[str, object]) -> str:
    dropped = card["dropped"]
    assert isinstance(dropped, list)
    found = [
        f"{d['column']} ({d['reason'].split(':')[0]})"
        for d in dropped
        if "request" not in d["reason"]
    ]
    return ", ".join(found) or "nothing"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, pandas {pd.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    args = parser.parse_args(argv)
    if not (args.data / "x_education" / "Leads.csv").exists():
        print(f"No shared data at {args.data}; pass --data DIR.", file=sys.stderr)
        return 2
    loaders: list[Callable[[], DataSet]] = [
        lambda: x_education(args.data, borderline=False),
        lambda: x_education(args.data, borderline=True),
        lambda: maven_crm(args.data),
    ]
    started = time.perf_counter()
    results: list[Result] = []
    for load in loaders:
        dataset = load()
        print(f"... {dataset.name}", file=sys.stderr)
        results.extend(run(dataset))
    total = time.perf_counter() - started

    print(f"### {datetime.now(UTC):%Y-%m-%d} — {machine()}\n")
    print("| data set | model | features | ROC AUC | PR AUC | Brier | top-decile lift | fit s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.data} | {r.model} | {r.features} | {r.roc_auc:.3f} | {r.pr_auc:.3f} | "
            f"{r.brier:.3f} | {r.lift:.2f} | {r.fit_seconds:.1f} |"
        )
    print()
    for r in results:
        if r.note:
            print(f"- {r.data}, {r.model}: {r.note}.")
    print(f"\nWall time for the whole run: {total:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
