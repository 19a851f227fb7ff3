"""Jobs: persistent records of training runs, background workers, a scheduler, stop, resume
and recovery. No Jupyter imports: the server extension owns a :class:`Scheduler`, a kernel
records its ``trainlab.fit`` runs here, and both see the same jobs."""

from __future__ import annotations

from typing import Any

from trainlab.jobs.records import Job

__all__ = ["ExperimentStore", "Job", "JobSpec", "JobStore", "Scheduler", "fit"]


def __getattr__(name: str) -> Any:  # these pull in more (torch); load on use: a Ray relay
    if name == "JobStore":  # or controller imports this package and stays torch-free
        from trainlab.jobs.service import JobStore

        return JobStore
    if name == "Scheduler":
        from trainlab.jobs.scheduler import Scheduler

        return Scheduler
    if name == "JobSpec":
        from trainlab.jobs.spec import JobSpec

        return JobSpec
    if name == "ExperimentStore":
        from trainlab.jobs.experiments import ExperimentStore

        return ExperimentStore
    if name == "fit":
        from trainlab.jobs.foreground import fit

        return fit
    raise AttributeError(name)
