"""Upload from the browser in acknowledged chunks, for real dataset sizes.

ipywidgets' ``FileUpload`` sends the whole file in one websocket message and fails silently
above about 10 MB (ipywidgets issue 2522). :class:`ChunkedUpload` reads the file in the
browser a slice at a time (1 MiB) and sends the next slice only when the kernel has written
the last one, so memory stays flat on both sides whatever the size. The kernel side
(:class:`Receiver`) checks every offset, hashes as it writes, checks the announced size (and
the browser's sha256 when it sends one) at the end, then moves the file into the workspace as
a dataset. A broken or abandoned upload leaves nothing behind.

The protocol, as custom widget messages::

    browser -> kernel  {"type": "begin", "name", "size"}
    kernel  -> browser {"type": "ack", "offset": 0}            or {"type": "error", "message"}
    browser -> kernel  {"type": "chunk", "offset"} + one binary buffer
    kernel  -> browser {"type": "ack", "offset": new offset}   or {"type": "error", ...}
    browser -> kernel  {"type": "end", "sha256": hex or null}
    kernel  -> browser {"type": "done", "dataset": {...}}      or {"type": "error", ...}
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.workspace import Workspace, new_id

CHUNK_BYTES = 1024 * 1024


class Receiver:
    """The kernel's half of a chunked upload; no widget code, so it is tested directly."""

    def __init__(self, ws: Workspace, on_done: Callable[[Any], None] | None = None,
                 lang: str | None = None) -> None:
        self.ws, self.on_done, self.lang = ws, on_done, lang
        self.path: Path | None = None
        self.handle: Any = None
        self.name = ""
        self.size = 0
        self.offset = 0
        self.digest = hashlib.sha256()

    def handle_message(self, content: dict[str, Any], buffers: list[Any]) -> dict[str, Any]:
        """One message from the browser; the answer to send back."""
        try:
            kind = content.get("type")
            if kind == "begin":
                return self._begin(str(content.get("name") or "upload"), int(content["size"]))
            if kind == "chunk":
                return self._chunk(int(content["offset"]), bytes(buffers[0]) if buffers else b"")
            if kind == "end":
                return self._end(content.get("sha256"))
            if kind == "cancel":
                self.abort()
                return {"type": "cancelled"}
            raise TrainlabError("bad_request", detail=f"unknown message {kind!r}")
        except TrainlabError as exc:
            self.abort()
            return {"type": "error", "code": exc.code, "message": exc.message(self.lang)}
        except (KeyError, TypeError, ValueError, OSError) as exc:
            self.abort()
            return {"type": "error", "code": "bad_request", "message": str(exc)}

    def _begin(self, name: str, size: int) -> dict[str, Any]:
        from trainlab.datasets.formats import choose_format
        from trainlab.errors import dataset_error

        self.abort()
        name = os.path.basename(name.replace("\\", "/")) or "upload"
        choose_format(name, None)  # an unsupported type is refused before a byte is sent
        if size > self.ws.max_upload_bytes:
            raise dataset_error("too_large", name=name, limit=self.ws.max_upload_bytes, size=size)
        self.name, self.size, self.offset = name, size, 0
        self.digest = hashlib.sha256()
        self.path = self.ws.tmp_dir / f"{new_id('up')}-{name}"
        self.handle = open(self.path, "wb")
        return {"type": "ack", "offset": 0}

    def _chunk(self, offset: int, data: bytes) -> dict[str, Any]:
        if self.handle is None:
            raise TrainlabError("bad_request", detail="a chunk before 'begin'")
        if offset != self.offset:
            raise TrainlabError("bad_request", detail=f"chunk at {offset}, expected {self.offset}")
        if self.offset + len(data) > self.size:
            raise TrainlabError("upload_size_mismatch", id=self.name, expected=self.size,
                                detail=f"more than {self.size} bytes arrived")
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)
        return {"type": "ack", "offset": self.offset}

    def _end(self, sha256: str | None) -> dict[str, Any]:
        if self.handle is None or self.path is None:
            raise TrainlabError("bad_request", detail="'end' before 'begin'")
        if self.offset != self.size:
            raise TrainlabError("upload_size_mismatch", id=self.name, expected=self.size,
                                detail=f"{self.offset} bytes arrived")
        actual = self.digest.hexdigest()
        if sha256 and sha256 != actual:
            raise TrainlabError("upload_checksum_mismatch", id=self.name, expected=sha256,
                                actual=actual)
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        self.handle = None
        path, self.path = self.path, None
        dataset = self.ws.datasets.adopt(path, self.name, sha256=actual)
        if self.on_done is not None:
            self.on_done(dataset)
        return {"type": "done", "dataset": dataset.to_dict()}

    def abort(self) -> None:
        """Drop a partial upload (its file included)."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


_ESM = r"""
function human(n) {
  const u = ["B", "KB", "MB", "GB", "TB"]; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n.toFixed(0)) + " " + u[i];
}
async function sha256(file) {
  // The browser's digest needs the whole file in memory: only for files up to 256 MB.
  if (!crypto.subtle || file.size > 256 * 1024 * 1024) return null;
  const hash = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, "0")).join("");
}
function render({ model, el }) {
  el.classList.add("trainlab-upload");
  el.dir = model.get("direction");
  const input = document.createElement("input");
  input.type = "file";
  input.accept = ".jsonl,.json,.csv,.ndjson,.tsv,.parquet";
  const bar = document.createElement("progress");
  bar.max = 1; bar.value = 0; bar.style.width = "16em"; bar.style.display = "none";
  const text = document.createElement("span");
  text.style.marginInlineStart = "0.5em";
  el.append(input, bar, text);
  // what the kernel says about the last upload ("✓ name: valid, 1,000 rows", in the panel's
  // language); cleared by the kernel when another dataset is picked
  const said = () => { text.textContent = model.get("status_text"); };
  model.on("change:status_text", said);
  said();
  let waiting = null;
  model.on("msg:custom", (msg) => { if (waiting) { const w = waiting; waiting = null; w(msg); } });
  const ask = (content, buffers) => new Promise((resolve) => {
    waiting = resolve; model.send(content, undefined, buffers || []);
  });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    input.disabled = true; bar.style.display = ""; bar.value = 0;
    const chunk = model.get("chunk_bytes");
    const fail = (m) => { text.textContent = m.message; input.disabled = false; input.value = ""; };
    let reply = await ask({ type: "begin", name: file.name, size: file.size });
    if (reply.type !== "ack") return fail(reply);
    while (reply.offset < file.size) {
      const part = await file.slice(reply.offset, reply.offset + chunk).arrayBuffer();
      reply = await ask({ type: "chunk", offset: reply.offset }, [part]);
      if (reply.type !== "ack") return fail(reply);
      bar.value = reply.offset / file.size;
      text.textContent = human(reply.offset) + " / " + human(file.size);
    }
    text.textContent = model.get("checking_text");
    reply = await ask({ type: "end", sha256: await sha256(file) });
    if (reply.type !== "done") return fail(reply);
    said();
    input.disabled = false; input.value = "";
  });
}
export default { render };
"""


def chunked_upload(ws: Workspace, on_done: Callable[[Any], None] | None = None,
                   lang: str = "en") -> Any:
    """The upload widget: a file picker with a progress bar, sending 1 MiB chunks."""
    import anywidget
    import traitlets

    from trainlab import i18n

    class ChunkedUpload(anywidget.AnyWidget):
        _esm = _ESM
        chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)
        direction = traitlets.Unicode("ltr").tag(sync=True)
        checking_text = traitlets.Unicode("…").tag(sync=True)
        status_text = traitlets.Unicode("").tag(sync=True)

    widget = ChunkedUpload(direction=i18n.direction(lang),
                           checking_text=i18n.render("ds_checking", lang=lang))
    widget.receiver = Receiver(ws, on_done, lang)

    def on_msg(_: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        widget.send(widget.receiver.handle_message(content, buffers))

    widget.on_msg(on_msg)
    return widget
