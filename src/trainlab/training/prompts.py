"""The prompts of a causal-lm predict request (``POST jobs/{id}/predict``): a record is a text,
or an object holding the model's own prompt (or text) column, with the literal keys ``prompt``
and ``text`` accepted as aliases."""

from __future__ import annotations

from typing import Any

from trainlab.errors import TrainlabError


def prompt_fields(columns: dict[str, Any]) -> list[str]:
    """The record fields a prompt is read from, in order: the model's prompt column (its text
    column for a model trained on plain text), then the alias ``prompt`` or ``text``."""
    role = "prompt" if "prompt" in columns else "text"
    own = columns.get(role)
    return [own, role] if isinstance(own, str) and own != role else [role]


def prompts_from_records(columns: dict[str, Any], records: list[Any]) -> list[str]:
    """One prompt per record. A record that is neither a text nor an object with one of
    :func:`prompt_fields` is ``missing_features`` (422); a prompt that is not a text is
    ``wrong_value_type`` (422)."""
    fields = prompt_fields(columns)
    out = []
    for index, record in enumerate(records):
        if isinstance(record, str):
            out.append(record)
            continue
        field = next((f for f in fields if isinstance(record, dict) and f in record), None)
        if field is None:
            raise TrainlabError("missing_features", index=index, fields=fields[0],
                                expected=" or ".join(fields), status=422)
        value = record[field]
        if not isinstance(value, str):
            raise TrainlabError("wrong_value_type", index=index, field=field,
                                value=repr(value)[:40], expected="a_text", status=422)
        out.append(value)
    return out
