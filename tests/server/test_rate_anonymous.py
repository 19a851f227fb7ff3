"""The write rate limit on a server without authentication (token and password empty): each
request is then a new anonymous user, so the bucket is the client's address, and the map of
buckets does not grow by one per request."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def jp_server_config(workspace_dir: Path) -> dict:
    return {"ServerApp": {"jpserver_extensions": {"trainlab": True}, "token": "",
                          "password": "", "disable_check_xsrf": True},
            "IdentityProvider": {"token": ""},
            "TrainlabApp": {"workspace_dir": str(workspace_dir), "validate_responses": True,
                            "run_scheduler": False, "prewarm_worker": False,
                            "write_rate_per_minute": 1, "write_burst": 2}}


async def test_without_auth_the_bucket_is_the_clients_address(api, app, jp_serverapp) -> None:
    assert not jp_serverapp.identity_provider.auth_enabled
    codes = [(await api("DELETE", "jobs/job_00000000000000000000000000"))[0] for _ in range(4)]
    assert codes == [404, 404, 429, 429]  # burst 2, then the same bucket is empty
    assert len(app.rate_limiter) == 1  # one client, one bucket (not one per request)
