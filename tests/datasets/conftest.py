from __future__ import annotations

import pytest

from trainlab.datasets import native


@pytest.fixture(params=[True, False], ids=["native", "python"])
def paths(request, monkeypatch) -> bool:
    """The native scanner on (where it is loaded) or off: a test using it runs both ways."""
    if request.param and not native.AVAILABLE:
        pytest.skip("no native scanner here")
    monkeypatch.setattr(native, "AVAILABLE", request.param)
    return request.param
