"""Multi-touch attribution: share each conversion among the channels that led to it.

The input is a list of :class:`~tandem.core.attribution.paths.Journey` values, one per
distinct path, as ChannelAttribution's path-aggregated files carry them. Every model
returns an :class:`~tandem.core.attribution.paths.Attribution` whose conversions add up
to the journeys' conversions (and whose values add up to their value, when known).

Only the standard library and numpy are used here, so the web app, the command line
and the background jobs can share the same maths.
"""

from tandem.core.attribution.heuristics import HEURISTIC_MODELS, attribute_heuristic
from tandem.core.attribution.markov import attribute_markov
from tandem.core.attribution.paths import (
    Attribution,
    AttributionError,
    Journey,
    collapse_repeats,
    journeys_from_rows,
    markov_states,
    parse_path,
)
from tandem.core.attribution.shapley import attribute_shapley, exact_shapley

MODELS = (*HEURISTIC_MODELS, "w_shaped", "full_path", "markov", "shapley")

__all__ = [
    "HEURISTIC_MODELS",
    "MODELS",
    "Attribution",
    "AttributionError",
    "Journey",
    "attribute",
    "attribute_heuristic",
    "attribute_markov",
    "attribute_shapley",
    "collapse_repeats",
    "exact_shapley",
    "journeys_from_rows",
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
            f"the {model} model needs event-level input with stage markers (lead "
            "creation, opportunity creation, close); path files do not carry them"
        )
    if model == "markov":
        return attribute_markov(journeys, order=order)
    if model == "shapley":
        return attribute_shapley(journeys)
    raise AttributionError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
