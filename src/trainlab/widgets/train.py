"""The training panel: task and columns from the dataset, the check before Start, settings,
then training in the kernel (a background thread, so the notebook stays responsive and Stop
works at any time) or as a background job, with live progress, a loss chart and a log.

The training thread only sets widget values (throttled to a few updates a second); it never
prints or displays.
"""

from __future__ import annotations

import html
import threading
import time
import traceback
from typing import Any

import ipywidgets as w

from trainlab import i18n
from trainlab.datasets.tasks import task_names, task_spec
from trainlab.jobs.foreground import fit
from trainlab.training import Callback
from trainlab.widgets import render
from trainlab.widgets.snapshot import Snapshot
from trainlab.workspace import Workspace, resolve

UPDATE_EVERY_S = 0.25   # at most four widget updates a second from the training thread


class _Live(Callback):
    """Training events to widget values, from the training thread, throttled."""

    def __init__(self, panel: TrainPanel) -> None:
        self.panel = panel
        self.last_draw = 0.0

    def on_start(self, info: dict[str, Any]) -> None:
        p = self.panel
        p.job_id = info.get("job_id")
        p.main_metric = info.get("main_metric")
        p.progress.max = max(1, int(info.get("total_steps") or 1))
        p.log_line(f"{info.get('task')} on {info.get('device')}: {info.get('total_steps')} steps, "
                   f"{info.get('parameters', 0):,} parameters; job {p.job_id}")
        for note in info.get("notes") or []:
            p.log_line(str(note))

    def on_step(self, step: int, total_steps: int, epoch: int, loss: float, lr: float,
                samples_per_s: float, eta_s: float) -> None:
        p = self.panel
        p.series["train loss"].append((step, loss))
        p.state = {"step": step, "total": total_steps, "epoch": epoch, "rate": samples_per_s,
                   "eta": eta_s, "loss": loss}
        self.draw()

    def on_eval(self, metrics: dict[str, Any]) -> None:
        p = self.panel
        step = metrics.get("step", 0)
        if metrics.get("loss") is not None:
            p.series["val loss"].append((step, metrics["loss"]))
        main = p.main_metric
        if main and main != "loss" and metrics.get(main) is not None:
            p.series.setdefault(f"val {main}", []).append((step, metrics[main]))
        shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()
                          if isinstance(v, float) and k not in ("step", "epoch"))
        p.log_line(f"step {step}: {shown}")
        self.draw(force=True)

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_draw >= UPDATE_EVERY_S:
            self.last_draw = now
            self.panel.draw()


class TrainPanel(Snapshot, w.VBox):
    """Train on a dataset (``dataset=``: a Dataset, its id or None to pick one), or train your
    own ``model=`` (an ``nn.Module``) with ``train=``/``val=``/``loss=``/``metrics=`` as
    :func:`trainlab.fit` takes them. ``workspace`` defaults to the dataset's own, else the
    default workspace."""

    def __init__(self, dataset: Any = None, model: Any = None, *,
                 workspace: Workspace | str | None = None, lang: str | None = None,
                 train: Any = None, val: Any = None, loss: Any = None, metrics: Any = None,
                 **kwargs: Any) -> None:
        self.ws = resolve(workspace, dataset)
        self.lang = i18n.current_language(lang)
        self.model, self.custom = model, {"train": train, "val": val, "loss": loss,
                                          "metrics": metrics}
        self.dataset: Any = None
        self.result: Any = None
        self.job_id: str | None = None
        self.main_metric: str | None = None
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.series: dict[str, list[tuple[float, float]]] = {"train loss": [], "val loss": []}
        self.state: dict[str, Any] = {}
        self._log: list[str] = []
        self._check_ok = False
        lg = self.lang
        self.picker = w.Dropdown(description="dataset", layout=w.Layout(width="32em"))
        self.task = w.Dropdown(options=task_names(), description=i18n.render("task", lang=lg))
        self.roles = {role: w.Dropdown(description=role) for role in dict.fromkeys(
            r for name in task_names() for r in task_spec(name).roles if r != "features")}
        self.features = w.SelectMultiple(description="features", rows=4)
        self.check_view = w.HTML()
        self.epochs = w.BoundedIntText(0, min=0, max=100_000,
                                       description=i18n.render("epochs", lang=lg))
        self.batch_size = w.BoundedIntText(0, min=0, max=1_000_000,
                                           description=i18n.render("batch_size", lang=lg))
        self.lr = w.BoundedFloatText(0.0, min=0.0, max=10.0, step=1e-4,
                                     description=i18n.render("lr", lang=lg))
        self.val_fraction = w.FloatSlider(0.1, min=0.02, max=0.5, step=0.01,
                                          description=i18n.render("val_fraction", lang=lg))
        self.seed = w.IntText(0, description=i18n.render("seed", lang=lg))
        self.early_stopping = w.BoundedIntText(5, min=0, max=1000,
                                               description=i18n.render("early_stopping", lang=lg))
        self.precision = w.Dropdown(options=["auto", "fp32", "bf16", "fp16"],
                                    description=i18n.render("precision", lang=lg))
        self.device = w.Dropdown(options=self._devices(), description=i18n.render("device", lang=lg))
        for box in (self.epochs, self.batch_size, self.lr, self.val_fraction, self.seed,
                    self.early_stopping, self.precision, self.device, self.task,
                    *self.roles.values(), self.features):
            box.style = {"description_width": "12em"}
        self.start = w.Button(description=i18n.render("start", lang=lg), button_style="success",
                              icon="play", disabled=True)
        self.stop = w.Button(description=i18n.render("stop", lang=lg), button_style="warning",
                             icon="stop", disabled=True)
        self.background = w.Button(description=i18n.render("background", lang=lg), icon="server",
                                   disabled=True)
        self.progress = w.IntProgress(0, min=0, max=1, layout=w.Layout(width="32em"))
        self.status = w.HTML()
        self.chart = w.HTML()
        self.log_view = w.HTML()
        self.outcome = w.HTML()
        self.start.on_click(lambda _: self.train())
        self.stop.on_click(lambda _: self.request_stop())
        self.background.on_click(lambda _: self.submit())
        self.picker.observe(lambda c: self.set_dataset(c["new"]), names="value")
        self.task.observe(lambda _: self._task_changed(), names="value")
        for box in (*self.roles.values(), self.features):
            box.observe(lambda _: self.check(), names="value")
        settings = w.VBox([self.epochs, self.batch_size, self.lr, self.val_fraction, self.seed,
                           self.early_stopping, self.precision, self.device])
        self.mapping = w.VBox([self.picker, self.task, *self.roles.values(), self.features,
                               self.check_view])
        super().__init__([self.mapping, settings, w.HBox([self.start, self.stop, self.background]),
                          w.HBox([self.progress, self.status]), self.chart, self.log_view, self.outcome],
                         **kwargs)
        if model is not None:  # your own module: no dataset mapping, Start is ready
            self.mapping.layout.display = "none"
            self.background.layout.display = "none"
            self._check_ok = True
            self._buttons()
        else:
            options = [("", None)] + [(f"{d.name} ({d.id})", d.id)
                                      for d in self.ws.datasets.list(limit=500)]
            self.picker.options = options
            if dataset is not None:
                dataset_id = dataset if isinstance(dataset, str) else dataset.id
                if dataset_id not in {v for _, v in options}:
                    self.picker.options = [*options, (dataset_id, dataset_id)]
                self.picker.value = dataset_id

    # -- the dataset, its mapping and its check -------------------------------------------------
    def _devices(self) -> list[tuple[str, str]]:
        from trainlab.training.devices import devices

        found = [("auto", "auto")]
        for d in devices():
            if d["type"] == "cuda":
                found.append((f"{d['id']}: {d['name']}, {d['free_bytes'] / 2**30:.1f} GiB free",
                              d["id"]))
            else:
                found.append((d["name"], d["id"]))
        return found

    def set_dataset(self, dataset_id: str | None) -> None:
        from trainlab.training.columns import infer

        self.dataset = None
        self._check_ok = False
        self._buttons()
        if not dataset_id:
            return
        try:
            self.dataset = self.ws.datasets.get(dataset_id)
            columns = [("", None)] + [(c, c) for c in self.dataset.schema]
            for box in self.roles.values():
                box.options = columns
            self.features.options = list(self.dataset.schema)
            try:
                task, mapping = infer(self.dataset, None, {})
            except Exception:  # nothing named like a label: the last column, as in most CSVs
                task, mapping = "tabular", {"target": list(self.dataset.schema)[-1]}
            self._applying = True
            self.task.value = task
            for role, box in self.roles.items():
                box.value = mapping.get(role) if isinstance(mapping.get(role), str) else None
            self.features.value = tuple(mapping.get("features") or ())
            self._applying = False
            self._task_changed()
        except Exception as exc:
            self._applying = False
            self.check_view.value = render.error_html(exc, self.lang)

    def _task_changed(self) -> None:
        wanted = task_spec(self.task.value).roles
        for role, box in self.roles.items():
            box.layout.display = "" if role in wanted else "none"
        self.features.layout.display = "" if "features" in wanted else "none"
        self.check()

    def mapping_value(self) -> dict[str, Any]:
        wanted = task_spec(self.task.value).roles
        columns: dict[str, Any] = {role: box.value for role, box in self.roles.items()
                                   if role in wanted and box.value}
        if "features" in wanted and self.features.value:
            columns["features"] = [f for f in self.features.value if f != columns.get("target")]
        return columns

    def check(self) -> bool:
        """Check the dataset against the task and mapping; Start is enabled only when it passes."""
        if getattr(self, "_applying", False) or self.dataset is None:
            return False
        try:
            report = self.dataset.check(self.task.value, self.mapping_value())
        except Exception as exc:
            self._check_ok = False
            self.check_view.value = render.error_html(exc, self.lang)
        else:
            self._check_ok = bool(report.get("ok"))
            errors = report.get("errors", [])
            if self._check_ok:
                ready = i18n.render("ready", lang=self.lang)
                self.check_view.value = render.boxed(f"<span class='tl-ok'>✓ {ready}</span>"
                                                     f"{render.STYLE}", self.lang)
            else:
                rows = [[e.get("line") or "", e.get("field") or "", e["code"], e["message"]]
                        for e in errors[:20]]
                self.check_view.value = render.boxed(
                    render.table(["line", "field", "code", "message"], rows), self.lang)
        self._buttons()
        return self._check_ok

    def _buttons(self, running: bool | None = None) -> None:
        if running is None:
            running = self.thread is not None and self.thread.is_alive()
        self.start.disabled = running or not self._check_ok
        self.background.disabled = running or not self._check_ok or self.model is not None
        self.stop.disabled = not running

    # -- training ------------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"val_fraction": self.val_fraction.value, "seed": self.seed.value,
                                  "early_stopping": self.early_stopping.value or None,
                                  "precision": self.precision.value}
        if self.epochs.value:
            params["epochs"] = self.epochs.value
        if self.batch_size.value:
            params["batch_size"] = self.batch_size.value
        if self.lr.value:
            params["lr"] = self.lr.value
        return params

    def train(self, **extra: Any) -> threading.Thread | None:
        """Start training in the kernel, in a background thread (what Start does). ``extra``
        settings (``max_steps=``, ``log_every=`` ...) go to :func:`trainlab.fit` too."""
        if self.thread is not None and self.thread.is_alive():
            return self.thread
        if not (self._check_ok or self.check()):
            return None
        self.stop_event.clear()
        self.result = None
        self.series = {"train loss": [], "val loss": []}
        self._log, self.outcome.value, self.chart.value = [], "", ""
        self.progress.value = 0
        self.progress.bar_style = ""
        kwargs = {**self.params(), **extra, "device": self.device.value, "workspace": self.ws,
                  "callbacks": [_Live(self)], "stop": self.stop_event}
        if self.model is not None:
            kwargs.update(model=self.model, **{k: v for k, v in self.custom.items() if v is not None})
        else:
            kwargs.update(dataset=self.dataset, task=self.task.value, columns=self.mapping_value())
        self.thread = threading.Thread(target=self._run, args=(kwargs,), name="trainlab-train",
                                       daemon=True)
        self.thread.start()
        self._buttons()
        return self.thread

    def _run(self, kwargs: dict[str, Any]) -> None:
        try:
            self.result = fit(**kwargs)
        except Exception as exc:
            details = html.escape("".join(traceback.format_exception(exc))[-4000:])
            self.outcome.value = render.error_html(exc, self.lang) + (
                f"<details><summary>{i18n.render('details', lang=self.lang)}</summary>"
                f"<pre>{details}</pre></details>")
            self.progress.bar_style = "danger"
        else:
            self._finished(self.result)
        finally:
            self.draw()
            self._buttons(running=False)  # this thread is ending

    def _finished(self, result: Any) -> None:
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in (result.metrics or {}).items()
                            if isinstance(v, float))
        self.progress.bar_style = "success" if result.status == "completed" else "warning"
        snippet = f'model = trainlab.load_model("{result.job_id}")'
        self.outcome.value = render.boxed(
            f"<b>{html.escape(result.status)}</b> — {html.escape(metrics)}<br>"
            f"{i18n.render('saved', lang=self.lang)} "
            f"<code>{html.escape(str(result.model_path))}</code><br>"
            f"<pre style='user-select:all'>{html.escape(snippet, quote=False)}</pre>", self.lang)
        self.log_line(f"{result.status}: {metrics}")

    def request_stop(self) -> None:
        """Stop training: the run checkpoints at the next step and ends 'stopped'."""
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the training thread ends; its TrainResult (for scripts and tests)."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.result

    def submit(self) -> Any:
        """Queue the same training as a background job (what "Run in background" does)."""
        try:
            job = self.ws.jobs.submit(dataset_id=self.dataset.id, task=self.task.value,
                                      columns=self.mapping_value(), params=self.params(),
                                      device=self.device.value, warn=False)
        except Exception as exc:
            self.outcome.value = render.error_html(exc, self.lang)
            return None
        note = f"<br><i>{html.escape(job.note)}</i>" if job.note else ""
        submitted = i18n.render("submitted", lang=self.lang)
        self.outcome.value = render.boxed(f"{submitted} <code>{job.id}</code>{note}", self.lang)
        return job

    # -- what the training thread shows --------------------------------------------------------------
    def log_line(self, text: str) -> None:
        self._log = [*self._log[-199:], text]
        lines = "".join(f"<div>{html.escape(line)}</div>" for line in self._log)
        self.log_view.value = (f"<div dir='{i18n.direction(self.lang)}' style='max-height:10em;"
                               f"overflow:auto;font-family:monospace;font-size:11px'>{lines}</div>")

    def draw(self) -> None:
        s = self.state
        if s:
            self.progress.max = max(1, s["total"])
            self.progress.value = min(s["step"], s["total"])
            eta = f"{s['eta']:.0f} s" if s.get("eta") is not None else "?"
            self.status.value = (f"step {s['step']:,}/{s['total']:,} · epoch {s['epoch'] + 1} · "
                                 f"{s['rate']:,.0f} samples/s · ETA {eta} · loss {s['loss']:.4g}")
        self.chart.value = render.chart_svg(self.series)
