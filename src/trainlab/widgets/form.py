"""The training panel's form (issue 18): grouped as Data · Model · Training · Advanced (the last
collapsed), numbers with an "auto" placeholder (empty means the default), buttons that fit
their labels in both languages, a disabled Stop that looks disabled, theme colours only.

Also what the form says when the mapping does not fit: the check's errors worded for the form
("choose the target column"), chosen by error code, never Python advice.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trainlab import display, i18n
from trainlab.display import Markup, esc, ltr, sentence, word
from trainlab.errors import TrainlabError
from trainlab.widgets.labels import isolated

LABEL_WIDTH = "11em"
STYLE = f"""<style>
.tl-train {{ color: {display.FG}; }}
.tl-train .tl-group {{ font-weight: 600; margin: 8px 0 2px; padding-bottom: 2px;
  border-bottom: 1px solid {display.BORDER}; color: {display.FG}; }}
.tl-train .widget-button {{ width: auto; min-width: 7em; padding: 0 14px; white-space: nowrap; }}
.tl-train .widget-button i.fa {{ margin-inline-end: 0.5em; }}
.tl-train .widget-button:disabled {{ opacity: 0.55; }}
.tl-train .tl-outcome {{ border: 1px solid {display.BORDER}; border-radius: 4px; padding: 6px 10px;
  margin: 4px 0; }}
</style>"""


def group(key: str, lang: str) -> w.HTML:
    return w.HTML(f'<div class="tl-group" dir="{_dir(lang)}">{esc(word(key, lang))}</div>')


def _dir(lang: str) -> str:
    from trainlab.i18n import direction

    return direction(lang)


def styled(*boxes: w.Widget) -> None:
    for box in boxes:
        box.style = {"description_width": LABEL_WIDTH}
        box.layout = w.Layout(width="30em")


def auto_number(key: str, lang: str) -> w.Text:
    """A number box whose empty value means "auto" (the placeholder says so)."""
    return w.Text("", placeholder=word("tp_auto", lang), description=word(key, lang),
                  continuous_update=False)


def read_number(box: w.Text, kind: type, lang: str) -> Any:
    """The box's number, None when empty; a clear form error when it is not a number."""
    text = box.value.strip().replace("٫", ".")
    if not text:
        return None
    try:
        value = kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise TrainlabError("tp_not_a_number", name=box.description, value=text) from None
    return value


def buttons(lang: str) -> tuple[w.Button, w.Button, w.Button]:
    start = w.Button(description=word("start", lang), button_style="success", icon="play",
                     disabled=True)
    stop = w.Button(description=word("stop", lang), icon="stop", disabled=True)
    background = w.Button(description=word("background", lang), icon="server", disabled=True)
    for button in (start, stop, background):
        button.layout = w.Layout(width="auto", min_width="8em")
    return start, stop, background


def dataset_options(datasets: list[Any], lang: str = "en") -> list[tuple[str, str]]:
    """(name, id) per dataset; a name that repeats gets a number ("sales.csv (2)"): an id
    would be Latin noise in a Persian list (the Datasets tab shows ids)."""
    seen: dict[str, int] = {}
    options = []
    for d in datasets:
        seen[d.name] = seen.get(d.name, 0) + 1
        name = d.name if seen[d.name] == 1 else f"{d.name} ({seen[d.name]})"
        options.append((isolated(name, lang), d.id))
    return options


def devices(lang: str) -> list[tuple[str, str]]:
    """The device choices: auto, then each GPU with its free memory, then the CPU."""
    from trainlab.training.devices import devices as found

    options = [(word("tp_auto", lang), "auto")]
    for d in found():
        label = f"{d['id']}: {d['name']}, {d['free_bytes'] / 2**30:.1f} GiB" \
            if d["type"] == "cuda" else d["name"]
        options.append((label, d["id"]))
    return options


def task_options(names: tuple[str, ...], lang: str) -> list[tuple[str, str]]:
    """The tasks as (translated label, name): the value stays the English name."""
    return [(i18n.term("task", name, lang), name) for name in names]


# -- keeping the user's choices across tasks (issue 18, item 5) --------------------------------
SAME_ROLE = {"label": ("target",), "target": ("label",), "text": ("text",),
             "prompt": ("prompt", "text"), "completion": ("completion",)}


def carry_over(values: dict[str, Any], wanted: tuple[str, ...]) -> dict[str, Any]:
    """For a new task's roles (``wanted``), the columns the user chose for the same role or its
    twin in the old task (label ⇄ target, text → text). Only empty roles are filled."""
    filled = {}
    for role in wanted:
        if values.get(role):
            continue
        for twin in SAME_ROLE.get(role, ()):
            if values.get(twin):
                filled[role] = values[twin]
                break
    return filled


# -- form-worded errors (issue 18, item 5) ------------------------------------------------------
def role_name(role: str, lang: str) -> str:
    return word(f"tp_role_{role}", lang) if role in ("target", "label", "text", "prompt",
                                                    "completion", "features") else role


def form_error(code: str, params: dict[str, Any], lang: str) -> Markup | None:
    """The check's error ``code`` as the form says it; None for codes the form has no words
    for (the error's own message is shown)."""
    role = role_name(str(params.get("key", "")), lang)
    if code in ("missing_mapping", "no_columns"):
        if params.get("key") == "features":
            return sentence("form_no_features", lang)
        return sentence(f"form_{code}", lang, role=role)
    if code == "column_not_found":
        return sentence("form_column_not_found", lang, role=role, column=ltr(params.get("column")))
    if code == "wrong_column_type":
        expected = display.word("show_column", lang) if not params.get("expected") else \
            _term(str(params["expected"]), lang)
        return sentence("form_wrong_column_type", lang, role=role, column=ltr(params.get("column")),
                      type=i18n.term("type", params.get("type"), lang),
                      task=i18n.term("task", str(params.get("task")), lang), expected=expected)
    if code in ("too_few_classes", "missing_value", "empty_text", "not_numeric"):
        shown = {k: ltr(v) for k, v in params.items() if k in ("column", "count", "value")}
        if "task" in params:
            shown["task"] = i18n.term("task", str(params["task"]), lang)
        return sentence(f"form_{code}", lang, **shown)
    if code == "model_not_available":  # issue 15: names and paths as data, the reason in words
        why = {"var": ltr("HF_HUB_OFFLINE"), "file": ltr("config.json")}
        reason = sentence(f"hf_why_{params.get('reason')}", lang, **why) \
            if f"hf_why_{params.get('reason')}" in i18n.WORDS else ltr(params.get("reason"))
        return sentence("form_model_not_available", lang, name=ltr(params.get("name")),
                        looked=ltr(params.get("looked")), reason=reason)
    return None


def _term(key: str, lang: str) -> str:
    from trainlab.i18n import TERMS

    return TERMS[key].get(lang, TERMS[key]["en"]) if key in TERMS else key


def exception_html(exc: BaseException, lang: str) -> Markup:
    """An error raised by the check, in the form's words when it has them."""
    text = None
    if isinstance(exc, TrainlabError):
        text = form_error(exc.code, dict(exc.params or {}), lang)
        if text is None:
            text = display.isolate(exc.message(lang))
    else:
        text = display.isolate(f"{type(exc).__name__}: {exc}")
    return Markup(f'<div class="tl-bad" dir="{_dir(lang)}" style="color:{display.ERROR}"><b>✗</b> {text}'
                  "</div>")


def report_html(report: dict[str, Any], lang: str) -> Markup:
    """A failed check's problems: the column ones in the form's words, row ones by line."""
    from trainlab.i18n import localize_report

    for e in report.get("errors", []):
        params = e.get("params") or {}
        if isinstance(params.get("task"), str):  # a task's name in the panel's language
            e["params"] = {**params, "task": i18n.term("task", params["task"], lang)}
    localize_report(report, lang)
    rows = []
    for e in report.get("errors", [])[:20]:
        text = form_error(e["code"], e.get("params") or {}, lang) or display.isolate(e["message"])
        rows.append([ltr(e.get("line") or ""), ltr(e.get("column") or ""), display.code(e["code"]),
                     text])
    if not rows and report.get("dataset_rows_invalid"):
        rows.append(["", "", display.code("invalid_rows"),
                     display.isolate(word("show_invalid_rows", lang))
                     + Markup(f" {ltr(report['dataset_rows_invalid'])}")])
    header = [word(k, lang) for k in ("line", "field", "code", "message")]
    return Markup(f'<div dir="{_dir(lang)}">{display.table(header, rows)}</div>')


def follow_task_defaults(boxes: dict[str, Any], followed: dict[str, Any], task: str) -> None:
    """Give each setting's box the task's default (``val_fraction``: tables 0.2, text 0.1),
    unless the user moved it away from the default it was last given (kept in ``followed``)."""
    from trainlab.training.config import task_default

    for name, box in boxes.items():
        if followed.get(name, box.value) == box.value:
            box.value = followed[name] = task_default(task, name)
