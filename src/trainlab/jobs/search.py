"""The search space of an experiment: its value types, their checks, and Optuna's side of it.

A space maps a parameter name (a :class:`~trainlab.training.config.TrainConfig` field, or
``arch.<key>`` for an architecture setting) to a list of choices or a range::

    {"lr": trainlab.loguniform(1e-4, 1e-2), "batch_size": [16, 32],
     "arch.layers": trainlab.intrange(1, 4)}

In JSON (REST) the same space reads ``{"lr": {"loguniform": [1e-4, 1e-2]}, "batch_size": [16,
32], "arch.layers": {"int": [1, 4]}}``. Optuna is imported only by the functions that need it.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, fields
from typing import Any

from trainlab.errors import TrainlabError

STRATEGIES = ("tpe", "random", "grid")
PRUNERS = ("median", "percentile", "hyperband", "none")


class ExperimentError(TrainlabError):
    """An experiment's settings cannot run (raised before any job is created)."""

    status = 422


def shown(value: Any) -> str:
    """A space value as a user wrote it in JSON (a range in its JSON form), cut to 80
    characters; Python's repr only for what JSON cannot write."""
    if isinstance(value, Uniform | IntRange):
        value = value.to_json()
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text[:80]


def _number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from [low, high]."""

    low: float
    high: float

    def corners(self) -> list[Any]:
        """Low, high and the middle."""
        return [self.low, self.high, (self.low + self.high) / 2]

    def to_json(self) -> dict[str, Any]:
        """``{"uniform": [low, high]}``."""
        return {"uniform": [self.low, self.high]}


@dataclass(frozen=True)
class LogUniform(Uniform):
    """A float drawn uniformly on a log scale from [low, high] (both > 0)."""

    def corners(self) -> list[Any]:
        """Low, high and the geometric middle."""
        return [self.low, self.high, math.sqrt(self.low * self.high)]

    def to_json(self) -> dict[str, Any]:
        """``{"loguniform": [low, high]}``."""
        return {"loguniform": [self.low, self.high]}


@dataclass(frozen=True)
class IntRange:
    """A whole number from low to high (both included), in steps of ``step``; ``log``: drawn on a
    log scale."""

    low: int
    high: int
    step: int = 1
    log: bool = False

    def corners(self) -> list[Any]:
        """Low, high and a point of the range near its middle."""
        return [self.low, self.high, self.low + (self.high - self.low) // self.step // 2 * self.step]

    def to_json(self) -> dict[str, Any]:
        """``{"int": [low, high]}``, with ``step`` and ``log`` where not the defaults."""
        if self.step == 1 and not self.log:
            return {"int": [self.low, self.high]}
        return {"int": [self.low, self.high], "step": self.step, "log": self.log}


def uniform(low: float, high: float) -> Uniform:
    """A search range: floats uniformly between ``low`` and ``high``."""
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """A search range: floats between ``low`` and ``high`` (both > 0), uniform on a log scale
    (learning rates, weight decay)."""
    return LogUniform(low, high)


def intrange(low: int, high: int, step: int = 1, log: bool = False) -> IntRange:
    """A search range: whole numbers from ``low`` to ``high`` included, every ``step``; with
    ``log`` drawn on a log scale (widths)."""
    return IntRange(low, high, step, log)


Value = Uniform | IntRange | list[Any]


def parse_space(space: Any, strategy: str = "tpe") -> dict[str, Value]:
    """The space with every value checked and in its Python form (JSON forms accepted); the
    first problem as an :class:`ExperimentError` naming the parameter and how to fix it."""
    if not isinstance(space, dict) or not space:
        raise ExperimentError("experiment_space_empty")
    out: dict[str, Value] = {}
    for name, value in space.items():
        if not isinstance(name, str) or not name:
            raise ExperimentError("experiment_param_unknown", name=str(name)[:60], hint="",
                                  known="a TrainConfig field or arch.<key>")
        value = _from_json(name, value)
        if strategy == "grid" and not isinstance(value, list):
            raise ExperimentError("experiment_grid_lists", name=name)
        _check_value(name, value)
        out[name] = value
    return out


def _from_json(name: str, value: Any) -> Value:
    if isinstance(value, Uniform | IntRange):
        return value
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict) and value:
        kind = next(iter(value))
        bounds = value[kind]
        if isinstance(bounds, list | tuple) and len(bounds) == 2:
            if kind == "uniform" and len(value) == 1:
                return Uniform(*bounds)
            if kind == "loguniform" and len(value) == 1:
                return LogUniform(*bounds)
            if kind == "int" and set(value) - {"int"} <= {"step", "log"}:  # each optional
                return IntRange(bounds[0], bounds[1], value.get("step", 1), value.get("log", False))
    raise ExperimentError("experiment_value_kind", name=name, value=shown(value))


def _check_value(name: str, value: Value) -> None:
    def bad(why: str) -> ExperimentError:  # the reason: a message of its own, same language
        return ExperimentError("experiment_range_invalid", name=name, value=shown(value),
                               why={"code": f"experiment_why_{why}", "params": {}})

    if isinstance(value, list):
        if not value:
            raise ExperimentError("experiment_choices_empty", name=name)
        seen: set[str] = set()
        for choice in value:  # what Optuna can store: plain values, each once
            if not (choice is None or isinstance(choice, str | bool | int) or _number(choice)):
                raise ExperimentError("experiment_value_kind", name=name, value=shown(choice))
            if shown(choice) in seen:
                raise ExperimentError("experiment_choices_twice", name=name, value=shown(choice))
            seen.add(shown(choice))
        return
    if isinstance(value, IntRange):
        if not all(isinstance(v, int) and not isinstance(v, bool)
                   for v in (value.low, value.high, value.step)):
            raise bad("whole")
        if value.step < 1 or not isinstance(value.log, bool):
            raise bad("step")
        if not (_number(value.low) and _number(value.high)):
            raise bad("finite")
        if value.log and value.step != 1:
            raise bad("log_step")
    elif not (_number(value.low) and _number(value.high)):
        raise bad("finite")
    if value.low >= value.high:
        raise bad("order")
    if (isinstance(value, LogUniform) or getattr(value, "log", False)) and value.low <= 0:
        raise bad("log_low")


def unknown_name(name: str, known: list[str]) -> ExperimentError:
    """``experiment_param_unknown`` for a name of the space, with the closest known name."""
    close = difflib.get_close_matches(name, known, n=1)
    listed = ", ".join(k for k in known if k != "arch.") + ", arch.<key>"
    hint = {"code": "experiment_hint_close", "params": {"close": close[0]}} if close else ""
    return ExperimentError("experiment_param_unknown", name=name[:60], hint=hint, known=listed)


def check_names(space: dict[str, Value], params: dict[str, Any]) -> None:
    """Every name is a TrainConfig field (not ``device``) or ``arch.<key>``, none is both
    searched and fixed in ``params``, and no float range is given to a whole-number field
    (``experiment_range_not_int``: use :func:`intrange`)."""
    from trainlab.training.config import TrainConfig

    types = {f.name: str(f.type) for f in fields(TrainConfig) if f.name not in ("device", "arch")}
    known = list(types)
    for name, value in space.items():
        if name.startswith("arch.") and len(name) > 5:
            continue
        if name not in known:
            raise unknown_name(name, [*known, "arch."])
        if isinstance(value, Uniform) and types[name].split(" | ")[0] == "int":
            not_int(name, value)
    if "arch" in params and not isinstance(params["arch"], dict):
        raise ExperimentError("experiment_params_arch")
    fixed_arch = params.get("arch") or {}
    for name in space:
        if name in params or (name.startswith("arch.") and name[5:] in fixed_arch):
            raise ExperimentError("experiment_param_twice", name=name)


def not_int(name: str, value: Uniform) -> None:
    """Refuse a float range on a whole-number parameter, saying to use :func:`intrange`."""
    low, high = math.ceil(value.low), math.floor(value.high)
    raise ExperimentError("experiment_range_not_int", name=name, value=shown(value),
                          low=low, high=max(high, low + 1))


def corners(space: dict[str, Value]) -> list[dict[str, Any]]:
    """Points that exercise every bound and every choice: all lows, all highs, all ranges at
    their middle, then each choice of each list with the others at their first value (enough
    to find a value out of range)."""
    first = {k: (v[0] if isinstance(v, list) else v.corners()[0]) for k, v in space.items()}
    points = [first, {k: (v[-1] if isinstance(v, list) else v.corners()[1])
                      for k, v in space.items()}]
    if any(not isinstance(v, list) for v in space.values()):
        points.append({k: (v[0] if isinstance(v, list) else v.corners()[2])
                       for k, v in space.items()})
    for name, value in space.items():
        if isinstance(value, list):
            points += [{**first, name: choice} for choice in value[1:-1]]
    return points


def apply(params: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the point's values set (``arch.<key>`` inside ``arch``)."""
    out = {k: (dict(v) if k == "arch" else v) for k, v in params.items()}
    for name, value in point.items():
        if name.startswith("arch."):
            out.setdefault("arch", {})[name[5:]] = value
        else:
            out[name] = value
    return out


def space_json(space: dict[str, Value]) -> dict[str, Any]:
    """The space in its JSON form (what the store keeps and REST shows)."""
    return {k: (list(v) if isinstance(v, list) else v.to_json()) for k, v in space.items()}


# -- Optuna's side ---------------------------------------------------------------------------
def distributions(space: dict[str, Value]) -> dict[str, Any]:
    """The space as Optuna distributions (a list is a categorical one)."""
    from optuna import distributions as d

    out: dict[str, Any] = {}
    for name, value in space.items():
        if isinstance(value, list):
            out[name] = d.CategoricalDistribution(value)
        elif isinstance(value, IntRange):
            out[name] = d.IntDistribution(value.low, value.high, log=value.log, step=value.step)
        else:
            out[name] = d.FloatDistribution(value.low, value.high,
                                            log=isinstance(value, LogUniform))
    return out


def sampler(strategy: str, seed: int) -> Any:
    """The Optuna sampler for ``strategy`` (``seed``: varied per ask by the caller, so that a
    sampler made afresh on every scheduler turn does not propose the same point again). The
    grid's points are enqueued in order (:func:`grid_points`); its sampler only records them."""
    import optuna

    if strategy == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)
    return optuna.samplers.RandomSampler(seed=seed)


def grid_points(space: dict[str, Value]) -> list[dict[str, Any]]:
    """Every combination of the lists, in order (the first parameter's first choice first).
    Enqueued one per trial, so concurrent trials never repeat a point."""
    import itertools

    names = list(space)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(space[n] for n in names))]  # type: ignore[misc]


def pruner(name: str) -> Any:
    """The Optuna pruner: ``median`` stops a trial whose value at a step is worse than the median
    of earlier trials at that step (after 2 finished trials and 1 evaluation)."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if name == "percentile":
        return optuna.pruners.PercentilePruner(25.0, n_startup_trials=2)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner()
    return optuna.pruners.NopPruner()


def study(folder: Any, name: str, direction: str, strategy: str, seed: int,
          space: dict[str, Value], pruner_name: str, trials_so_far: int) -> Any:
    """The experiment's Optuna study, in ``folder/optuna.journal`` (file-locked: several
    processes may open it), created on first use."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(folder / "optuna.journal")))
    return optuna.create_study(storage=storage, study_name=name, direction=direction,
                               sampler=sampler(strategy, seed + trials_so_far),
                               pruner=pruner(pruner_name), load_if_exists=True)
