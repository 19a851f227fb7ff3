"""The endpoints of experiments (hyperparameter searches): list, create, get with trials, stop,
delete and the results table. The work is :class:`~trainlab.jobs.experiments.ExperimentStore`'s."""

from __future__ import annotations

from typing import Any

from trainlab import i18n
from trainlab.server import models as m
from trainlab.server import service
from trainlab.server.base import ApiHandler


def _get(ws: Any, experiment_id: str) -> dict[str, Any]:
    exp = ws.experiments.get(service.check_id(experiment_id, "exp", "experiment_not_found"))
    return service.json_value(exp.to_dict())


def _page(ws: Any, limit: int, cursor: str | None) -> dict[str, Any]:
    found = ws.experiments.list(limit=limit + 1, cursor=cursor)
    more = len(found) > limit
    found = found[:limit]
    return {"items": [service.json_value(e.to_dict()) for e in found],
            "next_cursor": found[-1].id if more else None}


def _create(ws: Any, body: m.ExperimentCreate, lang: str) -> dict[str, Any]:
    fields = body.model_dump()
    exp = ws.experiments.create(fields.pop("name"), fields.pop("dataset_id"), warn=False, **fields)
    if exp.note:  # no scheduler runs: say so in the caller's language
        exp.note = i18n.render("experiment_no_scheduler", {"id": exp.id, "path": str(ws.path)},
                               lang)
    return service.json_value(exp.to_dict())


def _stop(ws: Any, experiment_id: str) -> dict[str, Any]:
    exp = ws.experiments.stop(service.check_id(experiment_id, "exp", "experiment_not_found"))
    return service.json_value(exp.to_dict())


def _results(ws: Any, experiment_id: str) -> dict[str, Any]:
    exp = ws.experiments.get(service.check_id(experiment_id, "exp", "experiment_not_found"))
    return {"items": service.json_value(exp.results().to_dict("records"))}


async def list_experiments(h: ApiHandler) -> None:
    limit = service.page_limit(h.arg("limit"))
    cursor = service.cursor_param(h.arg("cursor"), "exp")
    h.reply(await h.run(_page, h.ws, limit, cursor))


async def create_experiment(h: ApiHandler) -> None:
    body = h.body_model(m.ExperimentCreate)
    h.reply(await h.run(_create, h.ws, body, h.lang))


async def get_experiment(h: ApiHandler, experiment_id: str) -> None:
    h.reply(await h.run(_get, h.ws, experiment_id))


async def stop_experiment(h: ApiHandler, experiment_id: str) -> None:
    h.reply(await h.run(_stop, h.ws, experiment_id))


async def delete_experiment(h: ApiHandler, experiment_id: str) -> None:
    jobs = service.choice_param("jobs", h.arg("jobs"), ("true", "false")) == "true"
    await h.run(h.ws.experiments.delete,
                service.check_id(experiment_id, "exp", "experiment_not_found"), jobs)
    h.reply({"id": experiment_id, "deleted": True})


async def experiment_results(h: ApiHandler, experiment_id: str) -> None:
    h.reply(await h.run(_results, h.ws, experiment_id))
