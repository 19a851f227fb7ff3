"""Import follows the server's hidden-file rules: trainlab never reads what /api/contents would
not serve (issue 14, 2.5)."""

from __future__ import annotations

import pytest

CSV = b"a,b\n1,2\n3,4\n"
HIDDEN = [".env", ".secrets/keys.csv", "data/.cache/t.csv"]


def _plant(root) -> None:
    for rel in HIDDEN:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(CSV)
    (root / "data" / "ok.csv").write_bytes(CSV)


@pytest.mark.parametrize("rel", HIDDEN)
async def test_import_refuses_hidden_files_when_jupyter_hides_them(api, jp_root_dir, rel):
    _plant(jp_root_dir)
    code, body = await api("POST", "datasets/import", {"path": rel, "format": "csv"})
    assert code == 403, body
    assert body["error"]["code"] == "path_hidden"
    assert "allow_hidden" in body["error"]["message"]
    # nothing was kept
    code, page = await api("GET", "datasets")
    assert page["items"] == []
    # a visible file next to them still imports
    code, ds = await api("POST", "datasets/import", {"path": "data/ok.csv"})
    assert code == 201, ds


async def test_import_refuses_a_visible_link_to_a_hidden_file(api, jp_root_dir):
    _plant(jp_root_dir)
    (jp_root_dir / "env.csv").symlink_to(jp_root_dir / ".env")
    code, body = await api("POST", "datasets/import", {"path": "env.csv", "format": "csv"})
    assert code == 403, body
    assert body["error"]["code"] == "path_hidden"


class TestAllowHidden:
    @pytest.fixture()
    def jp_server_config(self, workspace_dir, trainlab_config):
        return {"ServerApp": {"jpserver_extensions": {"trainlab": True}},
                "ContentsManager": {"allow_hidden": True},
                "TrainlabApp": {"workspace_dir": str(workspace_dir), "validate_responses": True,
                                **trainlab_config}}

    async def test_import_reads_hidden_files_when_jupyter_serves_them(self, api, jp_root_dir,
                                                                      jp_serverapp):
        assert jp_serverapp.contents_manager.allow_hidden
        _plant(jp_root_dir)
        code, ds = await api("POST", "datasets/import", {"path": ".env", "format": "csv"})
        assert code == 201, ds
        assert ds["rows"] == 2
