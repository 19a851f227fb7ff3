"""Where a ``base_model`` comes from: a local folder, or a Hub id found in the local Hugging Face
cache (``HF_HOME`` / ``HF_HUB_CACHE``), downloaded only when the Hub is reachable and
``HF_HUB_OFFLINE`` is not set.

The environment is read on every call (not once at import, as ``huggingface_hub.constants``
does), so a kernel that sets ``HF_HOME`` or ``HF_HUB_OFFLINE`` after importing trainlab is
honoured.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError

# What a model folder needs for ``from_pretrained``: its config; the rest is the model's business.
CONFIG = "config.json"
# Files a download fetches: weights in safetensors (never pickle), config, tokenizer, generation.
DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "tokenizer*"]
_TRUE = {"1", "true", "yes", "on"}


class ModelNotAvailable(TrainlabError):
    """``base_model`` names no usable model here (with where it was looked for)."""

    status = 422
    default_code = "model_not_available"


@dataclass(frozen=True)
class ModelRef:
    """A resolved ``base_model``: ``path`` is the folder ``from_pretrained`` reads; ``repo_id``
    is the Hub id when it came from the cache (None for a folder)."""

    name: str
    path: Path
    repo_id: str | None = None
    revision: str | None = None


def hf_home() -> Path:
    """The Hugging Face home folder: ``$HF_HOME``, else ``~/.cache/huggingface``."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
    return Path(home).expanduser()


def hub_cache() -> Path:
    """The Hub cache folder: ``$HF_HUB_CACHE``, else ``$HF_HOME/hub``."""
    cache = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(cache).expanduser() if cache else hf_home() / "hub"


def offline() -> bool:
    """Whether downloads are off: ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set."""
    return any(os.environ.get(name, "").strip().lower() in _TRUE
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _looks_like_path(name: str) -> bool:
    return (name.startswith((".", "/", "~")) or os.sep in name.strip("/").replace("/", "", 1)
            or (os.altsep is not None and os.altsep in name))


def network_errors() -> tuple[type[BaseException], ...]:
    """The exception classes a Hub call raises when it cannot get an answer: huggingface_hub's
    own HTTP errors, OSError, ValueError, and the HTTP client's (``httpx2`` or ``httpx``,
    whichever is installed) transport and status errors, caught by type."""
    from huggingface_hub.errors import HfHubHTTPError

    found: list[type[BaseException]] = [HfHubHTTPError, OSError, ValueError]
    for module in ("httpx2", "httpx"):
        try:
            client = __import__(module)
        except ImportError:
            continue
        for name in ("HTTPError",):
            cls = getattr(client, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                found.append(cls)
    return tuple(found)


def endpoint() -> str | None:
    """``$HF_ENDPOINT`` read now (huggingface_hub reads it once, at import)."""
    return os.environ.get("HF_ENDPOINT") or None


def _split_revision(name: str) -> tuple[str, str | None]:
    repo, _, revision = name.partition("@")
    return repo, (revision or None)


def has_weights(path: Path) -> bool:
    """Whether a model folder holds weights trainlab loads: ``*.safetensors`` files. Pickled
    weights (``pytorch_model.bin``, ``*.pt``) are never loaded (``torch.load`` of a pickle)."""
    return any(Path(path).glob("*.safetensors"))


def _check_weights(name: str, path: Path) -> None:
    if not has_weights(path):
        raise ModelNotAvailable(name=name, looked=str(path), reason="model_no_weights")


def _folder(name: str) -> ModelRef | None:
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / CONFIG).is_file():
            raise ModelNotAvailable(name=name, looked=str(path.resolve()),
                                    reason="model_no_config")
        _check_weights(name, path.resolve())
        return ModelRef(name, path.resolve())
    if _looks_like_path(name):
        raise ModelNotAvailable(name=name, looked=str(path.expanduser().absolute()),
                                reason="model_no_folder")
    return None


def find_model(name: str) -> ModelRef | None:
    """``name`` as a folder or from the Hub cache, without touching the network; None when it
    is a Hub id with no cached copy. Raises :class:`ModelNotAvailable` for a folder that does
    not exist or holds no ``config.json``, and for a name that is not a valid Hub id."""
    if not isinstance(name, str) or not name.strip():
        raise ModelNotAvailable(name=repr(name), looked="-", reason="model_bad_name")
    name = name.strip()
    ref = _folder(name)
    if ref is not None:
        return ref
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    repo_id, revision = _split_revision(name)
    try:
        path = snapshot_download(repo_id, revision=revision, cache_dir=hub_cache(),
                                 local_files_only=True)
    except HFValidationError:
        raise ModelNotAvailable(name=name, looked=str(hub_cache()), reason="model_bad_name") \
            from None
    except (LocalEntryNotFoundError, FileNotFoundError):
        return None
    if not (Path(path) / CONFIG).is_file():
        return None
    _check_weights(name, Path(path))
    return ModelRef(name, Path(path), repo_id, revision)


def check_model(name: str) -> ModelRef | None:
    """Whether ``base_model`` can be used, before any job is created: a folder or a cached
    copy with ``config.json`` and safetensors weights gives its :class:`ModelRef`; an
    uncached Hub id gives None when a download is possible (not offline, the Hub answers for
    that id and lists safetensors weights), else :class:`ModelNotAvailable` with the id,
    where it was looked for and why (``reason``)."""
    ref = find_model(name)
    if ref is not None:
        return ref
    if offline():
        raise ModelNotAvailable(name=name, looked=str(hub_cache()), reason="model_offline")
    from huggingface_hub import HfApi

    repo_id, revision = _split_revision(name.strip())
    try:
        info = HfApi(endpoint=endpoint()).model_info(repo_id, revision=revision, timeout=10)
    except network_errors():
        # no network, an unknown id, or a gated one: nothing we can download now
        raise ModelNotAvailable(name=name, looked=str(hub_cache()),
                                reason="model_unreachable") from None
    files = [s.rfilename for s in (info.siblings or [])]
    if files and not any(f.endswith(".safetensors") for f in files):
        raise ModelNotAvailable(name=name, looked=f"{repo_id} on the Hub",
                                reason="model_no_weights")
    return None


def resolve_model(name: str) -> ModelRef:
    """The folder to load ``base_model`` from: a local folder, the cached copy of a Hub id, or
    (when online and allowed) a fresh download into the Hub cache (safetensors weights, config
    and tokenizer files only)."""
    ref = check_model(name)
    if ref is not None:
        return ref
    from huggingface_hub import snapshot_download

    repo_id, revision = _split_revision(name.strip())
    try:
        path = snapshot_download(repo_id, revision=revision, cache_dir=hub_cache(),
                                 allow_patterns=DOWNLOAD_PATTERNS, endpoint=endpoint())
    except network_errors():
        raise ModelNotAvailable(name=name, looked=str(hub_cache()),
                                reason="model_unreachable") from None
    _check_weights(name, Path(path))
    return ModelRef(name, Path(path), repo_id, revision)


def cached_models() -> list[dict[str, Any]]:
    """The models in the local Hub cache that ``from_pretrained`` can load (a ``config.json``
    in a snapshot), newest first: id, revision, path, size in bytes, model type and
    architectures from the config. For the panel's "Base model" list; never touches the
    network."""
    cache = hub_cache()
    if not cache.is_dir():
        return []
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(cache)
    except CacheNotFound:
        return []
    found = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True):
            config = Path(revision.snapshot_path) / CONFIG
            if not config.is_file():
                continue
            try:
                data = json.loads(config.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found.append({"id": repo.repo_id, "revision": revision.commit_hash,
                          "path": str(revision.snapshot_path), "size": revision.size_on_disk,
                          "model_type": data.get("model_type"),
                          "architectures": data.get("architectures") or [],
                          "modified": revision.last_modified})
            break  # the newest usable revision of each repo
    found.sort(key=lambda m: m["modified"], reverse=True)
    return found
