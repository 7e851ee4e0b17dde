"""The registry of one context's GL objects, and the one table of GL object kinds.

:data:`RESOURCE_KINDS` is the only place in the library that names the GL functions which
generate or delete object names; :class:`ObjectRegistry` is the only code that calls them.

Ownership and threads: an :class:`ObjectRegistry` belongs to one
:class:`~offscreen_isf.gl.context.Context`, which calls it with the context current on the
calling thread (the registry itself checks neither).
"""

from __future__ import annotations

import collections
import itertools
import weakref
from collections import Counter
from typing import Any, Protocol

from ..errors import LifecycleError, RenderError

__all__ = ["RESOURCE_KINDS", "ObjectRegistry", "DeletionQueue"]

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
    """(kind, GL name) -> class name of the owner that created it; and per owner, its names.

    Owners are told apart by a token (a number never reused in the registry's life), so the
    objects of an owner that was garbage-collected can still be found and deleted.
    """

    def __init__(self) -> None:
        self._objects: dict[tuple[str, int], str] = {}
        self._tokens: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
        self._next_token = itertools.count(1)
        self._by_token: dict[int, set[tuple[str, int]]] = {}
        self._token_of: dict[tuple[str, int], int] = {}
        #: objects created or deleted so far (a creation binds the new object; a deleted name
        #: may name the next new object): a cache of bindings is stale once this changes
        self.changes = 0

    def token(self, owner: object) -> int | None:
        """``owner``'s token (created on first use); None if it cannot be weakly referenced."""
        try:
            found = self._tokens.get(owner)
            if found is None:
                found = self._tokens[owner] = next(self._next_token)
        except TypeError:
            return None
        return found

    def create(self, gl: Any, kind: str, owner: object, *args: Any) -> int:
        """Create one object of ``kind`` with PyOpenGL module ``gl`` and record it.

        ``args`` go to ``glCreateShader`` (the shader type).  Returns the GL name.
        """
        if kind not in RESOURCE_KINDS:
            raise LifecycleError(f"unknown GL object kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
        create_fn = getattr(gl, RESOURCE_KINDS[kind][0])
        self.changes += 1
        name = int(create_fn(*args) if kind in _CREATE_STYLE else create_fn(1))
        if name == 0:
            raise RenderError(f"the driver returned no {kind} name (out of memory?)")
        self._objects[(kind, name)] = type(owner).__name__
        token = self.token(owner)
        if token is not None:
            self._by_token.setdefault(token, set()).add((kind, name))
            self._token_of[(kind, name)] = token
        return name

    def delete(self, gl: Any, kind: str, name: int) -> None:
        """Delete one recorded object (names this registry did not create are ignored)."""
        if self._objects.pop((kind, name), None) is not None:
            self._delete_one(gl, kind, name)
            token = self._token_of.pop((kind, name), None)
            if token is not None:
                self._by_token[token].discard((kind, name))

    def delete_owner(self, gl: Any, token: int) -> int:
        """Delete every recorded object of the owner with ``token``; returns how many."""
        names = self._by_token.pop(token, set())
        for kind, name in names:
            self._token_of.pop((kind, name), None)
            if self._objects.pop((kind, name), None) is not None:
                self._delete_one(gl, kind, name)
        return len(names)

    def _delete_one(self, gl: Any, kind: str, name: int) -> None:
        self.changes += 1
        delete_fn = getattr(gl, RESOURCE_KINDS[kind][1])
        if kind in _CREATE_STYLE:
            delete_fn(name)
        else:
            delete_fn(1, [name])

    def delete_all(self, gl: Any) -> None:
        """Delete every recorded object (the context is about to be destroyed)."""
        for kind, name in list(self._objects):
            self._delete_one(gl, kind, name)
        self.forget()

    def forget(self) -> None:
        """Drop every record without GL calls (the objects died with a lost context)."""
        self._objects.clear()
        self._by_token.clear()
        self._token_of.clear()

    def counts(self) -> dict[str, int]:
        """How many objects of each kind are recorded (every kind listed)."""
        counts = Counter(kind for kind, _ in self._objects)
        return {kind: counts.get(kind, 0) for kind in RESOURCE_KINDS}

    def snapshot(self) -> dict[tuple[str, int], str]:
        """A copy of the records."""
        return dict(self._objects)


class TargetPool(Protocol):
    """What :meth:`DeletionQueue.drain` needs of the buffer pool."""

    def holds(self, target: Any) -> bool: ...
    def release(self, target: Any) -> None: ...


class DeletionQueue:
    """Objects of owners dropped without releasing them, waiting for a safe point.

    :meth:`push` may be called from any thread (a ``weakref.finalize`` callback, whichever
    thread the garbage collector runs on) and makes no GL call; :meth:`drain` deletes them
    with the context current on its owning thread.
    """

    def __init__(self) -> None:
        self._items: collections.deque[tuple[int, list[Any]]] = collections.deque()
        #: the queue itself, truthy while anything waits (read on every frame: no method call)
        self.waiting: collections.deque[tuple[int, list[Any]]] = self._items

    def push(self, token: int, targets: list[Any]) -> None:
        """Queue owner ``token``'s objects and the pooled ``targets`` it still held."""
        self._items.append((token, targets))   # deque.append is atomic: no lock needed

    def __bool__(self) -> bool:
        return bool(self._items)

    def clear(self) -> None:
        """Forget everything queued (the context is deleting or lost every object)."""
        self._items.clear()

    def drain(self, gl: Any, registry: ObjectRegistry, pool: TargetPool) -> None:
        """Delete everything queued (context current): registry objects, pooled targets back."""
        while self._items:
            token, targets = self._items.popleft()
            registry.delete_owner(gl, token)
            for target in targets:
                if pool.holds(target):
                    pool.release(target)
