"""The task registry: each training task's name and the roles its columns play.

Pure data, read by every layer that lists tasks: the dataset check (which mapping keys a
task needs), the job spec (which task names are valid), the training panel (the task list
and the column pickers each task shows), and training, which builds each task under its
name (:func:`trainlab.training.tasks.get_task`). It lives here, below training, because the
dataset check needs it and datasets never import training.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainlab.errors import dataset_error


@dataclass(frozen=True)
class TaskSpec:
    """A task as a dataset sees it.

    ``roles`` are the mapping keys the task reads, in the order the panel shows them
    (``features`` is a list of columns, every other role one column). ``needs`` are the
    roles a mapping must name: the first set of which the mapping names any role, else the
    last set (``causal-lm`` takes ``prompt`` + ``completion``, or ``text``).
    """

    name: str
    roles: tuple[str, ...]
    needs: tuple[tuple[str, ...], ...]

    def needed(self, columns: dict[str, object]) -> tuple[str, ...]:
        """The roles ``columns`` must name for this task."""
        return next((keys for keys in self.needs if any(k in columns for k in keys)),
                    self.needs[-1])


TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    """Add (or replace) a task under ``spec.name``; every reader of the registry sees it."""
    TASKS[spec.name] = spec
    return spec


def task_names() -> tuple[str, ...]:
    return tuple(TASKS)


def task_spec(name: str) -> TaskSpec:
    """The registered task ``name``; an unknown name is a :class:`DatasetError`."""
    spec = TASKS.get(name)
    if spec is None:
        raise dataset_error("unknown_task", task=name, tasks=", ".join(TASKS))
    return spec


for _name in ("tabular", "tabular-classification", "tabular-regression"):  # "tabular" is
    register(TaskSpec(_name, ("target", "features"), (("target",),)))  # resolved by its target
register(TaskSpec("text-classification", ("text", "label"), (("text", "label"),)))
register(TaskSpec("causal-lm", ("text", "prompt", "completion"), (("prompt", "completion"), ("text",))))
