"""Typed errors. Each carries a stable ``code``, its parameters and an HTTP-like status.

Errors are raised once, here typed; the message is rendered in the caller's language
(:mod:`trainlab.i18n`) when it is shown, so the REST layer can answer in the language of
``Accept-Language`` while a notebook speaks the kernel's locale.
"""

from __future__ import annotations

from typing import Any

from trainlab import i18n


class TrainlabError(Exception):
    """Base of every error trainlab raises on purpose."""

    status = 400
    default_code = "invalid_argument"

    def __init__(
        self,
        code: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.default_code
        self.params = params
        self.details = details or {}
        if status is not None:
            self.status = status
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        return i18n.render(self.code, self.params, lang)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The JSON error body: ``{"error": {"code", "message", "details"}}``."""
        details = {**self.params, **self.details}
        return {"error": {"code": self.code, "message": self.message(lang), "details": details}}


class DatasetError(TrainlabError):
    """A dataset could not be read, stored or used as asked."""

    status = 422


class NotFoundError(TrainlabError):
    status = 404


class StoreError(TrainlabError):
    """The workspace's metadata store could not be used."""

    status = 500


STATUS_BY_CODE = {"too_large": 413, "dataset_not_found": 404,
                  "source_not_found": 404, "invalid_argument": 400, "store_busy": 503}


def dataset_error(code: str, **params: Any) -> DatasetError:
    """A :class:`DatasetError` with the status that fits ``code``."""
    return DatasetError(code, status=STATUS_BY_CODE.get(code), **params)
