"""``c.TrainlabApp.workspace_dir`` with ``{username}``: one workspace per JupyterHub user
(issue 17, helper A). The real hub test (tests/hub) proves it end to end; these pin the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets import TraitError

from trainlab.errors import TrainlabError
from trainlab.server.app import TrainlabApp, workspace_path


@pytest.fixture()
def workspace_dir(tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("JUPYTERHUB_USER", "carol")
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "not-this-one"))
    return str(tmp_path / "users" / "{username}" / "trainlab")


async def test_health_names_the_users_own_workspace(api, tmp_path):
    code, health = await api("GET", "health")
    assert code == 200
    assert health["workspace"] == str((tmp_path / "users" / "carol" / "trainlab").resolve())
    assert (tmp_path / "users" / "carol" / "trainlab" / "trainlab.db").is_file()


def test_the_username_comes_from_the_hub_else_the_os(monkeypatch, tmp_path):
    import getpass

    monkeypatch.setenv("JUPYTERHUB_USER", "dave")
    assert workspace_path(f"{tmp_path}/{{username}}/ws") == f"{tmp_path}/dave/ws"
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert workspace_path(f"{tmp_path}/{{username}}") == f"{tmp_path}/{getpass.getuser()}"
    assert workspace_path(f"{tmp_path}/{{{{literal}}}}") == f"{tmp_path}/{{literal}}"


def test_the_default_is_trainlab_home_else_the_users_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "th"))
    assert workspace_path("") == str(tmp_path / "th")
    monkeypatch.delenv("TRAINLAB_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "erin"))
    assert workspace_path("") == str(tmp_path / "home" / "erin" / ".local" / "share" / "trainlab")


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\b"])
def test_a_username_that_is_no_folder_name_is_refused(monkeypatch, name):
    monkeypatch.setenv("JUPYTERHUB_USER", name)
    with pytest.raises(TrainlabError) as caught:
        workspace_path("/data/{username}/trainlab")
    assert caught.value.code == "workspace_username" and repr(name) in str(caught.value)


@pytest.mark.parametrize("template", ["/data/{user}", "/data/{}", "/data/{username", "/d/{0}"])
def test_an_unknown_placeholder_is_refused_when_configured(template):
    with pytest.raises(TraitError, match="workspace_dir"):
        TrainlabApp(workspace_dir=template)


def test_activity_interval_is_positive():
    assert TrainlabApp(activity_interval=2).activity_interval == 2.0
    with pytest.raises(TraitError, match="activity_interval"):
        TrainlabApp(activity_interval=0)
