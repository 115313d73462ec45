"""Predictive lead scoring: learn from a company's own won and lost history.

:func:`train` takes a table with one row per lead (or deal) and a column that says how
it ended, and returns a :class:`TrainedModel` whose :meth:`TrainedModel.predict` gives
each new row a calibrated probability of the good outcome and the few facts that pushed
it up or down. Everything here is plain pandas and scikit-learn, so the same code serves
the ``tandem scoring`` file commands and the web application, and needs no Django.

Choices, and why:

- **Two candidates, chosen by cross-validation.** One-hot logistic regression is stable
  on a few hundred rows; gradient boosting (scikit-learn's HistGradientBoosting, with
  native categorical splits) finds interactions when there is enough data. Both are
  scored by stratified 5-fold ROC AUC on the training rows and the better one is kept,
  so nobody has to know which suits their data. The hyperparameters are general
  defaults (boosting: learning rate 0.05, early stopping on a 10 % validation part,
  L2 1.0), never tuned to one data set.
- **Calibrated probabilities**, so "0.7" means that about 7 in 10 such leads convert:
  scikit-learn's ``CalibratedClassifierCV`` (5 folds, one final model). Sigmoid
  calibration is always a candidate; isotonic only from 1,000 labelled rows, below
  which it overfits. The one with the lower cross-fitted Brier score is used.
- **Honest validation figures.** The model card's ROC AUC, PR AUC and Brier score come
  from out-of-fold predictions (the 5 folds used to pick the model), each fold's
  scores calibrated by a calibrator fitted on the other four folds' out-of-fold scores:
  no row's figure comes from a model or calibrator that saw its outcome.
- **Columns that would mislead are dropped, with the reason on the card**: an
  identifier (text with at least 90 % distinct values over 20 or more rows; whole
  numbers all distinct over 50 or more rows; or a name ending in id/number/key/code/uuid
  with at least 90 % distinct values), a column with one value and no gaps, an empty
  column, and dates (an absolute date describes when history happened, not the next
  lead). A column that alone predicts the outcome suspiciously well (ROC AUC 0.9 or
  more on the training rows) is kept but flagged on the card: such a column is
  usually filled in after the outcome is known.
- **Rare values are grouped** into "(other)" (fewer than 10 rows, or beyond the 200
  most frequent values) before either model sees them, so both models see the same
  levels (coded once, as numbers) and a value first met at scoring time is scored like
  the rare ones; when training had no rare values, it tells the model nothing.
- **Empty cells are information.** On a web form an unanswered question says something
  about the lead, so a missing category is its own level and a missing number adds a
  missing-indicator column (logistic regression) or takes its own branch (boosting).
- **Per-row factors** are model-agnostic: for each feature, the row's value is replaced
  by the typical value (the training median or most common value; "empty" when most
  rows are empty) and the change in probability is that feature's contribution. They
  are one-at-a-time changes, so they need not add up to the score, and a strong
  feature can show a small contribution when the others already decide the lead.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import tandem
from tandem.analytics.tabular import (
    DEFAULT_MISSING_TOKENS,
    FALSE_WORDS,
    TRUE_WORDS,
    TabularError,
    clean_with_notes,
    missing_token_set,
    parse_flags,
    parse_numbers,
    require_columns,
    text_cells,
)
from tandem.errors import TandemError

FORMAT_VERSION = 1
MIN_LABELLED_ROWS = 200
MIN_MINORITY_ROWS = 20
FOLDS = 5
ISOTONIC_MIN_ROWS = 1_000
MIN_LEVEL_COUNT = 10
MAX_LEVELS = 200
ID_TEXT_DISTINCT_SHARE = 0.9
ID_TEXT_MIN_ROWS = 20
ID_NUMBER_MIN_ROWS = 50
LEAK_AUC = 0.9
FACTOR_MIN = 0.005
PREDICT_CHUNK_ROWS = 10_000
THREADED_MIN_ROWS = 20_000
BATCH_ROWS = 100_000
IMPORTANCE_MAX_ROWS = 5_000
OTHER = "(other)"
MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
SCHEMA_FILE = "schema.json"
POSITIVE_WORDS = frozenset(
    {"1", "true", "yes", "y", "won", "win", "closed won", "converted", "success", "positive"}
)
_ID_NAME = re.compile(r"(?:^|[^a-z])(?:id|ids|uuid|guid|number|no|key|code)$", re.IGNORECASE)

LOGISTIC = "logistic_regression"
BOOSTING = "gradient_boosting"


class TrainingRefused(TandemError):
    """The data cannot support a model; ``reasons`` lists what is missing, one per item."""

    code = "training_refused"
    status = 422

    def __init__(self, reasons: Sequence[str], *, target: str) -> None:
        super().__init__(f"cannot train a model of {target!r}: " + "; ".join(reasons))
        self.reasons = tuple(reasons)
        self.target = target


class ModelFormatError(TandemError):
    """A model folder that this version of Tandem cannot load."""

    code = "model_format"
    status = 422


class FeatureKind(StrEnum):
    NUMBER = "number"
    FLAG = "flag"  # 0/1, shown as Yes/No
    CATEGORY = "category"


@dataclass(frozen=True, kw_only=True)
class Feature:
    """One input column as the model uses it.

    ``reference`` is the typical value the per-row factors compare against (None means
    "empty"). For categories, ``levels`` are the values kept as themselves, and
    ``rare_levels`` the values seen in training too rarely to learn from, grouped as
    "(other)" (None when there were too many to list).
    """

    name: str
    kind: FeatureKind
    reference: float | str | None
    levels: tuple[str, ...] = ()
    rare_levels: tuple[str, ...] | None = ()

    def model_value(self, value: float | str | None) -> float:
        """``value`` as the model sees it: a category's code, NaN for empty."""
        if value is None:
            return math.nan
        if self.kind is not FeatureKind.CATEGORY:
            return float(value)
        text = str(value)
        return float(self.levels.index(text) if text in self.levels else len(self.levels))

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        data["reference"] = self.reference
        if self.kind is FeatureKind.CATEGORY:
            data["levels"] = list(self.levels)
            data["rare_levels"] = None if self.rare_levels is None else list(self.rare_levels)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feature:
        rare = data.get("rare_levels", [])
        return cls(
            name=data["name"],
            kind=FeatureKind(data["kind"]),
            reference=data["reference"],
            levels=tuple(data.get("levels", ())),
            rare_levels=None if rare is None else tuple(rare),
        )


@dataclass(frozen=True, kw_only=True)
class ModelSchema:
    """What a model expects: its input columns, and how its outcome was defined."""

    features: tuple[Feature, ...]
    target: str
    positive: str
    negative: str
    id_column: str | None
    missing_tokens: tuple[str, ...]
    format_version: int = FORMAT_VERSION

    @property
    def columns(self) -> list[str]:
        return [feature.name for feature in self.features]

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "target": self.target,
            "positive": self.positive,
            "negative": self.negative,
            "id_column": self.id_column,
            "missing_tokens": list(self.missing_tokens),
            "features": [feature.as_json() for feature in self.features],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelSchema:
        return cls(
            format_version=int(data["format_version"]),
            target=data["target"],
            positive=data["positive"],
            negative=data["negative"],
            id_column=data.get("id_column"),
            missing_tokens=tuple(data["missing_tokens"]),
            features=tuple(Feature.from_json(item) for item in data["features"]),
        )


@dataclass(frozen=True, kw_only=True)
class Factor:
    """How much one feature moved one row's probability, against the typical value."""

    feature: str
    value: str | None  # as shown to people; None when the cell was empty
    contribution: float

    @property
    def label(self) -> str:
        shown = (
            f"{self.feature} is empty" if self.value is None else f"{self.feature} = {self.value}"
        )
        return f"{shown} ({self.contribution:+.2f})"


@dataclass(frozen=True, kw_only=True, eq=False)
class PredictionResult:
    """Probabilities in the input's row order and index, each row's factors, and warnings.

    ``factors[i]`` lists row i's factors that raise the probability (largest first),
    then those that lower it (largest drop first).
    """

    probabilities: pd.Series
    factors: tuple[tuple[Factor, ...], ...]
    warnings: tuple[str, ...] = ()

    def factor_texts(self) -> list[str]:
        """Each row's factors as one line: ``+ A = x (+0.21); - B = y (-0.12)``."""
        return [format_factors(row) for row in self.factors]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"probability": self.probabilities.to_numpy(), "top_factors": self.factor_texts()},
            index=self.probabilities.index,
        )


def format_factors(factors: Iterable[Factor]) -> str:
    return "; ".join(
        f"{'+' if factor.contribution > 0 else '-'} {factor.label}" for factor in factors
    )


@dataclass(eq=False)
class TrainedModel:
    """A calibrated model with its schema and model card; see :func:`train`."""

    estimator: Any
    schema: ModelSchema
    card: dict[str, Any]
    load_warnings: list[str] = field(default_factory=list)

    def predict(self, df: pd.DataFrame | Any, *, max_factors: int = 3) -> PredictionResult:
        """Score every row of ``df`` (a DataFrame or an Arrow table).

        Columns are matched by name, in any order; extra columns are ignored; a missing
        expected column counts as empty in every row (with a warning); cells are read
        the way :func:`train` read them (placeholders, numbers as text, Yes/No). Raises
        :class:`~tandem.analytics.tabular.TabularError` when none of the expected columns
        is present, which usually means the wrong file.
        """
        frame = _as_frame(df)
        repeated = frame.columns[frame.columns.duplicated()]
        if len(repeated):
            raise TabularError(
                "the column name appears more than once; rename the copies",
                column=str(repeated[0]),
            )
        notes = list(self.load_warnings)
        expected = self.schema.columns
        absent = [name for name in expected if name not in frame.columns]
        if expected and len(absent) == len(expected):
            listed = ", ".join(repr(name) for name in expected[:10])
            raise TabularError(
                "none of the model's columns are in the table; it expects "
                f"{listed}{' and more' if len(expected) > 10 else ''}"
            )
        if absent:
            notes.append(
                f"{len(absent)} expected column(s) missing, treated as empty in every row: "
                + ", ".join(repr(name) for name in absent)
            )
        if frame.empty:
            return PredictionResult(
                probabilities=pd.Series([], index=frame.index, name="probability", dtype=float),
                factors=(),
                warnings=tuple(notes),
            )
        tokens = missing_token_set(self.schema.missing_tokens)
        work = frame.reset_index(drop=True)
        model_frame, shown = _model_frame(work, self.schema.features, tokens, notes)
        probabilities = np.empty(len(work))
        factors: list[tuple[Factor, ...]] = []
        with _threads_for(len(work)):
            for start in range(0, len(work), PREDICT_CHUNK_ROWS):
                part = model_frame.iloc[start : start + PREDICT_CHUNK_ROWS]
                p = _positive_proba(self.estimator, part)
                probabilities[start : start + len(part)] = p
                contributions = _contributions(self.estimator, part, self.schema.features, p)
                shown_part = {name: shown[name][start : start + len(part)] for name in shown}
                factors.extend(
                    _row_factors(contributions, self.schema.features, shown_part, max_factors)
                )
        return PredictionResult(
            probabilities=pd.Series(probabilities, index=frame.index, name="probability"),
            factors=tuple(factors),
            warnings=tuple(notes),
        )

    def save(self, directory: str | Path) -> Path:
        """Write ``model.joblib``, ``card.json`` and ``schema.json`` into ``directory``.

        The folder is created when needed; files of an earlier model there are replaced.
        Each file is written under a temporary name and renamed, so a crash never leaves
        half a file behind.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        schema_text, card_text = _json(self.schema.as_json()), _json(self.card)
        _write_atomic(target / SCHEMA_FILE, lambda path: path.write_text(schema_text, "utf-8"))
        _write_atomic(target / CARD_FILE, lambda path: path.write_text(card_text, "utf-8"))
        _write_atomic(
            target / MODEL_FILE, lambda path: joblib.dump(self.estimator, path, compress=3)
        )
        return target


def load_model(directory: str | Path) -> TrainedModel:
    """Read a model folder written by :meth:`TrainedModel.save`.

    The model file is a pickle: load only folders you trust. Raises
    :class:`ModelFormatError` when a file is missing or damaged, or the folder was
    written by another model format version; a different scikit-learn version is only
    warned about (in ``load_warnings`` and every prediction's warnings).
    """
    source = Path(directory)
    if not source.is_dir():
        raise ModelFormatError(f"{source}: no such model folder")
    missing = [
        name for name in (SCHEMA_FILE, CARD_FILE, MODEL_FILE) if not (source / name).exists()
    ]
    if missing:
        raise ModelFormatError(
            f"{source}: not a model folder (missing {', '.join(missing)}); "
            "create one with `tandem scoring train`"
        )
    try:
        schema_data = json.loads((source / SCHEMA_FILE).read_text(encoding="utf-8"))
        card = json.loads((source / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{source}: unreadable model description ({exc})") from None
    if not isinstance(schema_data, dict) or not isinstance(card, dict):
        raise ModelFormatError(f"{source}: damaged model description (not JSON objects)")
    version = schema_data.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{source}: model format version {version!r}, but this Tandem reads version "
            f"{FORMAT_VERSION}; train the model again with this version"
        )
    try:
        schema = ModelSchema.from_json(schema_data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{source}: damaged {SCHEMA_FILE} ({exc!r})") from None
    notes = []
    saved_with = card.get("versions", {}).get("scikit-learn")
    if saved_with and saved_with != sklearn.__version__:
        notes.append(
            f"the model was trained with scikit-learn {saved_with} and is loaded with "
            f"{sklearn.__version__}; retrain it if scores look wrong"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the version difference is reported above
            estimator = joblib.load(source / MODEL_FILE)
    except Exception as exc:  # unpickling can fail in many ways; all mean "damaged"
        raise ModelFormatError(f"{source}: unreadable {MODEL_FILE} ({exc!r})") from None
    return TrainedModel(estimator=estimator, schema=schema, card=card, load_warnings=notes)


# --------------------------------------------------------------------------- training


def train(
    df: pd.DataFrame | Any,
    *,
    target: str,
    positive: str | None = None,
    negative: str | None = None,
    drop: Sequence[str] = (),
    id_column: str | None = None,
    missing_tokens: Iterable[str] = DEFAULT_MISSING_TOKENS,
    seed: int = 0,
    now: datetime | None = None,
) -> TrainedModel:
    """Train a calibrated model of ``target`` on ``df`` (a DataFrame or an Arrow table).

    ``df`` may be a raw export: it goes through :func:`~tandem.analytics.tabular.clean`
    with ``missing_tokens``, which a cleaned frame passes through unchanged. Rows with
    an empty ``target`` are unlabelled and left out. ``positive`` names the good
    outcome; by default a value like 1, true, yes, won or converted. When the target
    has more than two values (open deals beside won and lost), ``negative`` names the
    bad outcome and rows with any other value are left out.

    Raises :class:`~tandem.analytics.tabular.TabularError` for a column that is not
    there, and :class:`TrainingRefused` when the data cannot support a model (fewer
    than 200 labelled rows, one outcome only, fewer than 20 of the rarer outcome).
    """
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    raw = _as_frame(df)
    require_columns(raw, [target], purpose="for the outcome (target)")
    if id_column is not None:
        require_columns(raw, [id_column], purpose="for the id")
    require_columns(raw, list(drop), purpose="to drop")
    tokens = tuple(missing_tokens)
    cleaned, cleaning_notes = clean_with_notes(raw.reset_index(drop=True), missing_tokens=tokens)

    labels = text_cells(raw[target].reset_index(drop=True), missing_token_set(tokens))
    outcome = _outcome(labels, target=target, positive=positive, negative=negative)
    rows = cleaned.loc[outcome.labelled].reset_index(drop=True)
    y = outcome.y

    dropped: list[dict[str, str]] = []
    excluded = {target, *drop, *([id_column] if id_column else [])}
    for name in drop:
        dropped.append({"column": name, "reason": "dropped on request"})
    if id_column:
        dropped.append({"column": id_column, "reason": "the id column"})
    features: list[Feature] = []
    for name in rows.columns:
        if name in excluded:
            continue
        column = rows[name]
        reason = _drop_reason(str(name), column)
        if reason:
            dropped.append({"column": str(name), "reason": reason})
            continue
        features.append(_describe_feature(str(name), column))
    if not features:
        raise TrainingRefused(
            ["no usable feature columns remain (see the dropped columns)"], target=target
        )

    notes: list[str] = []
    X, _ = _model_frame(rows, features, missing_token_set(tokens), notes)
    leaks = _leak_warnings(X, y, features)

    with _threads_for(len(y)), warnings.catch_warnings():
        # Unscaled corner cases can stop L-BFGS early; the cross-validated score of
        # the result is what counts, and it is on the card.
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        fitted = _fit(X, y, features, seed)

    schema = ModelSchema(
        features=tuple(features),
        target=target,
        positive=outcome.positive,
        negative=outcome.negative,
        id_column=id_column,
        missing_tokens=tokens,
    )
    positives = int(y.sum())
    base_rate = positives / len(y)
    card: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "trained_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "target": target,
        "positive": outcome.positive,
        "negative": outcome.negative,
        "rows": len(y),
        "positives": positives,
        "negatives": len(y) - positives,
        "positive_share": round(base_rate, 4),
        "unlabelled_rows": int((~outcome.labelled).sum()),
        "model": fitted.chosen,
        "calibration": fitted.method,
        "candidates": {
            name: {
                "cv_roc_auc": round(float(np.mean(scores)), 4),
                "cv_roc_auc_std": round(float(np.std(scores)), 4),
            }
            for name, scores in fitted.fold_auc.items()
        },
        "validation": {
            "method": (
                f"stratified {FOLDS}-fold cross-validation on the training rows: out-of-fold "
                "scores of the chosen model, each fold calibrated by a calibrator fitted on "
                "the other folds' out-of-fold scores"
            ),
            "roc_auc": round(float(roc_auc_score(y, fitted.validated)), 4),
            "pr_auc": round(float(average_precision_score(y, fitted.validated)), 4),
            "brier": round(float(brier_score_loss(y, fitted.validated)), 4),
            "brier_base_rate": round(base_rate * (1 - base_rate), 4),
        },
        "features": [{"name": f.name, "kind": f.kind.value} for f in features],
        "dropped": dropped,
        "top_features": fitted.importance[:15],
        "importance_method": (
            "permutation importance: mean drop in ROC AUC when one column's values are "
            f"shuffled in the held-out fold, over the {FOLDS} cross-validation models of "
            "the chosen kind"
        ),
        "warnings": leaks + notes,
        "data_notes": [str(note) for note in cleaning_notes],
        "versions": {
            "tandem": tandem.__version__,
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
    }
    return TrainedModel(estimator=fitted.estimator, schema=schema, card=card)


@dataclass(frozen=True, kw_only=True)
class _Fitted:
    estimator: Any
    chosen: str
    method: str
    fold_auc: dict[str, list[float]]
    validated: np.ndarray  # cross-fitted calibrated out-of-fold probabilities
    importance: list[dict[str, Any]]


def _fit(X: pd.DataFrame, y: np.ndarray, features: Sequence[Feature], seed: int) -> _Fitted:
    """Choose the model and the calibration by cross-validation, then fit on all rows."""
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    splits = list(folds.split(X, y))
    candidates = {LOGISTIC: _logistic(features), BOOSTING: _boosting(features, seed)}
    oof = {name: np.zeros(len(y)) for name in candidates}
    fold_auc: dict[str, list[float]] = {name: [] for name in candidates}
    fold_models: dict[str, list[Any]] = {name: [] for name in candidates}
    for train_rows, test_rows in splits:
        for name, pipeline in candidates.items():
            model = clone(pipeline).fit(X.iloc[train_rows], y[train_rows])
            scores = model.decision_function(X.iloc[test_rows])
            oof[name][test_rows] = scores
            fold_auc[name].append(float(roc_auc_score(y[test_rows], scores)))
            fold_models[name].append(model)
    # A tie goes to logistic regression: the simpler model of two equals.
    chosen = LOGISTIC
    if np.mean(fold_auc[BOOSTING]) > np.mean(fold_auc[LOGISTIC]):
        chosen = BOOSTING

    calibrated = {"sigmoid": _cross_fit_calibration(oof[chosen], y, splits, "sigmoid")}
    if len(y) >= ISOTONIC_MIN_ROWS:
        calibrated["isotonic"] = _cross_fit_calibration(oof[chosen], y, splits, "isotonic")
    method = min(calibrated, key=lambda m: brier_score_loss(y, calibrated[m]))

    # ensemble=False: one model fitted on every row, calibrated on out-of-fold scores
    # from the same folds as above, so the card's figures describe this procedure.
    final = CalibratedClassifierCV(candidates[chosen], method=method, cv=folds, ensemble=False)
    final.fit(X, y)
    return _Fitted(
        estimator=final,
        chosen=chosen,
        method=method,
        fold_auc=fold_auc,
        validated=calibrated[method],
        importance=_importance(fold_models[chosen], X, y, splits, seed),
    )


def _threads_for(rows: int) -> AbstractContextManager[object]:
    """One OpenMP thread below 20,000 rows: there, gradient boosting's threads save
    little, and when other processes busy the cores, waiting threads cost many times over."""
    if rows < THREADED_MIN_ROWS:
        return threadpool_limits(limits=1, user_api="openmp")
    return nullcontext()


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    labelled: np.ndarray  # bool per input row
    y: np.ndarray  # 0/1 per labelled row
    positive: str
    negative: str


def _outcome(
    labels: pd.Series, *, target: str, positive: str | None, negative: str | None
) -> _Outcome:
    present = labels.dropna()
    counts = present.value_counts()
    values = [str(v) for v in counts.index]
    listed = ", ".join(f"{v!r} ({n:,})" for v, n in counts.items())
    too_few = f"needs at least {MIN_LABELLED_ROWS} rows with a known outcome; got {{}}"
    if len(values) < 2:
        reasons = []
        if len(present) < MIN_LABELLED_ROWS:
            reasons.append(too_few.format(len(present)))
        if len(values) == 1:
            reasons.append(f"only one outcome present: all {len(present):,} rows are {values[0]!r}")
        raise TrainingRefused(reasons, target=target)

    if positive is not None:
        found = _find_value(positive, values)
        if found is None:
            raise TrainingRefused(
                [f"{positive!r} is not a value of {target!r}; its values are {listed}"],
                target=target,
            )
        positive_value = found
    else:
        recognised = [
            v for v in values if v.strip().casefold() in POSITIVE_WORDS or _as_number(v) == 1.0
        ]
        if len(recognised) != 1:
            raise TrainingRefused(
                [
                    f"cannot tell which value of {target!r} is the good outcome ({listed}); "
                    "name it with --positive"
                ],
                target=target,
            )
        positive_value = recognised[0]
    others = [v for v in values if v != positive_value]
    if negative is not None:
        found = _find_value(negative, others)
        if found is None:
            raise TrainingRefused(
                [f"{negative!r} is not another value of {target!r}; its values are {listed}"],
                target=target,
            )
        negative_value = found
    elif len(others) == 1:
        negative_value = others[0]
    else:
        raise TrainingRefused(
            [
                f"{target!r} has {len(values)} values ({listed}); name the bad outcome with "
                "--negative, and rows with any other value (still open) are left out"
            ],
            target=target,
        )
    labelled = labels.isin([positive_value, negative_value]).to_numpy()
    y = (labels[labelled] == positive_value).to_numpy().astype(int)
    n = int(labelled.sum())
    reasons = []
    if n < MIN_LABELLED_ROWS:
        reasons.append(too_few.format(n))
    minority = min(int(y.sum()), n - int(y.sum()))
    if minority < MIN_MINORITY_ROWS:
        rarer = positive_value if y.sum() < n - y.sum() else negative_value
        reasons.append(
            f"needs at least {MIN_MINORITY_ROWS} rows of each outcome; got {minority} {rarer!r}"
        )
    if reasons:
        raise TrainingRefused(reasons, target=target)
    return _Outcome(labelled=labelled, y=y, positive=positive_value, negative=negative_value)


def _find_value(requested: str, values: Sequence[str]) -> str | None:
    """The value ``requested`` means: same text ignoring case, same number, or yes = 1."""
    wanted = requested.strip().casefold()
    for value in values:
        if value.casefold() == wanted:
            return value
    number = _as_number(wanted)
    if number is not None:
        for value in values:
            if _as_number(value) == number:
                return value
    if wanted in TRUE_WORDS | FALSE_WORDS:
        flag = 1.0 if wanted in TRUE_WORDS else 0.0
        for value in values:
            if _as_number(value) == flag:
                return value
    return None


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _drop_reason(name: str, column: pd.Series) -> str | None:
    present = column.dropna()
    if present.empty:
        return "empty in every row"
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return "a date: absolute dates describe past leads, not the next ones"
    distinct = int(present.nunique())
    if distinct == 1 and len(present) == len(column):
        return "constant: every row has the same value"
    share = distinct / len(present)
    looks_like_id_name = bool(_ID_NAME.search(name.strip()))
    if pd.api.types.is_numeric_dtype(column.dtype):
        whole = bool(np.all(np.mod(present.to_numpy(dtype=float), 1) == 0))
        if whole and (
            (share == 1.0 and len(present) >= ID_NUMBER_MIN_ROWS)
            or (looks_like_id_name and share >= ID_TEXT_DISTINCT_SHARE)
        ):
            return f"id-like: {share:.0%} of its values are distinct, so it names rows"
        return None
    if share >= ID_TEXT_DISTINCT_SHARE and (len(present) >= ID_TEXT_MIN_ROWS or looks_like_id_name):
        return f"id-like: {share:.0%} of its values are distinct, so it names rows"
    return None


def _describe_feature(name: str, column: pd.Series) -> Feature:
    present = column.dropna()
    mostly_empty = len(present) < len(column) / 2
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = present.to_numpy(dtype=float)
        if set(np.unique(values)) <= {0.0, 1.0}:
            counts = present.value_counts()
            flag_reference = None if mostly_empty else float(counts.index[0])
            return Feature(name=name, kind=FeatureKind.FLAG, reference=flag_reference)
        number_reference = None if mostly_empty else float(np.median(values))
        return Feature(name=name, kind=FeatureKind.NUMBER, reference=number_reference)
    text = column.astype(object)
    counts = text.value_counts()
    levels = tuple(str(v) for v, n in counts.items() if n >= MIN_LEVEL_COUNT)[:MAX_LEVELS]
    kept = set(levels)
    rare = [str(v) for v in counts.index if str(v) not in kept]
    grouped = text.where(text.isna() | text.isin(kept), OTHER)
    top = grouped.value_counts(dropna=False).index[0]
    return Feature(
        name=name,
        kind=FeatureKind.CATEGORY,
        reference=None if pd.isna(top) else str(top),
        levels=levels,
        # Listing every rare value of a near-free-text column would bloat the schema;
        # without the list, scoring cannot tell new values from rare ones.
        rare_levels=tuple(rare) if len(rare) <= 2_000 else None,
    )


def _model_frame(
    df: pd.DataFrame, features: Sequence[Feature], tokens: frozenset[str], notes: list[str]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The model's input (features in order) and each feature's values as people read them.

    Every model column is a float: numbers and flags as read (text read as in
    :mod:`tandem.analytics.tabular`), categories as the position of their value in
    ``levels``, with rare and new values as one more code ("(other)"). Empty is NaN.
    Coding categories here, once, keeps the models' own preprocessing numeric, which is
    several times faster to fit and to score than encoding text inside the pipelines.
    """
    columns: dict[str, np.ndarray] = {}
    shown: dict[str, np.ndarray] = {}
    n = len(df)
    for feature in features:
        if feature.name not in df.columns:
            columns[feature.name] = np.full(n, np.nan)
            shown[feature.name] = np.full(n, None, dtype=object)
            continue
        raw = df[feature.name]
        if feature.kind is FeatureKind.CATEGORY:
            text = text_cells(raw, tokens)
            codes = pd.Index(feature.levels).get_indexer(text).astype(float)
            codes[codes < 0] = np.nan
            uncommon = text.notna().to_numpy() & np.isnan(codes)
            codes[uncommon] = len(feature.levels)  # the "(other)" code
            columns[feature.name] = codes
            if feature.rare_levels is not None:
                new = uncommon & ~text.isin(feature.rare_levels).to_numpy()
                if new.any():
                    examples = ", ".join(repr(v) for v in pd.unique(text[new])[:3])
                    treated = (
                        "scored like the values that were rare in training"
                        if feature.rare_levels
                        else "the model has learnt nothing about them"
                    )
                    notes.append(
                        f"{feature.name!r}: {int(new.sum())} row(s) have values not seen in "
                        f"training (e.g. {examples}); {treated}"
                    )
            as_shown = text.to_numpy(dtype=object, copy=True)
            as_shown[pd.isna(as_shown)] = None
            shown[feature.name] = as_shown
            continue
        numbers, unreadable = _read_numbers(raw, tokens, flag=feature.kind is FeatureKind.FLAG)
        if unreadable:
            notes.append(
                f"{feature.name!r}: {unreadable} value(s) are not numbers; treated as empty"
            )
        values = numbers.to_numpy(dtype=float)
        columns[feature.name] = values
        shown[feature.name] = np.array(
            [None if math.isnan(v) else _show_number(v, feature.kind) for v in values],
            dtype=object,
        )
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    return frame, shown


def _read_numbers(raw: pd.Series, tokens: frozenset[str], *, flag: bool) -> tuple[pd.Series, int]:
    """Numbers (or 0/1 flags) from any column, and how many non-empty cells were not."""
    if pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("float64"), 0
    text = text_cells(raw, tokens)
    numbers = parse_numbers(text)
    flags = parse_flags(text)
    read = flags.fillna(numbers) if flag else numbers.fillna(flags)
    return read, int((read.isna() & text.notna()).sum())


def _show_number(value: float, kind: FeatureKind) -> str:
    if kind is FeatureKind.FLAG and value in (0.0, 1.0):
        return "Yes" if value == 1.0 else "No"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) >= 1 else f"{value:.3g}"


def _as_frame(df: pd.DataFrame | Any) -> pd.DataFrame:
    if isinstance(df, pd.DataFrame):
        return df
    if hasattr(df, "to_pandas"):  # an Arrow table, as the analytics queries return
        return df.to_pandas()
    raise TypeError(f"expected a pandas DataFrame or an Arrow table, not {type(df).__name__}")


# --------------------------------------------------------------------------- models


def _split_kinds(features: Sequence[Feature]) -> tuple[list[str], list[str]]:
    numeric = [f.name for f in features if f.kind is not FeatureKind.CATEGORY]
    categorical = [f.name for f in features if f.kind is FeatureKind.CATEGORY]
    return numeric, categorical


def _logistic(features: Sequence[Feature]) -> Pipeline:
    numeric, categorical = _split_kinds(features)
    prepare = ColumnTransformer(
        [
            (
                "numbers",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "categories",
                Pipeline(
                    [
                        # Empty is a level of its own: an unanswered question says something.
                        ("impute", SimpleImputer(strategy="constant", fill_value=-1.0)),
                        ("encode", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                categorical,
            ),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=1.0, max_iter=5_000))])


def _boosting(features: Sequence[Feature], seed: int) -> Pipeline:
    # Category codes go straight in: the trees split on sets of categories natively, and
    # treat empty (NaN) and codes unseen in training as missing.
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=1_000,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=30,
        l2_regularization=1.0,
        categorical_features=[f.kind is FeatureKind.CATEGORY for f in features],
        random_state=seed,
    )
    return Pipeline([("model", model)])


def _cross_fit_calibration(
    scores: np.ndarray, y: np.ndarray, splits: Sequence[tuple[np.ndarray, np.ndarray]], method: str
) -> np.ndarray:
    calibrated = np.zeros(len(y))
    for fit_rows, apply_rows in splits:
        calibrated[apply_rows] = _fit_calibrator(scores[fit_rows], y[fit_rows], method)(
            scores[apply_rows]
        )
    return calibrated


def _fit_calibrator(scores: np.ndarray, y: np.ndarray, method: str) -> Any:
    if method == "isotonic":
        isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, y)
        return isotonic.predict
    sigmoid = LogisticRegression(C=1e6).fit(scores.reshape(-1, 1), y)
    return lambda s: sigmoid.predict_proba(np.asarray(s).reshape(-1, 1))[:, 1]


def _importance(
    models: Sequence[Any],
    X: pd.DataFrame,
    y: np.ndarray,
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    seed: int,
) -> list[dict[str, Any]]:
    """Permutation importance on the held-out folds: the mean drop in ROC AUC per column.

    Written out rather than using scikit-learn's ``permutation_importance`` so that all
    columns' shuffled copies are scored in a few large calls: a model pays a fixed cost
    per call (column encoding, one pass per tree), which otherwise dominates.
    """
    rng = np.random.default_rng(seed)
    drops = np.zeros(X.shape[1])
    for model, (_, test_rows) in zip(models, splits, strict=True):
        if len(test_rows) > IMPORTANCE_MAX_ROWS:
            # A few thousand rows measure an AUC drop well enough; more only costs.
            kept = rng.choice(len(test_rows), IMPORTANCE_MAX_ROWS, replace=False)
            if len(np.unique(y[test_rows[kept]])) == 2:
                test_rows = test_rows[np.sort(kept)]
        held_out = X.iloc[test_rows].reset_index(drop=True)
        truth = y[test_rows]
        baseline = roc_auc_score(truth, model.decision_function(held_out))

        def shuffled(held_out: pd.DataFrame = held_out) -> Iterator[pd.DataFrame]:
            for name in X.columns:
                copy = held_out.copy()
                copy[name] = held_out[name].to_numpy()[rng.permutation(len(held_out))]
                yield copy

        for j, scores in enumerate(_predict_many(model.decision_function, shuffled())):
            drops[j] += baseline - roc_auc_score(truth, scores)
    drops /= len(models)
    order = np.argsort(-drops, kind="stable")
    return [{"feature": str(X.columns[i]), "importance": round(float(drops[i]), 4)} for i in order]


def _predict_many(
    predict: Callable[[pd.DataFrame], np.ndarray], frames: Iterable[pd.DataFrame]
) -> list[np.ndarray]:
    """``predict`` of each frame, calling it on batches of up to BATCH_ROWS rows."""
    results: list[np.ndarray] = []
    batch: list[pd.DataFrame] = []
    size = 0

    def flush() -> None:
        if not batch:
            return
        scores = np.asarray(predict(pd.concat(batch, ignore_index=True)), dtype=float)
        start = 0
        for frame in batch:
            results.append(scores[start : start + len(frame)])
            start += len(frame)
        batch.clear()

    for frame in frames:
        if size + len(frame) > BATCH_ROWS:
            flush()
            size = 0
        batch.append(frame)
        size += len(frame)
    flush()
    return results


def _leak_warnings(X: pd.DataFrame, y: np.ndarray, features: Sequence[Feature]) -> list[str]:
    """Columns that alone predict the outcome suspiciously well: usually filled in later.

    In lead scoring, one honest column rarely reaches a ROC AUC of 0.9 by itself; a
    sales note or a status written after the outcome does.
    """
    found = []
    for feature in features:
        column = X[feature.name]
        if feature.kind is not FeatureKind.CATEGORY and column.nunique() > 20:
            column = pd.qcut(column, q=20, labels=False, duplicates="drop").astype(float)
        # In-sample outcome rate per value (or per twentieth of a number's range); with
        # values of 10 or more rows each, the optimism of scoring in-sample is small.
        keys = column.fillna(-np.inf).to_numpy()
        rate = pd.Series(y).groupby(keys).transform("mean").to_numpy()
        auc = float(roc_auc_score(y, rate))
        if auc >= LEAK_AUC:
            found.append(
                f"{feature.name!r} alone predicts the outcome suspiciously well (ROC AUC "
                f"{auc:.2f} on the training rows): check that it is known before the outcome, "
                "or drop it"
            )
    return found


def _positive_proba(estimator: Any, X: pd.DataFrame) -> np.ndarray:
    return np.asarray(estimator.predict_proba(X)[:, 1], dtype=float)


def _contributions(
    estimator: Any, X: pd.DataFrame, features: Sequence[Feature], probabilities: np.ndarray
) -> np.ndarray:
    """Per row and feature: probability minus the probability with the typical value.

    Only rows whose value differs from the typical one are scored again (a row with the
    typical value contributes nothing by definition), all features' copies together in
    a few large calls.
    """
    contributions = np.zeros((len(X), len(features)))
    changed_rows: list[tuple[int, np.ndarray]] = []
    for j, feature in enumerate(features):
        column = X[feature.name].to_numpy()
        typical = feature.model_value(feature.reference)
        differs = ~np.isnan(column) if math.isnan(typical) else ~(column == typical)
        if differs.any():
            changed_rows.append((j, differs))

    def with_typical_values() -> Iterator[pd.DataFrame]:
        # A generator, so that only one batch of copies exists at a time.
        for j, differs in changed_rows:
            changed = X.loc[differs].copy()
            changed[features[j].name] = features[j].model_value(features[j].reference)
            yield changed

    predicted = _predict_many(
        lambda frame: _positive_proba(estimator, frame), with_typical_values()
    )
    for (j, differs), p_typical in zip(changed_rows, predicted, strict=True):
        contributions[differs, j] = probabilities[differs] - p_typical
    return contributions


def _row_factors(
    contributions: np.ndarray,
    features: Sequence[Feature],
    shown: dict[str, np.ndarray],
    max_factors: int,
) -> list[tuple[Factor, ...]]:
    rows: list[tuple[Factor, ...]] = []
    order = np.argsort(-contributions, axis=1, kind="stable")
    for i in range(contributions.shape[0]):
        row = contributions[i]
        ups = [j for j in order[i] if row[j] >= FACTOR_MIN][:max_factors]
        downs = [j for j in order[i][::-1] if row[j] <= -FACTOR_MIN][:max_factors]
        rows.append(
            tuple(
                Factor(
                    feature=features[j].name,
                    value=shown[features[j].name][i],
                    contribution=round(float(row[j]), 4),
                )
                for j in ups + downs
            )
        )
    return rows


# --------------------------------------------------------------------------- files


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
