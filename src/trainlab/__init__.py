"""trainlab: train PyTorch models on your own data, from Jupyter.

>>> import trainlab
>>> ws = trainlab.Workspace()                       # doctest: +SKIP
>>> ds = ws.datasets.add("data.csv")                # doctest: +SKIP
>>> result = trainlab.fit(ds, columns={"target": "price"})   # doctest: +SKIP
>>> trainlab.load_model(result.job_id).predict({"rooms": 3})  # doctest: +SKIP
"""

from __future__ import annotations

from trainlab.errors import DatasetError, NotFoundError, TrainlabError
from trainlab.version import __version__
from trainlab.workspace import Workspace

__all__ = ["DatasetError", "NotFoundError", "TrainlabError", "Workspace", "__version__",
           "evaluate", "fit", "intrange", "load_model", "loguniform", "ui", "uniform"]

_LAZY = {"load_model", "TrainResult", "Callback"}  # from trainlab.training, on first use


def _jupyter_server_extension_points() -> list[dict]:
    """The ``trainlab`` Jupyter server extension (REST API and job scheduler); enabled on
    install by ``etc/jupyter/jupyter_server_config.d/trainlab.json``."""
    from trainlab.server.app import TrainlabApp

    return [{"module": "trainlab.server", "app": TrainlabApp}]


def _jupyter_labextension_paths() -> list[dict]:
    """The prebuilt JupyterLab sidebar (``labextension/`` built into ``trainlab/labextension``),
    for ``jupyter labextension develop``; a wheel installs it as shared data."""
    return [{"src": "labextension", "dest": "trainlab"}]


def __getattr__(name: str):  # torch is imported on first use, not by `import trainlab`
    if name == "fit":  # trainlab.fit records each run as a job (runner='foreground')
        from trainlab.jobs.foreground import fit

        return fit
    if name == "evaluate":  # scores a job's model on held-out data and records it on the job
        from trainlab.jobs.evaluations import evaluate

        return evaluate
    if name == "widgets":  # trainlab.widgets.TrainPanel(...) without importing it first
        import importlib

        return importlib.import_module("trainlab.widgets")
    if name == "ui":  # the notebook panels (ipywidgets)
        from trainlab.widgets import ui

        return ui
    if name in ("loguniform", "uniform", "intrange"):  # experiment search ranges (issue 19)
        from trainlab.jobs import search

        return getattr(search, name)
    if name in _LAZY:
        from trainlab import training

        return getattr(training, name)
    raise AttributeError(f"module 'trainlab' has no attribute {name!r}")
