"""``tandem scoring train`` and ``predict`` on files, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from tandem.scoring_cli import scoring_app
from tests.analytics.test_predictive import make_leads

SRC = Path(__file__).resolve().parents[2] / "src"
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scoring")
    history = folder / "history.csv"
    # Semicolons and a byte-order mark, as Excel saves a CSV in much of Europe.
    make_leads(300, seed=11).to_csv(history, sep=";", index=False, encoding="utf-8-sig")
    new = folder / "new.csv"
    make_leads(40, seed=12).drop(columns="Converted").to_csv(new, index=False)
    return {"folder": folder, "history": history, "new": new, "model": folder / "model"}


@pytest.fixture(scope="module")
def training(files: dict[str, Path]) -> Result:
    return runner.invoke(
        scoring_app,
        [
            "train", "--csv", str(files["history"]), "--target", "Converted",
            "--id", "Prospect ID", "--drop", "Country", "--missing", "unknown",
            "--model-out", str(files["model"]),
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def trained(files: dict[str, Path], training: Result) -> dict[str, Path]:
    assert training.exit_code == 0, training.output
    return files


def test_train_prints_the_model_card_and_writes_the_model(
    trained: dict[str, Path], training: Result
) -> None:
    card = json.loads((trained["model"] / "card.json").read_text())

    for heading in ("Model card", "CV ROC AUC", "Top features", "Model written to"):
        assert heading in training.stdout
    assert sorted(p.name for p in trained["model"].iterdir()) == [
        "card.json", "model.joblib", "schema.json",
    ]  # fmt: skip
    reasons = {item["column"]: item["reason"] for item in card["dropped"]}
    assert reasons["Prospect ID"] == "the id column"
    assert reasons["Country"] == "dropped on request"
    schema = json.loads((trained["model"] / "schema.json").read_text())
    assert "unknown" in schema["missing_tokens"]


def test_predict_writes_ids_probabilities_and_factors_in_input_order(
    trained: dict[str, Path],
) -> None:
    out = trained["folder"] / "scores" / "scores.csv"

    result = runner.invoke(
        scoring_app,
        [
            "predict",
            "--model",
            str(trained["model"]),
            "--csv",
            str(trained["new"]),
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "Scored 40 rows" in result.stdout
    scores = pd.read_csv(out)
    leads = pd.read_csv(trained["new"])
    assert list(scores.columns) == ["Prospect ID", "probability", "top_factors"]
    assert scores["Prospect ID"].tolist() == leads["Prospect ID"].tolist()
    assert scores["probability"].between(0, 1).all()
    texts = scores["top_factors"].dropna()
    assert len(texts) > 30
    factor = r"[+-] [^;]+ (?:= [^;]+|is empty) \([+-]\d\.\d\d\)"
    assert texts.str.fullmatch(rf"{factor}(?:; {factor})*").all()


def test_predict_without_an_id_column_numbers_the_rows(trained: dict[str, Path]) -> None:
    no_ids = trained["folder"] / "no_ids.csv"
    pd.read_csv(trained["new"]).drop(columns="Prospect ID").to_csv(no_ids, index=False)
    out = trained["folder"] / "numbered.csv"

    result = runner.invoke(
        scoring_app,
        ["predict", "--model", str(trained["model"]), "--csv", str(no_ids), "--out", str(out)],
    )

    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["row", "probability", "top_factors"]
    assert scores["row"].tolist() == list(range(1, 41))


def test_a_missing_target_is_one_line_on_stderr_with_exit_code_2(files: dict[str, Path]) -> None:
    result = runner.invoke(
        scoring_app,
        [
            "train", "--csv", str(files["history"]), "--target", "Convertd",
            "--model-out", str(files["folder"] / "never"),
        ],
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "Error: history.csv, column 'Convertd': no column named 'Convertd' for the outcome "
        "(target)."
    )
    assert "Did you mean 'Converted'?" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (files["folder"] / "never").exists()


def test_too_little_history_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    make_leads(143, seed=13).to_csv(small, index=False)

    result = runner.invoke(
        scoring_app,
        ["train", "--csv", str(small), "--target", "Converted", "--model-out", str(tmp_path / "m")],
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: cannot train a model of 'Converted': needs at least 200 rows with a known "
        "outcome; got 143\n"
    )


def test_predict_with_a_folder_that_is_not_a_model_fails_cleanly(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(
        scoring_app,
        [
            "predict",
            "--model",
            str(tmp_path),
            "--csv",
            str(files["new"]),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "not a model folder" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_predict_with_an_unknown_id_column_lists_the_columns(trained: dict[str, Path]) -> None:
    result = runner.invoke(
        scoring_app,
        [
            "predict", "--model", str(trained["model"]), "--csv", str(trained["new"]),
            "--out", str(trained["folder"] / "x.csv"), "--id", "Email",
        ],
    )  # fmt: skip

    assert result.exit_code == 2
    assert "no column named 'Email' for the id" in result.stderr
    assert "'Prospect ID'" in result.stderr


def test_file_mode_never_imports_django(trained: dict[str, Path]) -> None:
    out = trained["folder"] / "subprocess.csv"
    script = (
        "import sys\n"
        "from tandem.scoring_cli import scoring_app\n"
        "import tandem.analytics.predictive, tandem.analytics.tabular\n"
        "try:\n"
        "    scoring_app(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    roots = {m.split('.')[0] for m in sys.modules}\n"
        "    loaded = sorted(roots & {'django', 'ninja', 'huey'})\n"
        "    assert not loaded, f'file mode pulled in {loaded}'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))

    completed = subprocess.run(
        [
            sys.executable, "-c", script, "predict", "--model", str(trained["model"]),
            "--csv", str(trained["new"]), "--out", str(out),
        ],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    assert len(pd.read_csv(out)) == 40
