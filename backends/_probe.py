"""Child-process probe used by :func:`offscreen_isf.backends.available`.

Opens one native context of the named backend with the backend classes alone (no
:class:`offscreen_isf.Context`: the backends are a leaf below it), asks the driver what it is,
and prints one JSON line: ``{"ok": true, <BackendInfo fields>}`` or
``{"ok": false, "reason", "fix"}``.
"""

from __future__ import annotations

import json
import sys

from offscreen_isf.errors import BackendError, ISFError

from . import load
from .base import DEFAULT_GL_VERSION, NO_GL_VERSION, BackendInfo, describe


def _open_and_describe(name: str) -> BackendInfo:
    """Create, query and destroy one context (the order the backend contract requires)."""
    native = load(name)(DEFAULT_GL_VERSION, None)
    try:
        native.make_current()
        try:
            return describe(native)
        finally:
            native.release()
    finally:
        native.destroy()


def main(name: str) -> int:
    try:
        info = _open_and_describe(name)
        if not info.version:
            raise BackendError(NO_GL_VERSION.format(backend=name))
        print(json.dumps({"ok": True, **info.as_dict()}))
    except ISFError as exc:
        print(json.dumps({"ok": False, "reason": exc.message, "fix": getattr(exc, "fix", None) or ""}))
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure, it hides none
        print(json.dumps({"ok": False, "reason": f"unexpected {type(exc).__name__}: {exc}"[:500],
                          "fix": "please report this with the output of `offscreen-isf backends`"}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
