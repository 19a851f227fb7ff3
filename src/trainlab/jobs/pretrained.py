"""The check of a pretrained ``base_model`` before a job exists (issue 15).

``ws.jobs.submit`` (and so ``POST jobs``) and the foreground ``trainlab.fit`` call
:func:`check_base_model` before any job record is inserted: a base model on a task that trains
trainlab's own model, or one that cannot be found here (offline and not cached, a folder without
``config.json``), is refused at once, and no job is created.
"""

from __future__ import annotations

from typing import Any

# The tasks a pretrained Hugging Face model can be fine-tuned for (training.hf.run.TASKS, named
# here too so the panel can tell without importing torch).
TEXT_TASKS = ("text-classification", "causal-lm")


def check_base_model(base_model: Any, task: str | None) -> Any:
    """Whether ``base_model`` can be used for ``task`` (None: not known yet), before any job is
    created: None when no base model is asked for; else the model's
    :class:`~trainlab.training.hf.hub.ModelRef`, or None for a Hub id that is not cached but
    can be downloaded. Raises ``hf_task_unsupported`` (a ConfigError, 400; ``ws.jobs.submit``
    answers it 422) for a task that is not a text task, and ``ModelNotAvailable``
    (``model_not_available``, 422) when the model is neither a folder here nor in the local
    Hugging Face cache and cannot be downloaded (``HF_HUB_OFFLINE``, no network, an unknown id)."""
    if base_model is None:
        return None
    if task is not None and task not in TEXT_TASKS:
        from trainlab.training.hf.run import refuse_task

        refuse_task(task)
    from trainlab.training.hf.hub import check_model

    return check_model(base_model)
