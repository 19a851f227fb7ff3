"""``c.TrainlabApp.workspace_dir`` with ``{username}``: one workspace per JupyterHub user
(issue 17, helper A). The real hub test (tests/hub) proves it end to end; these pin the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets import TraitError

from trainlab.errors import TrainlabError
from trainlab.server.app import TrainlabApp
from trainlab.server.user_workspace import workspace_path


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


@pytest.mark.parametrize("name", [
    "", " alice", "alice ", "a\nb", "a\tb", "a\x7fb", "a\u202eb", "a\u200bb", "a\u2028b",
    "a\ud800b", "x" * 256, "é" * 128])
def test_a_name_the_hub_allows_but_no_safe_folder_name_is_refused(monkeypatch, name):
    """JupyterHub refuses only '/', empty and all-dot names and outer spaces: control and
    invisible formatting characters (a right-to-left override, a zero-width space), lone
    surrogates and names over 255 bytes reach the server and are refused here."""
    monkeypatch.setattr("trainlab.server.user_workspace.hub_username", lambda: name)
    with pytest.raises(TrainlabError) as caught:
        workspace_path("/data/{username}/trainlab")
    assert caught.value.code == "workspace_username"


@pytest.mark.parametrize("name", ["émilie", "عليرضا", "张伟", "alice@example.com", "x%2fy",
                                  "%2e%2e", "a b", "o'brien", "x" * 255])
def test_names_of_any_script_and_escaped_names_are_one_folder(monkeypatch, tmp_path, name):
    """Letters of any script, an e-mail, a URL-escaped name (taken literally: '%2e%2e' is a
    folder called that, not '..'), inner spaces: each is exactly one folder under the base."""
    monkeypatch.setenv("JUPYTERHUB_USER", name)
    got = Path(workspace_path(f"{tmp_path}/{{username}}/trainlab"))
    assert got.parent.name == name and got.parent.parent == tmp_path
    got.mkdir(parents=True)  # the file system takes it
    assert got.is_dir()


def test_without_a_hub_user_or_passwd_entry_the_error_names_the_template(monkeypatch):
    """An arbitrary uid (OpenShift) has no passwd entry: getpass.getuser() raises KeyError;
    the server says what is missing instead of a traceback."""
    import getpass

    def no_user() -> str:
        raise KeyError("getpwuid(): uid not found: 1000620000")

    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setattr(getpass, "getuser", no_user)
    with pytest.raises(TrainlabError) as caught:
        workspace_path("/data/{username}/trainlab")
    assert caught.value.code == "workspace_username" and "/data/{username}" in str(caught.value)


@pytest.mark.parametrize("template", ["/data/{username!r}", "/data/{username!s}",
                                      "/data/{username:>20}", "/data/{username:.3}"])
def test_a_converted_or_formatted_username_is_refused(template):
    with pytest.raises(TraitError, match=r"plain \{username\}"):
        TrainlabApp(workspace_dir=template)
