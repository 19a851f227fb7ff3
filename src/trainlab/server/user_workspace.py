"""The workspace of the user a server runs for: ``c.TrainlabApp.workspace_dir`` may name the
JupyterHub user, ``{username}``, and a user name becomes a folder only when it is safe as one
path component."""

from __future__ import annotations

import getpass
import os
import string
import unicodedata

from trainlab.errors import TrainlabError
from trainlab.workspace import default_path

TEMPLATE_FIELDS = ("username",)


def hub_username() -> str:
    """The user this server runs for: JupyterHub's ``$JUPYTERHUB_USER``, else the OS user
    ("" when neither is known: a uid with no passwd entry, as under OpenShift)."""
    name = os.environ.get("JUPYTERHUB_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no $USER/$LOGNAME and the uid has no passwd entry
        return ""


def is_folder_name(name: str) -> bool:
    """Whether ``name`` is safe as one path component: not empty, '.' or '..', no slash,
    backslash or NUL, no control or invisible formatting character (e.g. a right-to-left
    override), no leading or trailing space, encodable, at most 255 bytes. JupyterHub's own
    check (Authenticator.validate_username) refuses only '/', empty names, all-dot names and
    outer spaces, so names such as 'a\\b', 'x%2fy' or 'émilie' reach the server; the
    letters of any script are kept."""
    if not name or name in (".", "..") or name != name.strip():
        return False
    if any(c in "/\\\0" or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
           for c in name):
        return False
    try:
        return len(name.encode("utf-8")) <= 255
    except UnicodeEncodeError:
        return False


def workspace_path(template: str) -> str:
    """``workspace_dir`` with ``{username}`` filled in (see :func:`hub_username`); an empty
    template is the default workspace ($TRAINLAB_HOME, else ~/.local/share/trainlab)."""
    if not template:
        return str(default_path())
    if not any(field == "username" for _, field, _, _ in string.Formatter().parse(template)):
        return template.format()  # only '{{' and '}}' escapes (the trait checked the fields)
    name = hub_username()
    if not is_folder_name(name):
        raise TrainlabError("workspace_username", status=500, username=name, template=template)
    return template.format(username=name)


def template_problem(value: str) -> str | None:
    """Why ``value`` cannot be a ``workspace_dir`` template (a message naming it), or None."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    except ValueError as exc:
        return f"workspace_dir {value!r}: {exc}; write a literal brace as '{{{{' or '}}}}'"
    unknown = sorted(fields - set(TEMPLATE_FIELDS))
    if unknown:
        return (f"workspace_dir {value!r}: unknown placeholder(s) {unknown}; "
                "the only one is {username}")
    shaped = [f"{{{field}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
              for _, field, spec, conv in string.Formatter().parse(value)
              if field is not None and (spec or conv)]
    if shaped:
        return (f"workspace_dir {value!r}: {shaped} converts or formats the user name; "
                "write plain {username}")
    return None
