"""Child-process probe used by :func:`offscreen_isf.backends.available`.

Prints one JSON line: ``{"ok": true, <BackendInfo fields>}`` or ``{"ok": false, "reason", "fix"}``.
"""

from __future__ import annotations

import json
import sys


def main(name: str) -> int:
    from offscreen_isf.gl.context import Context  # noqa: PLC0415
    from offscreen_isf.errors import ISFError  # noqa: PLC0415

    try:
        with Context(backend=name) as ctx:
            print(json.dumps({"ok": True, **ctx.info.as_dict()}))
    except ISFError as exc:
        print(json.dumps({"ok": False, "reason": str(getattr(exc, "args", [exc])[0]).split(" -> ")[0],
                          "fix": getattr(exc, "fix", "") or ""}))
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure, it hides none
        print(json.dumps({"ok": False, "reason": f"unexpected {type(exc).__name__}: {exc}"[:500],
                          "fix": "please report this with the output of `offscreen-isf backends`"}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
