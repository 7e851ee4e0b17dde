"""A GL program built from final sources, and its uniforms.

:func:`build_program` compiles and links the sources it is given, exactly as given (the ISF
translation already emitted the ``#version`` and options, see
:func:`~offscreen_isf.isf.translate.translate`), and maps a failing driver log back to the
``.fs`` / ``.vs`` lines.  :class:`Program` adds the uniform locations and a value cache so a
uniform is uploaded only when its value changes.  Used by the ISF renderer and by the
built-in test pattern.

Ownership: the program name is created through the context's registry with the given owner;
whoever holds the :class:`Program` deletes it (:meth:`Program.delete`) or lets the context's
close/reinitialize free it.  Threads: the context must be current on the calling thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import CompileError
from ..isf.translate import GLSL_VERSION, GLSL_VERSIONS, Translation, map_compile_log, parse_glsl_version

if TYPE_CHECKING:
    from .context import Context

__all__ = ["UNIFORM_SETTERS", "Program", "build_program", "program_glsl_version"]

#: GLSL uniform type -> (PyOpenGL setter, converter of the Python value to its arguments)
UNIFORM_SETTERS: dict[str, tuple[str, Callable[[Any], tuple[Any, ...]]]] = {
    "float": ("glUniform1f", lambda v: (float(v),)),
    "int": ("glUniform1i", lambda v: (int(v),)),
    "bool": ("glUniform1i", lambda v: (1 if v else 0,)),
    "vec2": ("glUniform2f", lambda v: tuple(float(x) for x in v)),
    "vec4": ("glUniform4f", lambda v: tuple(float(x) for x in v)),
}

#: stage name -> GL shader type constant name, in compile order
_STAGES = (("vertex", "GL_VERTEX_SHADER"), ("fragment", "GL_FRAGMENT_SHADER"))

#: (driver log, stage) -> the log as the user should read it
LogMapper = Callable[[str, str], str]


def program_glsl_version(ctx: Context, wanted: int = GLSL_VERSION) -> int:
    """The ``#version`` to compile generated ISF sources that ask for ``wanted`` as on
    ``ctx``: ``wanted`` where the context's GLSL has it, else the highest version of
    :data:`~offscreen_isf.isf.translate.GLSL_VERSIONS` it has (at least 330, the core-safe
    floor every backend accepts).  docs/semantics.md, "GLSL translation"."""
    try:
        have = parse_glsl_version(ctx.info.glsl_version) if ctx.info else 0
    except ValueError:   # an unreadable version string: stay at the floor
        have = 0
    return max([GLSL_VERSION, *(v for v in GLSL_VERSIONS if v <= min(have, wanted))])


def _text(log: Any) -> str:
    return log.decode("utf-8", "replace") if isinstance(log, bytes) else str(log)


def _compile(ctx: Context, owner: object, stage: str, source: str, what: str,
             log_mapper: LogMapper | None) -> int:
    """One compiled shader object (deleted again, and CompileError raised, on failure)."""
    gl = ctx.gl
    shader = ctx.create("shader", owner, getattr(gl, dict(_STAGES)[stage]))
    gl.glShaderSource(shader, source)
    gl.glCompileShader(shader)
    if not gl.glGetShaderiv(shader, gl.GL_COMPILE_STATUS):
        log = _text(gl.glGetShaderInfoLog(shader))
        ctx.delete("shader", shader)
        renderer = ctx.info.renderer if ctx.info else ctx.backend
        mapped = log_mapper(log, stage) if log_mapper else log
        raise CompileError(f"{what}: {stage} shader failed to compile on {renderer}:\n{mapped}",
                           stage=stage, log=mapped)
    return shader


def build_program(ctx: Context, owner: object, sources: Mapping[str, str], *, what: str,
                  attributes: Mapping[str, int] | None = None,
                  log_mapper: LogMapper | None = None) -> int:
    """Compile ``sources`` (``{"vertex": text, "fragment": text}``) and link them.

    ``what`` names the program in errors; ``attributes`` binds vertex inputs to locations
    before linking; ``log_mapper(log, stage)`` rewrites a compile log (e.g. to .fs lines).
    Returns the program name, registered to ``owner``.  Raises :class:`CompileError`; a
    failed build leaves no GL object behind.
    """
    gl = ctx.gl
    program = ctx.create("program", owner)
    shaders: list[int] = []
    try:
        for stage, _ in _STAGES:
            shaders.append(_compile(ctx, owner, stage, sources[stage], what, log_mapper))
        for s in shaders:
            gl.glAttachShader(program, s)
        for name, location in (attributes or {}).items():
            gl.glBindAttribLocation(program, location, name)
        gl.glLinkProgram(program)
        if not gl.glGetProgramiv(program, gl.GL_LINK_STATUS):
            log = _text(gl.glGetProgramInfoLog(program))
            raise CompileError(f"{what}: program failed to link: {log}", log=log)
    except BaseException:
        ctx.delete("program", program)
        raise
    finally:
        for s in shaders:
            ctx.delete("shader", s)  # flagged for deletion; freed with the program
    return program


def _build_translation(ctx: Context, owner: object, translation: Translation, what: str) -> int:
    """The linked program of ``translation``'s sources, compile logs mapped to .fs/.vs lines."""
    return build_program(ctx, owner, {"vertex": translation.vertex, "fragment": translation.fragment},
                         what=what, attributes={"isf_position": 0},
                         log_mapper=lambda log, stage: map_compile_log(log, translation, stage))


class Program:
    """A linked program, its uniform locations (by name) and the last value set of each.

    ``uniform_types`` maps every uniform the sources declare to its GLSL type (a key of
    :data:`UNIFORM_SETTERS`, or a sampler type: ``sampler2D``, ``samplerCube``).  Uniforms the driver optimised out have
    location -1 and are skipped.  Valid for one context generation.
    """

    def __init__(self, ctx: Context, name: int, uniform_types: Mapping[str, str],
                 glsl_names: Mapping[str, str] | None = None) -> None:
        gl = ctx.gl
        self.ctx = ctx
        self.name = name
        self.generation = ctx.generation
        self.types = dict(uniform_types)
        names = glsl_names or {}   # key -> GLSL identifier where the translation renamed it
        self.locations = {u: int(gl.glGetUniformLocation(name, names.get(u, u))) for u in self.types}
        #: the translation the program was built from (set by :meth:`from_translation`)
        self.translation: Translation | None = None
        self._cache: dict[str, tuple[Any, ...]] = {}

    @classmethod
    def from_translation(cls, ctx: Context, owner: object, translation: Translation,
                         what: str) -> Program:
        """Build the program of an ISF translation (``isf_position`` at attribute 0; compile
        logs mapped to the .fs/.vs lines; uniforms keyed by their public names), at the
        ``#version`` it needs (:func:`program_glsl_version`).

        A translation below GLSL 4.00 that fails to compile is compiled again at 4.00 where
        the context has it: the translation writes out the implicit int->uint conversions it
        can see (:mod:`offscreen_isf.isf.uintfix`), and 4.00 accepts the ones it cannot (an
        int expression assigned to a uint, a ``#define`` constant), which only a compiler can
        tell.  When both fail, the 4.00 error is raised (the more permissive compiler's
        complaint is the real one).  The program's :attr:`translation` is the one that
        compiled (docs/semantics.md, "GLSL translation")."""
        translation = translation.retarget(
            glsl_version=program_glsl_version(ctx, translation.needed_version))
        try:
            name = _build_translation(ctx, owner, translation, what)
        except CompileError:
            retry = program_glsl_version(ctx, 400)
            if translation.glsl_version >= 400 or retry < 400:
                raise
            translation = translation.retarget(glsl_version=retry)
            try:
                name = _build_translation(ctx, owner, translation, what)
            except CompileError as again:
                raise again from None
        program = cls(ctx, name, {u.key: u.glsl_type for u in translation.uniforms},
                      {u.key: u.name for u in translation.uniforms})
        program.translation = translation
        return program

    def assign_units(self, gl: Any, samplers: list[str]) -> None:
        """Bind sampler ``samplers[i]`` to texture unit ``i`` (fixed for the program's life).
        Leaves the program in use.  ``gl``: the current context's PyOpenGL module."""
        gl.glUseProgram(self.name)
        for unit, name in enumerate(samplers):
            if self.locations.get(name, -1) >= 0:
                gl.glUniform1i(self.locations[name], unit)

    def set(self, gl: Any, name: str, value: Any) -> None:
        """Upload uniform ``name`` (the program must be in use) unless it already holds
        ``value``; no-op for a uniform the driver optimised out.  Called per pass and per
        sampler, so ``gl`` is passed in rather than looked up (and checked) each time."""
        loc = self.locations.get(name, -1)
        if loc < 0:
            return
        setter, convert = UNIFORM_SETTERS[self.types[name]]
        args = convert(value)
        if self._cache.get(name) != args:
            getattr(gl, setter)(loc, *args)
            self._cache[name] = args

    def delete(self) -> None:
        """Delete the program now (only while its context generation lives)."""
        if self.generation == self.ctx.generation and self.name:
            self.ctx.delete("program", self.name)
        self.name = 0
