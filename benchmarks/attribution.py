"""Multi-touch attribution: Tandem against ChannelAttribution on synthetic journeys.

    python benchmarks/attribution.py [--journeys 100000 1000000] [--seeds 5] [--repeat 3]
                                     [--seed 42] [--ca-ncore 2] [--engine duckdb] [--json FILE]

For each size, generates that many journeys (``attribution_journeys``: 12 channels with
Zipf-like popularity, early and late channels, 1-10 touches, conversion odds depending
on the channels present, lognormal values), aggregates them into ChannelAttribution's
path format (one row per distinct path) and then, on that same in-memory DataFrame:

- agreement, Markov order 1: ChannelAttribution's ``markov_model`` estimates removal
  effects by simulation, so it is run with ``--seeds`` seeds 1000 apart (0, 1000, ...;
  each run uses seeds ``seed`` to ``seed + nfold - 1`` internally). For every channel,
  Tandem's exact conversions pass when ``|Tandem - mean of the runs|`` is at most the
  runs' spread (max - min). The same check on conversion value is reported too;
- agreement, heuristics: first touch, last touch and linear against
  ``heuristic_models``; these are exact on both sides and must match to 1e-9 relative;
- speed: wall time (best of ``--repeat``) of Tandem's Markov order 1 and of its three
  heuristics together, against ``markov_model`` (seed 0, ``ncore`` ``--ca-ncore``,
  every other argument at its default) and ``heuristic_models``. Tandem's time includes
  checking the DataFrame and turning it into journeys, as ``tandem attribution run``
  does after reading a file; generating and aggregating are not timed.

``--engine`` picks where Tandem's queries run (DuckDB in process by default; ``local[2]``
for Spark on this machine, whose session is started before the timed runs).

ChannelAttribution (GPL-3) is used by this script only, never by Tandem itself. It is
not among Tandem's dependencies; install it where the benchmark runs:
``pip install channelattribution==2.2.5 matplotlib`` (it imports matplotlib without
declaring it).

Prints machine details and Markdown tables; ``--json FILE`` also writes every figure.
Exits with status 1 when an agreement check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from attribution_journeys import generate, path_table
from tandem.analytics import engines
from tandem.analytics.journey_files import load_journeys
from tandem.core.attribution.engine import attribute_rules, attribute_tables

with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
    import ChannelAttribution

HEURISTICS = ("first_touch", "last_touch", "linear")
CA_HEURISTIC_PREFIX = {"first_touch": "first_touch", "last_touch": "last_touch",
                       "linear": "linear_touch"}  # fmt: skip
SEED_STEP = 1000  # markov_model seeds its nfold (10) runs with seed, seed + 1, ...
HEURISTIC_TOLERANCE = 1e-9  # relative
TARGET_JOURNEYS = 1_000_000
TARGET_RATIO = 4.0

# Per model family, a function from the path DataFrame (path, total_conversions,
# total_conversion_value, total_null) to credits: a DataFrame indexed by channel with
# the columns conversions and value (one per heuristic model for the heuristics).
Credits = pd.DataFrame


# --------------------------------------------------------------------------- Tandem


def credits(conversions: dict[str, float], value: dict[str, float] | None) -> Credits:
    frame = pd.DataFrame({"conversions": pd.Series(conversions, dtype=float)})
    frame["value"] = pd.Series(value or {}, dtype=float)
    return frame.sort_index()


def tandem_markov(paths: pd.DataFrame, backend: Any) -> Credits:
    """What ``tandem attribution run --model markov`` does after reading the file."""
    tables = load_journeys(paths)
    result = attribute_tables(tables, model="markov", order=1, backend=backend)
    return credits(dict(result.conversions), dict(result.value or {}))


def tandem_heuristics(paths: pd.DataFrame, backend: Any) -> dict[str, Credits]:
    """The three models ChannelAttribution's heuristic_models computes, in one pass."""
    tables = load_journeys(paths)
    results = attribute_rules(tables, models=HEURISTICS, backend=backend)
    return {m: credits(dict(r.conversions), dict(r.value or {})) for m, r in results.items()}


def connect(engine: str) -> Any:
    """A warm backend: a Spark session starts once, not inside the timed runs."""
    backend = engines.connect(engine)
    tandem_heuristics(pd.DataFrame({"path": ["a>b"], "total_conversions": [1]}), backend)
    return backend


# --------------------------------------------------------------------------- reference


def ca_markov(paths: pd.DataFrame, *, seed: int, ncore: int) -> Credits:
    result = ChannelAttribution.markov_model(
        paths,
        "path",
        "total_conversions",
        var_value="total_conversion_value",
        var_null="total_null",
        order=1,
        ncore=ncore,
        seed=seed,
        verbose=False,
        flg_pro=False,
    )
    return credits(
        dict(zip(result["channel_name"], result["total_conversions"], strict=True)),
        dict(zip(result["channel_name"], result["total_conversion_value"], strict=True)),
    )


def ca_heuristics(paths: pd.DataFrame) -> dict[str, Credits]:
    result = ChannelAttribution.heuristic_models(
        paths, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    )
    out = {}
    for model in HEURISTICS:
        prefix = CA_HEURISTIC_PREFIX[model]
        out[model] = credits(
            dict(zip(result["channel_name"], result[f"{prefix}_conversions"], strict=True)),
            dict(zip(result["channel_name"], result[f"{prefix}_value"], strict=True)),
        )
    return out


# --------------------------------------------------------------------------- measuring


@dataclass
class Timed:
    best: float
    runs: list[float]
    result: object


def best_of(repeat: int, fn: Callable[..., object], *args: object, **kwargs: object) -> Timed:
    runs = []
    result = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        runs.append(time.perf_counter() - started)
    return Timed(best=min(runs), runs=runs, result=result)


def markov_agreement(tandem: Credits, reference: list[Credits], column: str) -> pd.DataFrame:
    runs = pd.concat([r[column] for r in reference], axis=1).reindex(tandem.index).fillna(0.0)
    table = pd.DataFrame(
        {
            "tandem": tandem[column],
            "ca_mean": runs.mean(axis=1),
            "ca_min": runs.min(axis=1),
            "ca_max": runs.max(axis=1),
        }
    )
    table["ca_spread"] = table["ca_max"] - table["ca_min"]
    table["deviation"] = table["tandem"] - table["ca_mean"]
    table["within_spread"] = table["deviation"].abs() <= table["ca_spread"]
    table["within_range"] = table["tandem"].between(table["ca_min"], table["ca_max"])
    return table.sort_values("tandem", ascending=False)


def heuristic_differences(tandem: dict[str, Credits], reference: dict[str, Credits]) -> dict:
    out: dict[str, dict[str, float]] = {}
    for column in ("conversions", "value"):
        worst_abs = worst_rel = 0.0
        for model in HEURISTICS:
            ours = tandem[model][column]
            theirs = reference[model][column]
            index = ours.index.union(theirs.index)
            a = ours.reindex(index).fillna(0.0).to_numpy()
            b = theirs.reindex(index).fillna(0.0).to_numpy()
            diff = np.abs(a - b)
            worst_abs = max(worst_abs, float(diff.max()))
            worst_rel = max(worst_rel, float((diff / np.maximum(np.abs(b), 1.0)).max()))
        out[column] = {"max_abs": worst_abs, "max_rel": worst_rel}
    return out


def run_size(n: int, args: argparse.Namespace) -> dict:
    backend = connect(args.engine)
    started = time.perf_counter()
    touches, converted, value = generate(n, seed=args.seed)
    paths = path_table(touches, converted, value)
    del touches, converted, value
    log(
        f"{n:,} journeys: {len(paths):,} distinct paths, "
        f"{int(paths['total_conversions'].sum()):,} conversions "
        f"(generated and aggregated in {time.perf_counter() - started:.1f} s, not timed)"
    )

    t_markov = best_of(args.repeat, tandem_markov, paths, backend)
    log(f"  Tandem Markov: {fmt_runs(t_markov)}")
    seeds = [SEED_STEP * k for k in range(args.seeds)]
    c_markov = best_of(args.repeat, ca_markov, paths, seed=seeds[0], ncore=args.ca_ncore)
    log(f"  CA markov_model (seed {seeds[0]}): {fmt_runs(c_markov)}")
    t_heuristics = best_of(args.repeat, tandem_heuristics, paths, backend)
    log(f"  Tandem heuristics: {fmt_runs(t_heuristics)}")
    c_heuristics = best_of(args.repeat, ca_heuristics, paths)
    log(f"  CA heuristic_models: {fmt_runs(c_heuristics)}")

    reference = [c_markov.result]
    other_seed_seconds = []
    for seed in seeds[1:]:
        timed = best_of(1, ca_markov, paths, seed=seed, ncore=args.ca_ncore)
        reference.append(timed.result)
        other_seed_seconds.append(timed.best)
        log(f"  CA markov_model (seed {seed}): {timed.best:.2f} s")

    conversions = markov_agreement(t_markov.result, reference, "conversions")
    values = markov_agreement(t_markov.result, reference, "value")
    heuristics = heuristic_differences(t_heuristics.result, c_heuristics.result)
    heuristics_ok = all(d["max_rel"] <= HEURISTIC_TOLERANCE for d in heuristics.values())
    return {
        "journeys": n,
        "distinct_paths": len(paths),
        "conversions": int(paths["total_conversions"].sum()),
        "seconds": {
            "tandem_markov": t_markov.runs,
            "ca_markov": c_markov.runs,
            "ca_markov_other_seeds": other_seed_seconds,
            "tandem_heuristics": t_heuristics.runs,
            "ca_heuristics": c_heuristics.runs,
        },
        "best": {
            "tandem_markov": t_markov.best,
            "ca_markov": c_markov.best,
            "tandem_heuristics": t_heuristics.best,
            "ca_heuristics": c_heuristics.best,
        },
        "ca_seeds": seeds,
        "markov_conversions": conversions,
        "markov_value": values,
        "markov_ok": bool(conversions["within_spread"].all()),
        "heuristics": heuristics,
        "heuristics_ok": heuristics_ok,
    }


# --------------------------------------------------------------------------- output


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fmt_runs(timed: Timed) -> str:
    return f"best {timed.best:.2f} s of " + ", ".join(f"{s:.2f}" for s in timed.runs)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, object]:
    try:
        memory_gib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    except (ValueError, OSError, AttributeError):
        memory_gib = None
    return {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "channelattribution": version("channelattribution"),
    }


def print_report(results: list[dict], info: dict[str, object], args: argparse.Namespace) -> None:
    memory = f", {info['memory_gib']:.0f} GiB" if info["memory_gib"] else ""
    print(
        f"\n### {datetime.now(UTC):%Y-%m-%d} — {info['cores']} cores ({info['cpu']}, "
        f"{info['arch']}){memory}, Python {info['python']}, numpy {info['numpy']}, "
        f"pandas {info['pandas']}, ChannelAttribution {info['channelattribution']}\n"
    )
    print(
        "| journeys | distinct paths | Tandem Markov s | CA markov_model s | CA/Tandem "
        "| Tandem heuristics s | CA heuristic_models s | CA/Tandem |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        b = r["best"]
        print(
            f"| {r['journeys']:,} | {r['distinct_paths']:,} | {b['tandem_markov']:.2f} "
            f"| {b['ca_markov']:.2f} | {b['ca_markov'] / b['tandem_markov']:.1f}x "
            f"| {b['tandem_heuristics']:.2f} | {b['ca_heuristics']:.2f} "
            f"| {b['ca_heuristics'] / b['tandem_heuristics']:.1f}x |"
        )
    print(
        f"\nBest of {args.repeat}. Tandem engine: {args.engine}; Markov order 1, heuristics = "
        f"first touch + last touch + linear in one call, DataFrame to journeys included. "
        f"CA markov_model: seed 0, ncore={args.ca_ncore}, other arguments at their defaults "
        "(nsim_start 1e5, nfold 10, conv_par 0.05); CA heuristic_models has no ncore."
    )
    for r in results:
        if r["journeys"] >= TARGET_JOURNEYS:
            b = r["best"]
            ratios = {
                "Markov": b["ca_markov"] / b["tandem_markov"],
                "heuristics": b["ca_heuristics"] / b["tandem_heuristics"],
            }
            verdicts = ", ".join(
                f"{name} {ratio:.1f}x ({'met' if ratio >= TARGET_RATIO else 'not met'})"
                for name, ratio in ratios.items()
            )
            print(f"Target Tandem ≥ {TARGET_RATIO:.0f}x faster at {r['journeys']:,}: {verdicts}.")

    for r in results:
        conversions = r["markov_conversions"]
        seeds = ", ".join(str(s) for s in r["ca_seeds"])
        print(
            f"\n#### Markov order 1, conversions per channel — {r['journeys']:,} journeys "
            f"(CA seeds {seeds})\n"
        )
        print(
            "| channel | Tandem | CA mean | CA min - max | CA spread | Tandem - CA mean "
            "| within spread |"
        )
        print("|---|---|---|---|---|---|---|")
        for channel, row in conversions.iterrows():
            print(
                f"| {channel} | {row.tandem:,.1f} | {row.ca_mean:,.1f} "
                f"| {row.ca_min:,.1f} - {row.ca_max:,.1f} "
                f"| {row.ca_spread:,.1f} ({pct(row.ca_spread, row.ca_mean)}) "
                f"| {row.deviation:+,.1f} ({pct(row.deviation, row.ca_mean, sign=True)}) "
                f"| {'pass' if row.within_spread else 'FAIL'} |"
            )
        passed = int(conversions["within_spread"].sum())
        in_range = int(conversions["within_range"].sum())
        values = r["markov_value"]
        worst = (values["deviation"].abs() / values["ca_mean"]).max()
        print(
            f"\nAgreement = |Tandem - CA mean| ≤ CA spread (max - min over the seeds) for "
            f"every channel: {passed}/{len(conversions)} channels, "
            f"{'PASS' if r['markov_ok'] else 'FAIL'}. Tandem lies inside [CA min, CA max] "
            f"for {in_range}/{len(conversions)}. Conversion value, same test: "
            f"{int(values['within_spread'].sum())}/{len(values)} channels, largest "
            f"deviation {worst:.1%} of the CA mean."
        )
        h = r["heuristics"]
        print(
            f"Heuristics (first touch, last touch, linear) against heuristic_models: max "
            f"|difference| {h['conversions']['max_abs']:.2g} conversions, "
            f"{h['value']['max_abs']:.2g} value (relative {h['conversions']['max_rel']:.1g} "
            f"and {h['value']['max_rel']:.1g}), "
            f"{'PASS' if r['heuristics_ok'] else 'FAIL'} (tolerance {HEURISTIC_TOLERANCE:g})."
        )


def pct(part: float, whole: float, *, sign: bool = False) -> str:
    if not whole:
        return "n/a"
    return f"{part / whole:+.1%}" if sign else f"{part / whole:.1%}"


def to_json(results: list[dict], info: dict[str, object], args: argparse.Namespace) -> dict:
    def table(frame: pd.DataFrame) -> list[dict[str, object]]:
        rows = frame.rename_axis("channel").reset_index()
        return json.loads(rows.to_json(orient="records", double_precision=15))

    return {
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "machine": info,
        "options": {
            "engine": args.engine,
            "repeat": args.repeat,
            "seed": args.seed,
            "ca_ncore": args.ca_ncore,
        },
        "sizes": [
            {
                **{k: v for k, v in r.items() if k not in ("markov_conversions", "markov_value")},
                "markov_conversions": table(r["markov_conversions"]),
                "markov_value": table(r["markov_value"]),
            }
            for r in results
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seeds", type=int, default=5, help="markov_model runs, seeds 1000 apart")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts")
    parser.add_argument("--seed", type=int, default=42, help="seed of the journey generator")
    parser.add_argument("--ca-ncore", type=int, default=2, help="markov_model's ncore")
    parser.add_argument(
        "--engine",
        default="duckdb",
        help="where Tandem's queries run: duckdb (default), local[2] (Spark), or any "
        "value TANDEM_ANALYTICS_URL takes",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if args.seeds < 2 or args.repeat < 1:
        parser.error("--seeds must be at least 2 and --repeat at least 1")

    info = machine()
    results = [run_size(n, args) for n in args.journeys]
    print_report(results, info, args)
    if args.json:
        args.json.write_text(json.dumps(to_json(results, info, args), indent=2) + "\n")
    ok = all(r["markov_ok"] and r["heuristics_ok"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
