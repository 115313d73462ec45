"""``tandem attribution run`` on path files, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tandem.attribution_cli import attribution_app

SRC = Path(__file__).resolve().parents[2] / "src"
runner = CliRunner()

PATHS = (
    "path,total_conversions,total_conversion_value,total_null\nA > B,1,10,0\nA,0,0,1\nB,1,30,1\n"
)


def write(tmp_path: Path, text: str, name: str = "paths.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(attribution_app, ["run", *args])
    return result.exit_code, result.stdout, result.stderr


def test_markov_writes_channels_to_stdout(tmp_path: Path) -> None:
    code, out, err = run("--journeys", str(write(tmp_path, PATHS)), "--model", "markov")
    assert (code, err) == (0, "")
    # Hand-computed in tests/core/test_attribution_markov.py: shares 1/4 and 3/4.
    assert out == "channel,conversions,value\nA,0.5,10\nB,1.5,30\n"


def test_semicolon_file_without_values_leaves_value_empty(tmp_path: Path) -> None:
    text = "path;total_conversions;total_null\nB>A;4;1\nC;2;0\n"
    code, out, _ = run("--journeys", str(write(tmp_path, text)), "--model", "linear")
    assert code == 0
    assert out == "channel,conversions,value\nA,2,\nB,2,\nC,2,\n"


def test_out_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "result" / "credit.csv"
    code, out, _ = run(
        "--journeys", str(write(tmp_path, PATHS)), "--model", "first_touch", "--out", str(target)
    )
    assert (code, out) == (0, "")
    assert target.read_text() == "channel,conversions,value\nA,1,10\nB,1,30\n"


def test_markov_order_option(tmp_path: Path) -> None:
    text = "path,total_conversions,total_null\nA>B,1,0\nB>A,0,1\n"
    code, out, _ = run(
        "--journeys", str(write(tmp_path, text)), "--model", "markov", "--order", "2"
    )
    assert code == 0
    assert out == "channel,conversions,value\nA,0.5,\nB,0.5,\n"


@pytest.mark.parametrize(
    ("model", "expected"),
    [("time_decay", "A,0.333333,\nB,0.666667,\n"), ("shapley", "A,0.5,\nB,0.5,\n")],
)
def test_other_models_run(tmp_path: Path, model: str, expected: str) -> None:
    text = "path,total_conversions\nA>B,1\n"
    code, out, _ = run("--journeys", str(write(tmp_path, text)), "--model", model)
    assert code == 0
    assert out == "channel,conversions,value\n" + expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "path,total_conversions\nA,1\nB,-2\n",
            "Error: paths.csv, row 3, column 'total_conversions': '-2' is negative",
        ),
        (
            "path;total_conversions\nA;1\nB;lots\n",
            "Error: paths.csv, row 3, column 'total_conversions': 'lots' is not a number",
        ),
        (
            "path,total_conversions\n,1\n",
            "Error: paths.csv, row 2, column 'path': empty path",
        ),
        (
            "path,conversions\nA,1\n",
            "Error: paths.csv, column 'total_conversions': no column named 'total_conversions'",
        ),
    ],
)
def test_bad_file_is_one_line_naming_row_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    code, out, err = run("--journeys", str(write(tmp_path, text)), "--model", "linear")
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_unknown_model(tmp_path: Path) -> None:
    code, _, err = run("--journeys", str(write(tmp_path, PATHS)), "--model", "last_click")
    assert code == 2
    assert err.startswith("Error: unknown model 'last_click'; choose one of first_touch")


def test_w_shaped_is_refused_for_path_files(tmp_path: Path) -> None:
    code, _, err = run("--journeys", str(write(tmp_path, PATHS)), "--model", "w_shaped")
    assert code == 2
    assert "needs event-level input with stage markers" in err


def test_event_level_file_is_refused_clearly(tmp_path: Path) -> None:
    text = "journey_id,timestamp,channel\n1,2026-01-01T10:00:00Z,Email\n"
    code, _, err = run("--journeys", str(write(tmp_path, text)), "--model", "linear")
    assert code == 2
    assert "event-level input is not supported yet" in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run("--journeys", str(tmp_path / "nope.csv"), "--model", "linear")
    assert code == 2
    assert err == "Error: nope.csv: file not found\n"


def test_importing_the_command_loads_no_django_pandas_or_numpy() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    check = (
        "import sys, tandem.attribution_cli\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'pandas', 'numpy'})\n"
        "assert not loaded, loaded\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
