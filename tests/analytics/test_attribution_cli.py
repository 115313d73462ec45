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
            "path,total_conversions\nA > B,1\nA >  > B,1\n",
            "Error: paths.csv, row 3, column 'path': empty touch in 'A >  > B'",
        ),
        (
            "path,total_conversions\nA,1\nB,2\nC >,1\n",
            "Error: paths.csv, row 4, column 'path': empty touch in 'C >'",
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
    assert "needs to know which touches created the lead and the opportunity" in err
    assert "'milestone' column" in err


EVENTS = (
    "journey_id,timestamp,channel,conversion,value,milestone\n"
    # Journey 1 converts on its third touch; the fourth touch comes after and is dropped.
    "1,2026-01-01T09:00:00Z,Social,0,,\n"
    "1,2026-01-05 09:00,Email,false,,lead\n"
    "1,2026-01-08T09:00:00+00:00,Search,1,120,opportunity\n"
    "1,2026-01-09T09:00:00Z,Display,0,,\n"
    # Journey 2 never converts.
    "2,2026-01-02T09:00:00Z,Display,0,,\n"
    "2,2026-01-03T09:00:00Z,Email,no,,\n"
)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", "Email,0,0\nSearch,0,0\nSocial,1,120\n"),
        ("last_touch", "Email,0,0\nSearch,1,120\nSocial,0,0\n"),
        # Three touches, one milestone each: 30 % each, the 10 % left goes to nobody
        # else, so the shares are scaled back to thirds.
        ("w_shaped", "Email,0.333333,40\nSearch,0.333333,40\nSocial,0.333333,40\n"),
        # Ages 7, 3 and 0 days with a 7-day half-life: weights 1/2, 2^(-3/7), 1,
        # divided by their sum 2.2430.
        (
            "time_decay",
            "Email,0.331252,39.750232\nSearch,0.445832,53.499845\nSocial,0.222916,26.749923\n",
        ),
    ],
)
def test_event_file_models(tmp_path: Path, model: str, expected: str) -> None:
    code, out, err = run("--journeys", str(write(tmp_path, EVENTS, "events.csv")), "--model", model)
    assert (code, err) == (0, "")
    # Display appears with no credit: on the journey that did not convert, and after
    # the conversion on the other.
    assert out == "channel,conversions,value\nDisplay,0,0\n" + expected


def test_event_file_lookback_drops_old_touches(tmp_path: Path) -> None:
    path = write(tmp_path, EVENTS, "events.csv")
    code, out, _ = run("--journeys", str(path), "--model", "first_touch", "--lookback-days", "5")
    assert code == 0
    # The social touch was 7 days before the conversion: Email is now first.
    assert out == "channel,conversions,value\nDisplay,0,0\nEmail,1,120\nSearch,0,0\n"


def test_event_file_without_conversion_column_converts_every_journey(tmp_path: Path) -> None:
    text = (
        "journey_id,timestamp,channel,value\na,2026-01-01,X,5\na,2026-01-02,Y,7\nb,2026-01-01,Y,\n"
    )
    code, out, _ = run("--journeys", str(write(tmp_path, text)), "--model", "last_touch")
    assert code == 0
    assert out == "channel,conversions,value\nX,0,0\nY,2,12\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "journey_id,timestamp,channel\n1,2026-01-01,A\n1,31/01/2026,B\n",
            "row 3, column 'timestamp': '31/01/2026' is not a timestamp; write it as ISO 8601",
        ),
        (
            "journey_id,timestamp,channel\n1,2026-02-31,A\n",
            "row 2, column 'timestamp': '2026-02-31' is not a real date and time",
        ),
        (
            "journey_id,timestamp,channel,conversion\n1,2026-01-01,A,maybe\n",
            "row 2, column 'conversion': 'maybe' is not a conversion flag",
        ),
        (
            "journey_id,timestamp,channel\n1,2026-01-01,\n",
            "row 2, column 'channel': empty; every touch needs a channel",
        ),
        (
            "journey_id,timestamp,channel,milestone\n1,2026-01-01,A,signup\n",
            "row 2, column 'milestone': 'signup' is not a milestone",
        ),
        (
            "journey_id,timestamp,channel,value\n1,2026-01-01,A,-5\n",
            "row 2, column 'value': '-5' is negative",
        ),
    ],
)
def test_bad_event_file_names_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    code, out, err = run(
        "--journeys", str(write(tmp_path, text, "events.csv")), "--model", "linear"
    )
    assert (code, out) == (2, "")
    assert err.startswith("Error: events.csv, " + message)


def test_event_parquet_file(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "journey_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-01"], utc=True),
            "channel": ["A", "B", "B"],
            "conversion": [False, True, False],
        }
    )
    path = tmp_path / "events.parquet"
    frame.to_parquet(path)
    code, out, _ = run("--journeys", str(path), "--model", "markov")
    assert code == 0
    # start->A 1/2, start->B 1/2, A->B 1, B->conversion 1/2: P = 1/2. Without A:
    # 1/2 * 1/2 = 1/4, effect 1/2; without B: 0, effect 1. Shares 1/3 and 2/3.
    assert out == "channel,conversions,value\nA,0.333333,\nB,0.666667,\n"


def test_neither_layout_lists_both(tmp_path: Path) -> None:
    code, _, err = run("--journeys", str(write(tmp_path, "a,b\n1,2\n")), "--model", "linear")
    assert code == 2
    assert "neither a path file" in err and "'a', 'b'" in err


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
