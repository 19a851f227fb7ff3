"""The workspace: one directory holding trainlab's metadata database and files.

```
<workspace>/trainlab.db          SQLite (WAL): datasets, jobs and their metrics
<workspace>/datasets/<id>/...    each stored file with its report and profile
<workspace>/jobs/<id>/...        job files
<workspace>/tmp/                 partial uploads and writes, renamed into place when complete
```

:class:`Workspace` is also the front door to the services built on it (``ws.datasets``,
``ws.jobs``);
those are imported when first used, so this package itself depends on nothing above it.
"""

from __future__ import annotations

import os
import sqlite3
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlab.errors import StoreError
from trainlab.workspace.files import sweep_stale
from trainlab.workspace.ids import is_valid_id, new_id
from trainlab.workspace.store import SCHEMA_VERSION, Store

if TYPE_CHECKING:
    from trainlab.datasets import DatasetStore
    from trainlab.jobs import ExperimentStore, JobStore

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024**3

__all__ = ["SCHEMA_VERSION", "Store", "Workspace", "default_path", "is_valid_id", "new_id",
           "resolve"]


def default_path() -> Path:
    """``$TRAINLAB_HOME`` if set, else ``~/.local/share/trainlab``."""
    env = os.environ.get("TRAINLAB_HOME")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "trainlab"


class Workspace:
    """A trainlab workspace; created with its layout on first use.

    >>> ws = Workspace("/tmp/my-workspace")        # doctest: +SKIP
    >>> ds = ws.datasets.add("reviews.csv")         # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.path = self.path.resolve()
        self.max_upload_bytes = int(max_upload_bytes)
        try:
            for sub in ("datasets", "jobs", "tmp"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
            self.store = Store(self.path / "trainlab.db")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError("workspace_unusable", path=str(self.path),
                             detail=getattr(exc, "strerror", None) or str(exc)) from exc
        sweep_stale(self.tmp_dir)

    @property
    def tmp_dir(self) -> Path:
        return self.path / "tmp"

    @property
    def datasets_dir(self) -> Path:
        return self.path / "datasets"

    @property
    def jobs_dir(self) -> Path:
        return self.path / "jobs"

    @cached_property
    def datasets(self) -> DatasetStore:
        """The datasets in this workspace (:class:`trainlab.datasets.DatasetStore`)."""
        from trainlab.datasets import DatasetStore

        return DatasetStore(self)

    @cached_property
    def jobs(self) -> JobStore:
        """The training jobs in this workspace (:class:`trainlab.jobs.JobStore`)."""
        from trainlab.jobs import JobStore

        return JobStore(self)

    @cached_property
    def experiments(self) -> ExperimentStore:
        """The hyperparameter searches in this workspace
        (:class:`trainlab.jobs.experiments.ExperimentStore`)."""
        from trainlab.jobs import ExperimentStore

        return ExperimentStore(self)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"


def resolve(workspace: Workspace | str | os.PathLike[str] | None = None,
            dataset: Any = None) -> Workspace:
    """The workspace to work in: ``workspace`` itself, or the one at that path; else the one
    ``dataset`` is stored in (a :class:`~trainlab.datasets.Dataset`; a dataset id, a file path
    or ``None`` say nothing); else the default one (:func:`default_path`)."""
    if isinstance(workspace, Workspace):
        return workspace
    if workspace is not None:
        return Workspace(workspace)
    home = getattr(dataset, "workspace", None)
    return home if isinstance(home, Workspace) else Workspace()
