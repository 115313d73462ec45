"""Multi-touch attribution: share each conversion among the channels that led to it.

Two ways in, one set of definitions:

- :mod:`tandem.core.attribution.engine` runs every model on journeys held as Ibis
  tables, so the heavy part runs on DuckDB (the default), PySpark or another engine;
  the app, the command line and the benchmarks use it.
- :func:`attribute` runs the path-based models on a list of
  :class:`~tandem.core.attribution.paths.Journey` values in plain Python: the
  reference the engine is tested against, and handy for small inputs.

Every model returns an :class:`~tandem.core.attribution.paths.Attribution` whose
conversions add up to the journeys' conversions (and whose values add up to their
value, when known). Dense maths (the Markov chain's linear solve, Shapley values) is
NumPy on the small tables the engine returns.
"""

from tandem.core.attribution.heuristics import HEURISTIC_MODELS, attribute_heuristic
from tandem.core.attribution.markov import attribute_markov
from tandem.core.attribution.paths import (
    Attribution,
    AttributionError,
    Journey,
    collapse_repeats,
    markov_states,
    parse_path,
)
from tandem.core.attribution.shapley import (
    ChannelSet,
    attribute_shapley,
    attribute_shapley_sets,
    exact_shapley,
)

MODELS = (*HEURISTIC_MODELS, "w_shaped", "full_path", "markov", "shapley")

__all__ = [
    "HEURISTIC_MODELS",
    "MODELS",
    "Attribution",
    "AttributionError",
    "ChannelSet",
    "Journey",
    "attribute",
    "attribute_heuristic",
    "attribute_markov",
    "attribute_shapley",
    "attribute_shapley_sets",
    "collapse_repeats",
    "exact_shapley",
    "markov_states",
    "parse_path",
]


def attribute(
    journeys: list[Journey], *, model: str, order: int = 1, half_life: float = 1.0
) -> Attribution:
    """Run ``model`` (one of :data:`MODELS`) on ``journeys``.

    ``order`` is used by ``markov`` only, ``half_life`` by ``time_decay`` only.
    Raises :class:`AttributionError` for an unknown model or one the input cannot feed.
    """
    if model in HEURISTIC_MODELS:
        return attribute_heuristic(journeys, model=model, half_life=half_life)
    if model in ("w_shaped", "full_path"):
        # Both models give credit to the touches that created the lead and the
        # opportunity. A path file only lists channels, so any touch we picked as
        # "lead creation" would be a guess presented as a fact.
        raise AttributionError(
            f"the {model} model needs event-level input with stage markers (the "
            "touches that created the lead and the opportunity, and closed the deal): "
            "use tandem.core.attribution.engine; paths do not carry them"
        )
    if model == "markov":
        return attribute_markov(journeys, order=order)
    if model == "shapley":
        return attribute_shapley(journeys)
    raise AttributionError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
