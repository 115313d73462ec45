"""Predictive lead scoring: learning, refusing, explaining, saving; and on real data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import roc_auc_score

from tandem.analytics.predictive import (
    FORMAT_VERSION,
    Factor,
    ModelFormatError,
    TrainedModel,
    TrainingRefused,
    format_factors,
    load_model,
    train,
)
from tandem.analytics.tabular import TabularError, read_table

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOURCES = ["Reference", "Google", "Direct Traffic", "Olark Chat"]
SOURCE_EFFECT = {"Reference": 2.5, "Google": 0.0, "Direct Traffic": -1.0, "Olark Chat": -2.0}


def make_leads(n: int, *, seed: int) -> pd.DataFrame:
    """Leads as a form tool exports them: every cell text, with the usual mess.

    The outcome depends on the source, the time on site and the do-not-email flag,
    so a working model must find all three; the rest is noise or mess.
    """
    rng = np.random.default_rng(seed)
    source = rng.choice(SOURCES, size=n, p=[0.15, 0.35, 0.3, 0.2])
    minutes = rng.gamma(2.0, 6.0, size=n)
    no_email = rng.random(n) < 0.15
    logit = np.vectorize(SOURCE_EFFECT.get)(source) + 0.2 * (minutes - 12) - 2.0 * no_email
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    seconds = np.round(minutes * 60).astype(int)
    # Some exports write thousands with a comma, some cells are blank or "Select".
    time_text = [f"{s:,}" if i % 3 == 0 else str(s) for i, s in enumerate(seconds)]
    source_text = [s if rng.random() > 0.05 else "Select" for s in source]
    visits = [str(v) if rng.random() > 0.1 else "" for v in rng.poisson(3, size=n)]
    return pd.DataFrame(
        {
            "Prospect ID": [f"P-{seed}-{i:05d}-{rng.integers(10**9)}" for i in range(n)],
            "Lead Number": [str(v) for v in rng.permutation(np.arange(600_000, 600_000 + n))],
            "Lead Source": source_text,
            "Total Time Spent": time_text,
            "TotalVisits": visits,
            "Do Not Email": np.where(no_email, "Yes", "No"),
            "Country": rng.choice(["India", "", "United States", "Select"], size=n),
            "Magazine": ["No"] * n,
            "Converted": converted.astype(int).astype(str),
        }
    )


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return make_leads(800, seed=1)


@pytest.fixture(scope="module")
def model(leads: pd.DataFrame) -> TrainedModel:
    return train(leads, target="Converted", seed=0)


@pytest.fixture(scope="module")
def new_leads() -> pd.DataFrame:
    return make_leads(500, seed=2)


def outcomes(frame: pd.DataFrame) -> np.ndarray:
    return frame["Converted"].astype(int).to_numpy()


def test_model_finds_a_known_signal(model: TrainedModel, new_leads: pd.DataFrame) -> None:
    result = model.predict(new_leads)

    assert roc_auc_score(outcomes(new_leads), result.probabilities) > 0.8
    assert model.card["validation"]["roc_auc"] > 0.8
    assert ((result.probabilities > 0) & (result.probabilities < 1)).all()


def test_card_is_json_and_says_what_was_done(model: TrainedModel) -> None:
    card = json.loads(json.dumps(model.card, allow_nan=False))

    assert card["rows"] == 800
    assert card["positives"] + card["negatives"] == 800
    assert card["positive"] == "1"
    assert card["model"] in card["candidates"]
    assert set(card["candidates"]) == {"logistic_regression", "gradient_boosting"}
    assert card["calibration"] in {"sigmoid", "isotonic"}
    for figure in ("roc_auc", "pr_auc", "brier"):
        assert 0 <= card["validation"][figure] <= 1
    assert card["trained_at"].endswith("+00:00")
    names = [item["feature"] for item in card["top_features"]]
    assert set(names[:3]) == {"Lead Source", "Total Time Spent", "Do Not Email"}


def test_id_like_and_constant_columns_are_dropped_with_reasons(model: TrainedModel) -> None:
    reasons = {item["column"]: item["reason"] for item in model.card["dropped"]}

    assert reasons["Prospect ID"].startswith("id-like")
    assert reasons["Lead Number"].startswith("id-like")
    assert reasons["Magazine"].startswith("constant")
    assert "Prospect ID" not in model.schema.columns
    assert model.schema.columns == [
        "Lead Source", "Total Time Spent", "TotalVisits", "Do Not Email", "Country",
    ]  # fmt: skip


def test_messy_cells_are_read_as_numbers_flags_and_empty(model: TrainedModel) -> None:
    kinds = {feature.name: feature.kind.value for feature in model.schema.features}
    source = next(f for f in model.schema.features if f.name == "Lead Source")

    assert kinds == {
        "Lead Source": "category",
        "Total Time Spent": "number",
        "TotalVisits": "number",
        "Do Not Email": "flag",
        "Country": "category",
    }
    assert "Select" not in source.levels


def test_columns_in_another_order_and_extra_columns_change_nothing(
    model: TrainedModel, new_leads: pd.DataFrame
) -> None:
    shuffled = new_leads[list(reversed(new_leads.columns))].assign(Notes="call back")

    first = model.predict(new_leads)
    second = model.predict(shuffled)

    np.testing.assert_array_equal(first.probabilities, second.probabilities)
    assert first.factors == second.factors
    assert second.warnings == ()


def test_typed_values_score_like_their_text(model: TrainedModel, new_leads: pd.DataFrame) -> None:
    typed = new_leads.copy()
    typed["Total Time Spent"] = typed["Total Time Spent"].str.replace(",", "").astype(float)
    typed["Do Not Email"] = typed["Do Not Email"] == "Yes"

    np.testing.assert_allclose(
        model.predict(typed).probabilities, model.predict(new_leads).probabilities
    )


def test_an_arrow_table_scores_like_its_dataframe(
    model: TrainedModel, new_leads: pd.DataFrame
) -> None:
    as_arrow = pa.Table.from_pandas(new_leads, preserve_index=False)

    np.testing.assert_array_equal(
        model.predict(as_arrow).probabilities, model.predict(new_leads).probabilities
    )


def test_missing_column_counts_as_empty_with_a_warning(
    model: TrainedModel, new_leads: pd.DataFrame
) -> None:
    result = model.predict(new_leads.drop(columns=["TotalVisits"]))

    assert len(result.probabilities) == len(new_leads)
    assert any("'TotalVisits'" in message for message in result.warnings)


def test_unseen_category_is_scored_with_a_warning(
    model: TrainedModel, new_leads: pd.DataFrame
) -> None:
    odd = new_leads.head(5).assign(**{"Lead Source": "TikTok"})

    result = model.predict(odd)

    assert np.isfinite(result.probabilities).all()
    assert any("'TikTok'" in message and "Lead Source" in message for message in result.warnings)


def test_an_empty_table_gives_an_empty_result(model: TrainedModel, new_leads: pd.DataFrame) -> None:
    result = model.predict(new_leads.head(0))

    assert len(result.probabilities) == 0
    assert result.factors == ()
    assert list(result.to_frame().columns) == ["probability", "top_factors"]


def test_a_table_without_the_models_columns_is_refused(model: TrainedModel) -> None:
    with pytest.raises(TabularError, match="none of the model's columns"):
        model.predict(pd.DataFrame({"name": ["Ada"], "email": ["ada@example.com"]}))


def test_predictions_keep_the_input_order_and_index(
    model: TrainedModel, new_leads: pd.DataFrame
) -> None:
    sample = new_leads.iloc[[40, 3, 17]].set_axis(["c", "a", "b"])

    result = model.predict(sample)
    each = [model.predict(sample.iloc[[i]]).probabilities.iloc[0] for i in range(3)]

    assert list(result.probabilities.index) == ["c", "a", "b"]
    np.testing.assert_allclose(result.probabilities.to_numpy(), each)
    assert list(result.to_frame().columns) == ["probability", "top_factors"]


def test_factors_explain_a_strong_and_a_weak_lead(model: TrainedModel) -> None:
    base = make_leads(2, seed=3)
    leads = base.assign(
        **{
            "Lead Source": ["Reference", "Olark Chat"],
            "Total Time Spent": ["900", "300"],
            "Do Not Email": ["No", "Yes"],
        }
    )

    result = model.predict(leads)
    strong, weak = result.factors

    assert result.probabilities.iloc[0] > 0.8 > 0.2 > result.probabilities.iloc[1]
    assert strong[0].label.startswith("Lead Source = Reference (+0.")
    assert [f.feature for f in strong if f.contribution > 0][:2] == [
        "Lead Source", "Total Time Spent",
    ]  # fmt: skip
    assert all(f.contribution < 0 for f in weak)
    assert {"Lead Source", "Do Not Email"} <= {f.feature for f in weak}
    assert result.factor_texts()[0].startswith("+ Lead Source = Reference (+0.")


def test_factor_text_format() -> None:
    factors = [
        Factor(feature="Lead Source", value="Reference", contribution=0.2149),
        Factor(feature="Last Activity", value="Email Bounced", contribution=-0.12),
        Factor(feature="Country", value=None, contribution=-0.051),
    ]

    assert format_factors(factors) == (
        "+ Lead Source = Reference (+0.21); - Last Activity = Email Bounced (-0.12); "
        "- Country is empty (-0.05)"
    )


def test_save_and_load_give_identical_scores(
    model: TrainedModel, new_leads: pd.DataFrame, tmp_path: Path
) -> None:
    model.save(tmp_path / "model")
    loaded = load_model(tmp_path / "model")

    before, after = model.predict(new_leads), loaded.predict(new_leads)

    np.testing.assert_array_equal(before.probabilities, after.probabilities)
    assert before.factors == after.factors
    assert loaded.schema == model.schema
    assert loaded.card == json.loads(json.dumps(model.card))
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "card.json", "model.joblib", "schema.json",
    ]  # fmt: skip


def test_loading_another_format_version_is_refused(model: TrainedModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    schema = json.loads((tmp_path / "schema.json").read_text())
    schema["format_version"] = FORMAT_VERSION + 1
    (tmp_path / "schema.json").write_text(json.dumps(schema))

    with pytest.raises(ModelFormatError, match=f"format version {FORMAT_VERSION + 1}"):
        load_model(tmp_path)


def test_loading_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match=r"not a model folder \(missing schema.json"):
        load_model(tmp_path)
    with pytest.raises(ModelFormatError, match="no such model folder"):
        load_model(tmp_path / "nowhere")


def test_refuses_fewer_than_200_rows_with_an_outcome() -> None:
    few = make_leads(143, seed=4)

    with pytest.raises(TrainingRefused) as refused:
        train(few, target="Converted")

    assert "needs at least 200 rows with a known outcome; got 143" in str(refused.value)


def test_rows_without_an_outcome_do_not_count() -> None:
    leads = make_leads(260, seed=5)
    leads.loc[:99, "Converted"] = ""

    with pytest.raises(TrainingRefused, match=r"got 160$"):
        train(leads, target="Converted")


def test_refuses_a_single_outcome() -> None:
    leads = make_leads(300, seed=6).assign(Converted="Won")

    with pytest.raises(TrainingRefused) as refused:
        train(leads, target="Converted")

    assert "only one outcome present: all 300 rows are 'Won'" in str(refused.value)
    assert refused.value.reasons == ("only one outcome present: all 300 rows are 'Won'",)


def test_refuses_too_few_of_the_rarer_outcome() -> None:
    leads = make_leads(300, seed=7).assign(Converted="0")
    leads.loc[:11, "Converted"] = "1"

    with pytest.raises(TrainingRefused, match="needs at least 20 rows of each outcome; got 12 '1'"):
        train(leads, target="Converted")


def test_asks_for_the_positive_value_when_it_cannot_tell() -> None:
    leads = make_leads(300, seed=8)
    leads["Converted"] = np.where(leads["Converted"] == "1", "Enrolled", "Dropped")

    with pytest.raises(TrainingRefused, match="name it with --positive"):
        train(leads, target="Converted")
    with pytest.raises(TrainingRefused, match="'Paid' is not a value of 'Converted'"):
        train(leads, target="Converted", positive="Paid")


def test_open_deals_are_left_out_and_suspicious_columns_flagged() -> None:
    leads = make_leads(330, seed=9)
    won = leads["Converted"] == "1"
    leads["Stage"] = np.where(won, "Won", "Lost")
    leads.loc[:29, "Stage"] = "Engaging"
    # Written by sales once the deal is decided: right 19 times in 20.
    flip = np.arange(len(leads)) % 20 == 0
    leads["Sales Note"] = np.where(won ^ flip, "will enrol", "not interested")
    leads["Created"] = pd.date_range("2024-01-01", periods=len(leads), freq="D").strftime(
        "%Y-%m-%d"
    )
    leads = leads.drop(columns="Converted")

    with pytest.raises(TrainingRefused, match="name the bad outcome with --negative"):
        train(leads, target="Stage")
    model = train(leads, target="Stage", negative="lost")

    assert (model.card["positive"], model.card["negative"]) == ("Won", "Lost")
    assert model.card["rows"] == 300
    assert model.card["unlabelled_rows"] == 30
    assert [w for w in model.card["warnings"] if w.startswith("'Sales Note' alone predicts")]
    reasons = {item["column"]: item["reason"] for item in model.card["dropped"]}
    assert reasons["Created"].startswith("a date")


def test_a_missing_target_column_lists_the_columns(leads: pd.DataFrame) -> None:
    with pytest.raises(TabularError) as error:
        train(leads, target="converted ")

    message = str(error.value)
    assert "no column named 'converted ' for the outcome (target)" in message
    assert "Did you mean 'Converted'?" in message
    assert "'Lead Source'" in message
    assert error.value.column == "converted "


def test_an_unknown_column_to_drop_is_refused(leads: pd.DataFrame) -> None:
    with pytest.raises(TabularError, match="no column named 'Tgs' to drop"):
        train(leads, target="Converted", drop=["Tgs"])


def test_real_x_education_data_scores_well_without_leaky_columns() -> None:
    folder = SHARED_DATA / "x_education"
    if not (folder / "Leads.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing under CI: {folder}")
        pytest.skip(f"shared data not found at {folder}")
    table = read_table(folder / "Leads.csv")
    split = pd.read_csv(folder / "split.csv")
    train_rows = split.loc[split["split"] == "train", "source_row"]
    test_rows = split.loc[split["split"] == "test", "source_row"]
    leaky = ["Tags", "Lead Quality", "Last Notable Activity"]

    model = train(table.loc[train_rows].drop(columns=leaky), target="Converted")
    result = model.predict(table.loc[test_rows])

    truth = table.loc[test_rows, "Converted"].astype(int).to_numpy()
    assert roc_auc_score(truth, result.probabilities) > 0.9
    dropped = {item["column"] for item in model.card["dropped"]}
    assert {"Prospect ID", "Lead Number"} <= dropped
