"""The training panel: task and columns from the dataset, the check before Start, settings,
then training in the kernel (a background thread, so the notebook stays responsive and Stop
works at any time) or as a background job, with live progress, charts, a log and, at the end,
how the run ended and a table of its evaluations.

The form is :mod:`trainlab.widgets.form`'s, what a run shows :mod:`trainlab.widgets.live`'s and
the charts :mod:`trainlab.widgets.chart`'s. The training thread only sets widget values
(throttled to a few updates a second); it never prints or displays.
"""

from __future__ import annotations

import html
import threading
import traceback
from typing import Any

import ipywidgets as w

from trainlab import display, i18n
from trainlab.datasets.tasks import task_names, task_spec
from trainlab.display import Markup
from trainlab.jobs.foreground import fit
from trainlab.training.config import task_default
from trainlab.widgets import base_model, form, live, processes
from trainlab.widgets.chart import training_charts
from trainlab.widgets.snapshot import Snapshot
from trainlab.workspace import Workspace, resolve

RTL = "<style>.tl-rtl .widget-label, .tl-rtl .widget-hbox, .tl-rtl .widget-vbox {direction: rtl}</style>"


_Live = live.Progress  # training events to widget values (trainlab.widgets.live)


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
        self.lang = lg = i18n.current_language(lang)
        self.model, self.custom = model, {"train": train, "val": val, "loss": loss,
                                          "metrics": metrics}
        self.dataset: Any = None
        self.result: Any = None
        self.job_id: str | None = None
        self.main_metric: str | None = None
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.series: dict[str, list[tuple[float, float]]] = {"train": [], "val": [], "metric": []}
        self.history: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}
        self.total = 0
        self._check_ok = False
        self._applying = False
        self._stopping = False
        self.picker = w.Dropdown(description=display.word("tp_dataset", lg))
        self.task = w.Dropdown(options=form.task_options(task_names(), lg),
                               description=display.word("tp_task", lg))
        self._task_before = self.task.value
        self._followed: dict[str, Any] = {}  # the task defaults the settings were last given
        self.roles = {role: w.Dropdown(description=form.role_name(role, lg)) for role in dict.fromkeys(
            r for name in task_names() for r in task_spec(name).roles if r != "features")}
        self.features = w.SelectMultiple(description=form.role_name("features", lg), rows=5)
        self.check_view = w.HTML()
        self.epochs = form.auto_number("tp_epochs", lg)
        self.batch_size = form.auto_number("tp_batch_size", lg)
        self.lr = form.auto_number("tp_lr", lg)
        self.val_fraction = w.FloatSlider(task_default(self.task.value, "val_fraction"),
                                          min=0.02, max=0.5, step=0.01,
                                          description=display.word("tp_val_fraction", lg))
        self.seed = w.IntText(0, description=display.word("tp_seed", lg))
        self.early_stopping = w.BoundedIntText(task_default(self.task.value, "early_stopping"),
                                               min=0, max=1000,
                                               description=display.word("tp_early_stopping", lg),
                                               tooltip=display.word("tp_early_stopping_tip", lg))
        self.precision = w.Dropdown(options=[(display.word("tp_auto", lg), "auto")] + [
            (p, p) for p in ("fp32", "bf16", "fp16")], description=display.word("tp_precision", lg))
        self.device = w.Dropdown(options=form.devices(lg), description=display.word("tp_device", lg))
        self.devices = processes.devices_box(lg)  # devices=N (issue 20)
        self.base_model = base_model.BaseModelField(lg)  # text tasks: a pretrained model (issue 15)
        form.styled(self.picker, self.task, *self.roles.values(), self.features, self.epochs,
                    self.batch_size, self.lr, self.val_fraction, self.seed, self.early_stopping,
                    self.precision, self.device, self.devices)
        self.start, self.stop, self.background = form.buttons(lg)
        self.progress = w.IntProgress(0, min=0, max=1, layout=w.Layout(width="24em"))
        self.status = w.HTML()
        self.log_scale = w.Checkbox(False, description=display.word("tp_log_scale", lg), indent=False)
        self.chart = w.HTML()
        self.table = w.HTML()
        self.log_view = live.LogView(direction=i18n.direction(lg))
        self.outcome = w.HTML()
        self.start.on_click(lambda _: self.train())
        self.stop.on_click(lambda _: self.request_stop())
        self.background.on_click(lambda _: self.submit())
        self.picker.observe(lambda c: self.set_dataset(c["new"]), names="value")
        self.task.observe(lambda _: self._task_changed(), names="value")
        self.log_scale.observe(lambda _: self.draw_chart(), names="value")
        for box in (*self.roles.values(), self.features):
            box.observe(lambda _: self.check(), names="value")
        self.mapping = w.VBox([form.group("tp_data", lg), self.picker, self.task,
                               *self.roles.values(), self.features, self.check_view])
        advanced = w.Accordion([w.VBox([self.val_fraction, self.early_stopping, self.seed,
                                        self.base_model.advanced])],
                               titles=(display.word("tp_advanced", lg),), selected_index=None)
        settings = w.VBox([form.group("tp_model", lg), self.base_model.row, self.device, self.devices,
                           self.precision, form.group("tp_training", lg), self.epochs,
                           self.batch_size, self.lr, advanced])
        super().__init__([w.HTML(form.STYLE + (RTL if lg == "fa" else "")), self.mapping, settings,
                          w.HBox([self.start, self.stop, self.background]),
                          w.HBox([self.progress, self.status]), self.log_scale, self.chart,
                          self.table, self.log_view, self.outcome], **kwargs)
        self.add_class("tl-train")
        if lg == "fa":
            self.add_class("tl-rtl")
        self.log_scale.layout.display = "none"
        if model is not None:  # your own module: no dataset mapping, Start is ready
            self.mapping.layout.display = "none"
            self.background.layout.display = "none"
            self._check_ok = True
            self._buttons()
        else:
            options = [("", None), *form.dataset_options(self.ws.datasets.list(limit=500), lg)]
            self.picker.options = options
            if dataset is not None:
                dataset_id = dataset if isinstance(dataset, str) else dataset.id
                if dataset_id not in {v for _, v in options}:
                    self.picker.options = [*options, (dataset_id, dataset_id)]
                self.picker.value = dataset_id

    # -- the dataset, its mapping and its check -------------------------------------------------
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
            try:
                task, mapping = infer(self.dataset, None, {})
            except Exception:  # nothing named like a label: the last column, as in most CSVs
                task, mapping = "tabular", {"target": list(self.dataset.schema)[-1]}
            self._applying = True
            for box in self.roles.values():
                box.options = columns
            self.features.options = list(self.dataset.schema)
            self.task.value = self._task_before = task
            for role, box in self.roles.items():
                box.value = mapping.get(role) if isinstance(mapping.get(role), str) else None
            self.features.value = tuple(mapping.get("features") or ())
            self._applying = False
            self._task_changed()
        except Exception as exc:
            self._applying = False
            self.check_view.value = form.exception_html(exc, self.lang)

    def _task_changed(self) -> None:
        """Show the new task's roles, keeping the columns the user chose where they still fit
        (label ⇄ target, text → text; the features stay)."""
        if self._applying:
            return
        wanted = task_spec(self.task.value).roles
        if self.dataset is not None and self.task.value != self._task_before:
            values = {role: box.value for role, box in self.roles.items()}
            self._applying = True
            for role, column in form.carry_over(values, wanted).items():
                self.roles[role].value = column
            if "features" in wanted and not self.features.value and self.roles["target"].value:
                from trainlab.training.tasks.tabular import default_features

                self._feature_options()
                self.features.value = tuple(default_features(self.dataset.schema,
                                                             self.roles["target"].value))
            self._applying = False
        self._task_before = self.task.value
        for role, box in self.roles.items():
            box.layout.display = "" if role in wanted else "none"
        self.features.layout.display = "" if "features" in wanted else "none"
        self.base_model.show(self.task.value)
        form.follow_task_defaults({"val_fraction": self.val_fraction, "early_stopping":
                                   self.early_stopping}, self._followed, self.task.value)
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
        if self._applying or self.dataset is None:
            return False
        self._feature_options()
        try:
            report = self.dataset.check(self.task.value, self.mapping_value())
        except Exception as exc:
            self._check_ok = False
            self.check_view.value = form.exception_html(exc, self.lang)
        else:
            self._check_ok = bool(report.get("ok"))
            if self._check_ok:
                ready = display.esc(display.word("ready", self.lang))
                self.check_view.value = (f'<div dir="{i18n.direction(self.lang)}" style="color:'
                                         f'{display.OK}">✓ {ready}</div>')
            else:
                self.check_view.value = form.report_html(report, self.lang)
        self._buttons()
        return self._check_ok

    def _feature_options(self) -> None:
        """The Features list offers every column but the chosen target or label; the user's
        other choices stay."""
        wanted = task_spec(self.task.value).roles
        taken = {box.value for role, box in self.roles.items()
                 if role in wanted and role in ("target", "label") and box.value}
        options = [column for column in self.dataset.schema if column not in taken]
        if options != list(self.features.options):
            kept = tuple(c for c in self.features.value if c in options)
            applying, self._applying = self._applying, True
            self.features.options, self.features.value = options, kept
            self._applying = applying

    def _buttons(self, running: bool | None = None) -> None:
        if running is None:
            running = self.thread is not None and self.thread.is_alive()
        self.start.disabled = running or not self._check_ok
        self.background.disabled = running or not self._check_ok or self.model is not None
        self.stop.disabled = not running
        self.stop.button_style = "warning" if running else ""  # no warning colour while disabled

    # -- training ------------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The settings; empty number boxes are left to trainlab's defaults ("auto")."""
        params: dict[str, Any] = {"val_fraction": self.val_fraction.value, "seed": self.seed.value,
                                  "early_stopping": self.early_stopping.value or None,
                                  "precision": self.precision.value, **self.base_model.params()}
        for key, box, kind in (("epochs", self.epochs, int), ("batch_size", self.batch_size, int),
                               ("lr", self.lr, float)):
            value = form.read_number(box, kind, self.lang)
            if value is not None:
                params[key] = value
        return params

    def _clean(self) -> None:
        """A new run starts from nothing: no old status, bar, log, chart, table or outcome."""
        self.result, self.job_id, self.state, self.total = None, None, {}, 0
        self.series = {"train": [], "val": [], "metric": []}
        self.history = []
        self._stopping = False
        self.log_view.clear()
        self.outcome.value = self.chart.value = self.table.value = ""
        self.log_scale.layout.display = "none"
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.status.value = live.phase("tp_preparing", self.lang)

    def train(self, **extra: Any) -> threading.Thread | None:
        """Start training in the kernel, in a background thread (what Start does). ``extra``
        settings (``max_steps=``, ``log_every=`` ...) go to :func:`trainlab.fit` too."""
        if self.thread is not None and self.thread.is_alive():
            return self.thread
        if not (self._check_ok or self.check()):
            return None
        try:
            params = self.params()
        except Exception as exc:
            self.outcome.value = form.exception_html(exc, self.lang)
            return None
        self.stop_event.clear()
        self._clean()
        self.log_line(Markup(display.esc(display.word("tp_log_preparing", self.lang))))
        kwargs = {**params, **extra, "device": self.device.value, "workspace": self.ws,
                  "callbacks": [_Live(self)], "stop": self.stop_event, "name": self.run_name(),
                  **processes.devices_kwargs(self.devices)}
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
            self.outcome.value = form.exception_html(exc, self.lang) + (
                f"<details><summary>{display.esc(display.word('details', self.lang))}</summary>"
                f'<pre dir="ltr">{details}</pre></details>')
            self.progress.bar_style = "danger"
            self.status.value = f"<b>{display.esc(display.word('status_failed', self.lang))}</b>"
        else:
            self._finished(self.result)
        finally:
            self._buttons(running=False)  # this thread is ending

    def _finished(self, result: Any) -> None:
        lg, total = self.lang, self.total or result.steps
        ended = result.status == "completed"  # early stopping included: the run is done
        self.progress.max = max(1, total)
        self.progress.value = self.progress.max if ended else min(result.steps, self.progress.max)
        self.progress.bar_style = "success" if ended else "warning"
        self.history = list(result.history) or self.history
        self.draw_chart()
        self.status.value = live.ended_status(result, total, lg)
        self.table.value = live.evaluations_table(self.history, result.train_history,
                                                  live.result_main(result), lg)
        self.outcome.value = (f'<div class="tl-outcome" dir="{i18n.direction(lg)}">'
                              f"{live.outcome(result, total, lg)}</div>")
        self.log_line(live.end_line(result, total, lg))

    def request_stop(self) -> None:
        """Stop training: the run checkpoints at the next step and ends 'stopped'."""
        self.stop_event.set()
        if self.thread is not None and self.thread.is_alive() and not self._stopping:
            self._stopping = True
            self.status.value = live.phase("tp_stopping", self.lang)
            self.log_line(Markup(display.esc(display.word("tp_log_stop", self.lang))))

    def close(self) -> None:
        """Closing the panel (or ``ui()``) stops its run: the run checkpoints and ends
        'stopped', and its thread ends before the widgets close."""
        self.request_stop()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(30)
        super().close()

    def run_name(self) -> str:
        """The job's name in the panel's language: the task (its short name, without the
        option's "(auto: …)" note) and the dataset."""
        task = i18n.term("task", "custom" if self.model is not None else self.task.value, self.lang)
        task = task.split(" (")[0]
        if self.model is not None:
            return task
        return display.word("tp_run_name", self.lang, task=task,
                         dataset=getattr(self.dataset, "name", "-"))

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the training thread ends; its TrainResult (for scripts and tests)."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.result

    def submit(self) -> Any:
        """Queue the same training as a background job (what "Run in background" does)."""
        try:
            job = self.ws.jobs.submit(dataset_id=self.dataset.id, task=self.task.value,
                                      name=self.run_name(),
                                      columns=self.mapping_value(), params=self.params(),
                                      device=self.device.value, devices=self.devices.value, warn=False)
        except Exception as exc:
            self.outcome.value = form.exception_html(exc, self.lang)
            return None
        note = f"<br>{live.note(job.note, self.lang)}" if job.note else ""
        submitted = display.esc(display.word("submitted", self.lang))
        self.outcome.value = (f'<div dir="{i18n.direction(self.lang)}">{submitted} '
                              f"{display.code(job.id)}{note}</div>")
        return job

    # -- what the training thread shows --------------------------------------------------------------
    def log_line(self, line: str) -> None:
        """Append a line (HTML) to the log; the browser keeps the newest in view."""
        self.log_view.append(str(line))

    def draw(self) -> None:
        s = self.state
        if s:
            self.progress.max = max(1, s["total"])
            self.progress.value = min(s["step"], s["total"])
            if self.progress.bar_style == "info":
                self.progress.bar_style = ""
            if not self._stopping:
                self.status.value = live.status_line(s, self.lang)
        self.draw_chart()

    def draw_chart(self) -> None:
        lg, main = self.lang, self.main_metric
        names = {key: display.word(f"tp_{word}", lg) for key, word in (
            ("train", "train_loss"), ("smoothed", "train_loss_ema"), ("val", "val_loss"),
            ("loss", "chart_loss"), ("step", "chart_step"))}
        names["metric"] = i18n.term("metric", main or "", lg)
        self.chart.value = training_charts(self.series, names, metric=main,
                                           log=self.log_scale.value)
        self.log_scale.layout.display = "" if self.chart.value else "none"
