"""Resource limits for untrusted shaders: output/target size cap, frame memory budget, path roots.

Every target size of a frame is evaluated (size expressions such as ``$WIDTH*1000``
included) and checked against :attr:`Limits.max_size` and :attr:`Limits.memory_budget`
**before** anything is allocated; a frame over either raises
:class:`~offscreen_isf.errors.ResourceLimitError` with the size, the limit and how to raise it.

Memory estimate of one frame (bytes; 4 B/px RGBA8, 16 B/px RGBA32F)::

    2 x every persistent target   (a pass writes a fresh buffer while reading the old one;
                                    the old one stays pooled for the next frame)
  + 1 x every temporary target
  + 2 x the output                (the GPU target, and the CPU readback array)
  + 1 x every image/audio input and IMPORTED image (uploaded textures)

Defaults: ``max_size`` = the context's ``GL_MAX_TEXTURE_SIZE`` (per side);
``memory_budget`` = ``$OFFSCREEN_ISF_MEMORY_BUDGET`` (bytes, ``k``/``M``/``G`` suffixes)
or half of the memory available when the renderer is created: the smaller of
``MemAvailable`` in ``/proc/meminfo`` (else physical memory, else 4 GiB) and what the
process's container still has (its cgroup limit minus its usage: cgroup v2 ``memory.max`` /
``memory.current``, v1 ``memory.limit_in_bytes`` / ``memory.usage_in_bytes``).

No GL here: pure arithmetic, usable before a context exists.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, ResourceLimitError
from ..isf.sizeexpr import Extent, round_half_away, target_extent

if TYPE_CHECKING:
    from ..isf.document import Document
    from ..isf.inputs import Input

__all__ = ["Limits", "available_memory", "default_memory_budget", "parse_bytes", "frame_bytes",
           "confine_path", "BYTES_PER_PIXEL"]

#: bytes per pixel of the two target formats
BYTES_PER_PIXEL = {False: 4, True: 16}   # keyed by Target.float

#: the largest memory budget accepted (larger numbers are typing mistakes, and overflow C sizes)
MAX_BUDGET = 1 << 60

_FALLBACK_MEMORY = 8 << 30   # when nothing can be read: budget 4 GiB


def parse_bytes(text: str | int) -> int:
    """``"512M"`` / ``"2G"`` / ``"1.5g"`` / ``"1000000"`` -> bytes (binary multiples)."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        s = str(text).strip().lower().removesuffix("ib").removesuffix("b")
        mult = 1
        if s and s[-1] in "kmgt":
            mult = 1 << (10 * ("kmgt".index(s[-1]) + 1))
            s = s[:-1]
        try:
            value = int(float(s) * mult)
        except (ValueError, OverflowError):   # "nan" / "inf" / "1e400" included
            raise ResourceLimitError(f"cannot read {text!r} as a number of bytes "
                                     "(examples: 536870912, 512M, 2G)") from None
    if value < 1:
        raise ResourceLimitError(f"a memory budget must be at least 1 byte, got {text!r}")
    if value > MAX_BUDGET:
        raise ResourceLimitError(f"a memory budget of {text!r} bytes is over the largest one "
                                 f"accepted ({MAX_BUDGET} bytes, 1 EiB)")
    return value


#: cgroup mount point and the (limit, usage) files of each cgroup version, v2 first
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_FILES = (("memory.max", "memory.current"),
                ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"))
#: a v1 limit at or above this means "no limit" (the kernel reports a page-rounded 2**63)
_NO_V1_LIMIT = 1 << 60


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read(64).strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None   # "max" (v2 unlimited) -> None


def _own_cgroup(root: str) -> str:
    """This process's cgroup v2 folder under ``root`` (``/proc/self/cgroup``'s ``0::`` line);
    the root itself inside a container that mounts its own cgroup there."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("0::"):
                    own = os.path.join(root, line[3:].strip().lstrip("/"))
                    if os.path.exists(os.path.join(own, "memory.max")):
                        return own
    except OSError:
        pass
    return root


def cgroup_memory(root: str = CGROUP_ROOT) -> int | None:
    """Bytes the container may still allocate (cgroup limit minus usage), None when no
    memory limit applies (no cgroup, or an unlimited one)."""
    for base, (limit_file, usage_file) in zip((_own_cgroup(root), root), CGROUP_FILES, strict=True):
        limit = _read_int(os.path.join(base, limit_file))
        if limit is None or limit >= _NO_V1_LIMIT:
            continue
        usage = _read_int(os.path.join(base, usage_file)) or 0
        return max(0, limit - usage)
    return None


def available_memory() -> int:
    """Bytes of memory available now: the host's (below) capped by :func:`cgroup_memory`."""
    host = _host_memory()
    container = cgroup_memory()
    return host if container is None else min(host, container)


def _host_memory() -> int:
    """``MemAvailable`` (Linux), else physical memory, else a fixed fallback."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return _FALLBACK_MEMORY


def default_memory_budget() -> int:
    """``$OFFSCREEN_ISF_MEMORY_BUDGET`` if set, else half of :func:`available_memory`."""
    env = os.environ.get("OFFSCREEN_ISF_MEMORY_BUDGET")
    if env:
        return parse_bytes(env)
    return max(1, available_memory() // 2)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB"


def frame_bytes(document: Document, output: tuple[int, int],
                sizes: Mapping[str, tuple[float, float]],
                inputs: Iterable[tuple[int, int, int]] = ()) -> tuple[int, list[str]]:
    """Estimated bytes one frame needs (see the module docstring) and the itemised parts.

    ``sizes``: every target's :class:`Extent` (its texture, rounded, is what is counted).
    ``inputs``: (width, height, bytes per pixel) of every uploaded input/IMPORTED image.
    """
    parts: list[tuple[int, str]] = []
    out_float = document.output_is_float
    ow, oh = output
    out_bpp = BYTES_PER_PIXEL[out_float]
    parts.append((2 * ow * oh * out_bpp, f"output {ow}x{oh} {'RGBA32F' if out_float else 'RGBA8'} "
                                         "(GPU target + readback)"))
    for name, t in document.targets.items():
        w, h = Extent(*sizes[name]).texture
        n = (2 if t.persistent else 1) * w * h * BYTES_PER_PIXEL[t.float]
        parts.append((n, f"{'persistent' if t.persistent else 'temporary'} target \"{name}\" "
                         f"{w}x{h} {'RGBA32F' if t.float else 'RGBA8'}"
                         f"{' (x2: double-buffered)' if t.persistent else ''}"))
    for w, h, bpp in inputs:
        parts.append((w * h * bpp, f"input texture {w}x{h}"))
    parts.sort(key=lambda p: -p[0])
    return sum(n for n, _ in parts), [f"{_mib(n)} {what}" for n, what in parts]


@dataclass(frozen=True)
class Limits:
    """Per-renderer caps: ``max_size`` (width, height) per target; ``memory_budget`` bytes/frame.

    ``None`` means "the default" (``GL_MAX_TEXTURE_SIZE``; :func:`default_memory_budget`).
    """

    max_size: tuple[int, int] | None = None
    memory_budget: int | None = None

    @staticmethod
    def make(max_size: Any = None, memory_budget: Any = None) -> Limits:
        """Validate user values (``max_size`` an int or (w, h); ``memory_budget`` bytes or "2G")."""
        ms: tuple[int, int] | None = None
        if max_size is not None:
            pair = (max_size, max_size) if isinstance(max_size, int) else max_size
            try:
                w, h = pair
            except (TypeError, ValueError):
                raise ResourceLimitError(f"max_size must be an int or (width, height), "
                                         f"got {max_size!r}") from None
            for v in (w, h):
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise ResourceLimitError(f"max_size must hold positive integers, got {max_size!r}")
            ms = (int(w), int(h))
        budget = None if memory_budget is None else parse_bytes(memory_budget)
        return Limits(ms, budget)

    def resolved(self, max_texture_size: int) -> Limits:
        """Fill the defaults: ``max_size`` capped by ``GL_MAX_TEXTURE_SIZE``; the memory budget."""
        gl_max = max_texture_size or 16384
        w, h = self.max_size or (gl_max, gl_max)
        budget = self.memory_budget if self.memory_budget is not None else default_memory_budget()
        return Limits((min(w, gl_max), min(h, gl_max)), budget)

    def check_output(self, size: tuple[int, int]) -> None:
        """ResourceLimitError when the output size is over ``max_size``."""
        assert self.max_size is not None
        mw, mh = self.max_size
        if size[0] > mw or size[1] > mh:
            raise ResourceLimitError(
                f"output size {size[0]}x{size[1]} is over the maximum of {mw}x{mh} pixels; "
                "lower the size, or raise the cap with Renderer(..., max_size=(w, h)) "
                "(it cannot exceed GL_MAX_TEXTURE_SIZE)")

    def frame_sizes(self, document: Document, output: tuple[int, int], values: Mapping[str, Any],
                    inputs: Iterable[tuple[int, int, int]] = ()) -> dict[str, Extent]:
        """Every target's extent (unrounded; its texture rounded) in the next frame, checked
        against ``max_size`` and the budget (both on the texture size).

        Nothing is allocated here; call before creating any target.  Raises
        :class:`ResourceLimitError` naming the target, its size, the limit and how to raise it.
        """
        assert self.max_size is not None and self.memory_budget is not None
        self.check_output(output)
        env = document.size_variables(*output, values)
        mw, mh = self.max_size
        sizes: dict[str, Extent] = {}
        for name, t in document.targets.items():
            wh = []
            for label, expr, cap in (("WIDTH", t.width, mw), ("HEIGHT", t.height, mh)):
                extent = target_extent(expr.evaluate(env), limit=None, source=expr.source)
                n = int(round_half_away(extent))      # texels allocated
                if n > cap:
                    raise ResourceLimitError(
                        f'target "{name}" {label} {expr.source!r} evaluates to {n} pixels at output '
                        f"{output[0]}x{output[1]}, over the maximum of {cap}; lower the output size or "
                        "the inputs it depends on, or raise the cap with Renderer(..., max_size=(w, h)) "
                        "(it cannot exceed GL_MAX_TEXTURE_SIZE)")
                wh.append(extent)
            sizes[name] = Extent(wh[0], wh[1])
        total, parts = frame_bytes(document, output, sizes, inputs)
        if total > self.memory_budget:
            raise ResourceLimitError(
                f"{document.name}: one frame at {output[0]}x{output[1]} needs about {_mib(total)} of "
                f"render targets, over the memory budget of {_mib(self.memory_budget)} "
                f"(largest: {'; '.join(parts[:3])}); lower the size or the inputs the target sizes "
                "depend on, or raise the budget with Renderer(..., memory_budget=BYTES) or "
                "$OFFSCREEN_ISF_MEMORY_BUDGET (e.g. 8G)")
        return sizes

    def check_input(self, inp: Input, value: Any) -> None:
        """ResourceLimitError when the texture ``value`` would become for input ``inp`` (an
        image file's header size, an array's shape, an audio input's ``MAX`` times its
        channels) is over ``max_size`` or the memory budget; checked before any decoding or
        allocation (docs/semantics.md, "Resource limits")."""
        size = _input_texture_size(inp, value)
        if size is None:
            return
        w, h, bpp = size
        mw, mh = self.max_size or (w, h)
        if w > mw or h > mh:
            raise ResourceLimitError(
                f'input "{inp.name}" would be a {w}x{h} texture, over the maximum of {mw}x{mh}; '
                "use a smaller input (or a lower MAX), or raise the cap with Renderer(..., "
                "max_size=(w, h)) (it cannot exceed GL_MAX_TEXTURE_SIZE)")
        if self.memory_budget is not None and w * h * bpp > self.memory_budget:
            raise ResourceLimitError(
                f'input "{inp.name}" would be a {w}x{h} texture of {_mib(w * h * bpp)}, over the '
                f"memory budget of {_mib(self.memory_budget)}; use a smaller input (or a lower "
                "MAX), or raise the budget with Renderer(..., memory_budget=BYTES)")


def confine_input(value: Any, roots: Sequence[str | os.PathLike[str]], inp: Input,
                  limits: Limits | None = None) -> Any:
    """An input value with its file paths (a single image/audio path, or a cube map's six face
    paths) confined to ``roots`` (:func:`confine_path`; no roots: paths kept as given), and,
    with ``limits``, its texture size checked before anything is decoded or allocated
    (:meth:`Limits.check_input`); other values unchanged."""
    what = f'input "{inp.name}"'
    if roots and isinstance(value, (str, os.PathLike)):
        value = confine_path(value, roots, what=what)
    elif roots and inp.type == "cube" and isinstance(value, (list, tuple)):
        value = [confine_path(v, roots, what=what) if isinstance(v, (str, os.PathLike)) else v
                 for v in value]
    if limits is not None:
        limits.check_input(inp, value)
    return value


def _input_texture_size(inp: Input, value: Any) -> tuple[int, int, int] | None:
    """(width, height, bytes per pixel) of the texture ``value`` would become, read from a
    file's header or an array's shape (nothing decoded); None when it cannot be told."""
    from ..media.audio import DEFAULT_FFT_BINS, wav_header  # noqa: PLC0415
    from ..media.images import image_size  # noqa: PLC0415

    if value is None:
        return None
    if inp.type == "image":
        if isinstance(value, (str, os.PathLike)):
            return (*image_size(value, what=f'input "{inp.name}"'), 4)
        if isinstance(value, np.ndarray):
            return ((value.shape[1], value.shape[0], 16 if value.dtype.kind == "f" else 4)
                    if value.ndim >= 2 else None)
        size = getattr(value, "size", None)   # a PIL image: (width, height)
        return (int(size[0]), int(size[1]), 4) if isinstance(size, tuple) and len(size) == 2 else None
    if inp.type in ("audio", "audioFFT"):
        if isinstance(value, (str, os.PathLike)):
            channels, _width, frames = wav_header(value)
        else:
            shape = np.shape(value)
            channels, frames = (1, shape[0]) if len(shape) == 1 else (shape[0], shape[-1]) if shape else (1, 1)
        width = inp.max or (frames if inp.type == "audio" else DEFAULT_FFT_BINS)
        return int(width), int(channels), 16
    return None


def confine_path(path: str | os.PathLike[str], roots: Sequence[str | os.PathLike[str]], *,
                 what: str = "file") -> Path:
    """``path`` resolved (symlinks followed); InputError unless it lies inside one of ``roots``.

    Relative paths resolve against the current directory.  ``..``, absolute paths and
    symlinks that point outside every root are refused.
    """
    try:
        resolved = Path(path).resolve()
        bases = [Path(r).resolve() for r in roots]
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(f"{what}: path {str(path)!r} cannot be resolved: {exc}") from None
    if not any(resolved.is_relative_to(b) for b in bases):
        raise InputError(f"{what}: path {str(path)!r} resolves to {str(resolved)!r}, outside the "
                         f"allowed root{'s' if len(bases) != 1 else ''} "
                         f"{', '.join(repr(str(b)) for b in bases)}; move the file there or allow "
                         "its folder explicitly")
    return resolved
