"""trainlab: train PyTorch models on your own data, from Jupyter.

>>> import trainlab
>>> ws = trainlab.Workspace()                       # doctest: +SKIP
>>> ds = ws.datasets.add("data.csv")                # doctest: +SKIP
"""

from __future__ import annotations

from trainlab.errors import DatasetError, NotFoundError, TrainlabError
from trainlab.workspace import Workspace

__version__ = "0.1.0"
__all__ = ["DatasetError", "NotFoundError", "TrainlabError", "Workspace", "__version__"]
