"""Ask the GL driver which objects exist (``glIs*``), to check the context's registry.

``Context.live_objects()`` only counts the registry, so it cannot see an object created
outside it or one the driver kept after ``glDelete*``.  :class:`DriverProbe` asks the
driver itself: with the context current it calls ``glIsTexture``, ``glIsFramebuffer``,
``glIsBuffer``, ``glIsVertexArray``, ``glIsProgram``, ``glIsShader`` and ``glIsRenderbuffer``
over every registered name plus the candidate names ``1..N``, where ``N`` is the highest
name this probe has ever seen (registry or driver) plus a margin, so objects that never
reached the registry are found too.  Take a snapshot while an object's owner is alive and
its names stay in the probed range afterwards.

Driver rules the comparison relies on (OpenGL core profile):

* ``glGen*`` only reserves a name; ``glIs*`` answers True once the name was bound (or, for
  programs and shaders, from ``glCreate*``).  Deleting an unbound object frees it at once.
* A shader deleted while attached to a program is only *flagged* for deletion and lives
  (``glIsShader`` True) until the program goes: the library does this on purpose after
  linking, so such shaders of a registered program count as registered.
* A program deleted while it is the current program (``glUseProgram``) is also only
  flagged, and lives with its shaders until another program is made current or the
  context is destroyed.  :meth:`Snapshot.stray_current_program` reports exactly that case;
  :class:`LeakCheck` fails hard on anything else and raises :class:`CurrentProgramLeakError`
  for it (a distinct type, so a test can expect that one known defect and nothing more).

Test helper only (not shipped).  Use from the thread that may make the context current.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from offscreen_isf import Context

__all__ = ["PROBES", "Key", "Snapshot", "DriverProbe", "LeakCheck", "CurrentProgramLeakError"]

#: registry kind (``offscreen_isf.gl.context.RESOURCE_KINDS``) -> the driver's query for it
PROBES: dict[str, str] = {
    "texture": "glIsTexture",
    "framebuffer": "glIsFramebuffer",
    "renderbuffer": "glIsRenderbuffer",
    "buffer": "glIsBuffer",
    "vertex_array": "glIsVertexArray",
    "program": "glIsProgram",
    "shader": "glIsShader",
}

#: (kind, GL name)
Key = tuple[str, int]


class CurrentProgramLeakError(AssertionError):
    """A deleted program stayed alive in the driver because it was still the current program."""


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What the driver and the registry hold at one moment.

    ``driver``: every (kind, name) ``glIs*`` answered True for (names ``1..probed_up_to``
    and the registry's).  ``registry``: ``Context.registered_objects()`` then ((kind, name)
    -> owner class name).  ``attached``: program name -> names of the shaders attached to
    it, for every live program.  ``current_program``: ``GL_CURRENT_PROGRAM`` (0: none).
    ``pending_deletion``: live programs/shaders whose ``GL_DELETE_STATUS`` is TRUE.
    """

    driver: frozenset[Key]
    registry: dict[Key, str]
    attached: dict[int, frozenset[int]]
    current_program: int
    pending_deletion: frozenset[Key]
    probed_up_to: int

    def count(self) -> int:
        """How many objects the driver holds."""
        return len(self.driver)

    def stray_current_program(self) -> set[Key]:
        """The current program and its shaders when the program was deleted (flagged,
        unregistered) but is still current: what a renderer leaves if it does not unbind
        its program before deleting it.  Empty otherwise."""
        key = ("program", self.current_program)
        if not self.current_program or key not in self.pending_deletion or key in self.registry:
            return set()
        return {key} | {("shader", s) for s in self.attached.get(self.current_program, ())}

    def unregistered(self) -> set[Key]:
        """Driver objects the registry does not know, apart from shaders attached to a
        registered program (deleted right after linking on purpose; they go with it)."""
        kept = {("shader", s) for (kind, p) in self.registry if kind == "program"
                for s in self.attached.get(p, ())}
        return set(self.driver) - set(self.registry) - kept

    def dead_registered(self) -> set[Key]:
        """Registry names the driver does not know (a registry entry without an object)."""
        return set(self.registry) - self.driver

    def owned_by(self, owner: str) -> set[Key]:
        """Registry names created for owners of class ``owner`` (e.g. ``"BufferPool"``)."""
        return {key for key, who in self.registry.items() if who == owner}


class DriverProbe:
    """Snapshots of the driver's objects in one context; remembers the highest name seen.

    ``margin``: how many candidate names beyond the highest one seen are probed (an
    object created outside the registry takes free names near the top, so it lands there).
    """

    def __init__(self, context: Context, margin: int = 64) -> None:
        self.context = context
        self.margin = margin
        self.highest = 0

    def snapshot(self, extra_names: Iterable[Key] = ()) -> Snapshot:
        """Probe now (makes the context current for the call; restores it after).

        ``extra_names``: further (kind, name) pairs to probe however large their names.
        """
        ctx = self.context
        registry = ctx.registered_objects()
        extra = list(extra_names)
        self.highest = max([self.highest, *(n for _, n in registry), *(n for _, n in extra)])
        top = self.highest + self.margin
        candidates = {kind: set(range(1, top + 1)) for kind in PROBES}
        for kind, name in [*registry, *extra]:
            candidates[kind].add(name)
        with ctx.current():
            gl = ctx.gl
            driver = frozenset((kind, name) for kind, names in candidates.items()
                               for name in sorted(names) if getattr(gl, PROBES[kind])(name))
            attached = {p: frozenset(int(s) for s in gl.glGetAttachedShaders(p))
                        for kind, p in driver if kind == "program"}
            pending = frozenset((kind, n) for kind, n in driver if kind in ("program", "shader") and (
                gl.glGetProgramiv if kind == "program" else gl.glGetShaderiv)(n, gl.GL_DELETE_STATUS))
            current = int(gl.glGetIntegerv(gl.GL_CURRENT_PROGRAM))
        self.highest = max([self.highest, *(n for _, n in driver)])
        return Snapshot(driver, registry, attached, current, pending, top)


class LeakCheck:
    """Assertions over snapshots that keep going past the one known defect.

    Every check fails at once (plain ``AssertionError``) on any disagreement, except a
    stray current program (:meth:`Snapshot.stray_current_program`), which is recorded and
    raised by :meth:`finish` as :class:`CurrentProgramLeakError` so the rest of a test still runs.
    """

    def __init__(self, context: Context, margin: int = 64) -> None:
        self.probe = DriverProbe(context, margin)
        self.stray: list[tuple[str, set[Key]]] = []

    def snapshot(self, extra_names: Iterable[Key] = ()) -> Snapshot:
        return self.probe.snapshot(extra_names)

    def _split_stray(self, where: str, snap: Snapshot, found: set[Key]) -> set[Key]:
        stray = snap.stray_current_program() & found
        if stray:
            self.stray.append((where, stray))
        return found - stray

    def agrees(self, snap: Snapshot, where: str) -> None:
        """Every registry name is alive in the driver and every live driver object is registered."""
        dead = snap.dead_registered()
        extra = self._split_stray(where, snap, snap.unregistered())
        assert not dead and not extra, (
            f"{where}: registry and driver disagree: registered but unknown to the driver "
            f"{sorted(dead)}; alive in the driver but not registered {sorted(extra)}")

    def back_to(self, baseline: Snapshot, snap: Snapshot, where: str, also: Iterable[Key] = ()) -> None:
        """The driver holds exactly the objects of ``baseline`` (plus those of ``also`` that
        are alive, e.g. idle pooled targets): nothing more, nothing less."""
        gained = self._split_stray(where, snap, set(snap.driver - baseline.driver) - set(also))
        lost = set(baseline.driver - snap.driver)
        assert not gained and not lost, (
            f"{where}: driver not back to baseline: {len(gained)} objects left alive "
            f"{sorted(gained)} (owners {({k: snap.registry.get(k, '-') for k in gained})}); "
            f"{len(lost)} baseline objects gone {sorted(lost)}")

    def gone(self, names: Iterable[Key], snap: Snapshot, where: str) -> None:
        """Each of ``names`` answers False in the driver now."""
        alive = self._split_stray(where, snap, set(names) & snap.driver)
        assert not alive, f"{where}: still alive in the driver: {sorted(alive)}"

    def finish(self) -> None:
        """Raise :class:`CurrentProgramLeakError` if any check saw a stray current program."""
        if self.stray:
            where, keys = self.stray[0]
            raise CurrentProgramLeakError(
                f"{len(self.stray)} check(s) found a deleted program kept alive because it was "
                f"still current (glUseProgram not reset before glDeleteProgram); first at "
                f"{where}: {sorted(keys)}")

