"""The registry of one context's GL objects, and the one table of GL object kinds.

:data:`RESOURCE_KINDS` is the only place in the library that names the GL functions which
generate or delete object names; :class:`ObjectRegistry` is the only code that calls them.

Ownership and threads: an :class:`ObjectRegistry` belongs to one
:class:`~offscreen_isf.gl.context.Context`, which calls it with the context current on the
calling thread (the registry itself checks neither).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import LifecycleError, RenderError

__all__ = ["RESOURCE_KINDS", "ObjectRegistry"]

#: kind -> (create function, delete function) in PyOpenGL's GL module.
RESOURCE_KINDS: dict[str, tuple[str, str]] = {
    "texture": ("glGenTextures", "glDeleteTextures"),
    "framebuffer": ("glGenFramebuffers", "glDeleteFramebuffers"),
    "renderbuffer": ("glGenRenderbuffers", "glDeleteRenderbuffers"),
    "buffer": ("glGenBuffers", "glDeleteBuffers"),
    "vertex_array": ("glGenVertexArrays", "glDeleteVertexArrays"),
    "program": ("glCreateProgram", "glDeleteProgram"),
    "shader": ("glCreateShader", "glDeleteShader"),
}
_CREATE_STYLE = frozenset({"program", "shader"})  # glCreate*(args) -> name, glDelete*(name)


class ObjectRegistry:
    """(kind, GL name) -> class name of the owner that created it."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, int], str] = {}

    def create(self, gl: Any, kind: str, owner: object, *args: Any) -> int:
        """Create one object of ``kind`` with PyOpenGL module ``gl`` and record it.

        ``args`` go to ``glCreateShader`` (the shader type).  Returns the GL name.
        """
        if kind not in RESOURCE_KINDS:
            raise LifecycleError(f"unknown GL object kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
        create_fn = getattr(gl, RESOURCE_KINDS[kind][0])
        name = int(create_fn(*args) if kind in _CREATE_STYLE else create_fn(1))
        if name == 0:
            raise RenderError(f"the driver returned no {kind} name (out of memory?)")
        self._objects[(kind, name)] = type(owner).__name__
        return name

    def delete(self, gl: Any, kind: str, name: int) -> None:
        """Delete one recorded object (names this registry did not create are ignored)."""
        if self._objects.pop((kind, name), None) is not None:
            self._delete_one(gl, kind, name)

    @staticmethod
    def _delete_one(gl: Any, kind: str, name: int) -> None:
        delete_fn = getattr(gl, RESOURCE_KINDS[kind][1])
        if kind in _CREATE_STYLE:
            delete_fn(name)
        else:
            delete_fn(1, [name])

    def delete_all(self, gl: Any) -> None:
        """Delete every recorded object (the context is about to be destroyed)."""
        for kind, name in list(self._objects):
            self._delete_one(gl, kind, name)
        self._objects.clear()

    def forget(self) -> None:
        """Drop every record without GL calls (the objects died with a lost context)."""
        self._objects.clear()

    def counts(self) -> dict[str, int]:
        """How many objects of each kind are recorded (every kind listed)."""
        counts = Counter(kind for kind, _ in self._objects)
        return {kind: counts.get(kind, 0) for kind in RESOURCE_KINDS}

    def snapshot(self) -> dict[tuple[str, int], str]:
        """A copy of the records."""
        return dict(self._objects)
