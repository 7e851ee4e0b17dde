"""Opening files named by untrusted text: shaders, images, audio (docs/semantics.md,
"Imported images and paths").

One rule for every file the library reads: the path must be a usable name (no NUL byte,
no component over the system's name limit), and it must be a **regular file**, checked with
``os.stat`` *before* it is opened, and again on the open descriptor (``O_NONBLOCK``: a FIFO
swapped in between cannot block the open, and is refused by the second check).  A FIFO
would block the reader forever and ``/dev/zero`` never ends, so neither is ever read.

Failures are the caller's error class (``ParseError`` for shaders, ``InputError`` for
inputs), never a bare ``OSError`` / ``ValueError``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import ISFError

__all__ = ["check_path_text", "regular_file", "open_regular"]

_KIND = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KIND if test(mode)), "not a regular file")


def _show(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    text = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return repr(text if len(text) <= 200 else text[:200] + "...")


def check_path_text(path: str | os.PathLike[str], what: str, error: type[ISFError]) -> str:
    """``path`` as text, refused (``error``) when it holds a NUL byte or a name over the
    system's limit (``NAME_MAX`` per component, ``PATH_MAX`` in all)."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    if "\0" in text:
        raise error(f"{what}: path {_show(text)} contains a NUL byte")
    limit_name, limit_path = 255, 4096
    if len(text.encode("utf-8", "surrogateescape")) >= limit_path or any(
            len(part.encode("utf-8", "surrogateescape")) > limit_name for part in text.split(os.sep)):
        raise error(f"{what}: path {_show(text)} is too long (a name over {limit_name} bytes, "
                    f"or the whole path over {limit_path})")
    return text


def regular_file(path: str | os.PathLike[str], what: str, error: type[ISFError]) -> os.stat_result:
    """``os.stat`` of ``path`` (symlinks followed) when it is a regular file; ``error`` saying
    why not otherwise (missing, unreadable, a folder, a FIFO, a device)."""
    text = check_path_text(path, what, error)
    try:
        st = os.stat(text)
    except FileNotFoundError:
        raise error(f"{what}: file not found: {_show(text)}") from None
    except OSError as exc:
        raise error(f"{what}: cannot read {_show(text)}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what}: {_show(text)} is {_kind(st.st_mode)}, not a regular file; "
                    "only regular files are read (a FIFO or device could block or never end)")
    return st


def open_regular(path: str | os.PathLike[str], what: str, error: type[ISFError]) -> BinaryIO:
    """``path`` opened for binary reading, after :func:`regular_file` (and the same check on
    the descriptor).  The caller closes it (a ``with`` block)."""
    regular_file(path, what, error)
    text = os.fspath(path)
    try:
        fd = os.open(text, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(f"{what}: cannot read {_show(text)}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{what}: {_show(text)} is {_kind(mode)}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, what: str, error: type[ISFError], max_bytes: int) -> bytes:
    """The bytes of regular file ``path`` (at most ``max_bytes``; ``error`` when larger)."""
    with open_regular(path, what, error) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(f"{what}: {_show(path)} is over {max_bytes} bytes; refusing to read it")
    return data
