"""ISF document model and loader: ``load(path_or_text) -> Document``.

The rules are those of docs/semantics.md, "Files and the header", "Passes and targets",
"Imported images and paths" and "ISF v1 files".

No GL here: a :class:`Document` is plain data, the input of :mod:`offscreen_isf.isf.translate` and
of the renderer.

Rules implemented (VVISF-GL is normative where the spec is silent):

* **Header**: ``o`` = first ``/*`` in the file, ``c`` = first ``*/`` after it (a ``*/``
  anywhere before ``o`` is an error, as in VVISF-GL).  JSON = text between them.  The GLSL body
  is everything after the end of the line holding ``*/`` (``\\r\\n``, ``\\r`` and ``\\n`` each end
  one line); text after ``*/`` on that line is dropped.  :attr:`Document.body_line_offset` is
  the number of .fs lines before the body: body line *k* is .fs line *k + offset*.
* **JSON**: strict first (no NaN/Infinity either).  If that fails, a lenient pass replaces
  ``//`` comments outside strings and trailing commas by blanks (positions kept) and retries;
  success emits an :class:`ISFWarning`.  (A ``/* */`` comment cannot occur inside the header:
  its ``*/`` would end the header by the VVISF-GL rule.)  Failure is a :class:`ParseError` with
  1-based ``line``/``column`` in the .fs file.
* **Metadata**: ``ISFVSN`` → :attr:`Document.vsn` (string, None when missing ⇒ treated as v1
  for :attr:`Document.is_v1`), ``VSN`` → ``file_vsn``, ``DESCRIPTION``, ``CREDIT``,
  ``CATEGORIES`` (non-strings dropped with a warning).  Keys are case-sensitive; a known key in
  the wrong case (``"persistent"``) is ignored with a warning, as VVISF-GL ignores it.
* **INPUTS**: see :mod:`offscreen_isf.isf.inputs`.  Unknown ``TYPE`` ⇒ input skipped + warning.
* **Wrong JSON types** that VVISF-GL silently ignores (``"DEFAULT": "0.9"`` on a float, a
  non-string DESCRIPTION or TARGET, INPUTS that is not an array …) are ignored the same way with
  a precise :class:`ISFWarning`; ``load(..., strict=True)`` makes them ParseErrors.  What
  VVISF-GL rejects (bad PASSES / IMPORTED, malformed arrays) is always a ParseError.
* **PASSES**: missing/empty ⇒ one unnamed pass.  ``TARGET`` string names a target;
  ``PERSISTENT``/``FLOAT`` accept bool, number (>0 ⇒ true) and string (``"true"``/``"yes"`` ⇒
  true, any other string ⇒ false).  ``WIDTH``/``HEIGHT`` (string or number) are compiled size
  expressions (:mod:`offscreen_isf.isf.sizeexpr`); missing ⇒ ``$WIDTH``/``$HEIGHT``.  A later pass
  may name an existing *persistent* target again (same buffer, its WIDTH/HEIGHT/FLOAT update
  it, VVISF-GL); reusing a non-persistent target name is a ParseError (VVISF-GL would emit
  duplicate uniforms and fail to compile).
* **IMPORTED**: dict ``{sampler: {PATH, NAME?}}`` (an explicit NAME overrides the key) or
  array ``[{NAME, PATH}]``.  Paths resolve against the shader's folder and must stay inside it
  (symlinks resolved); escaping is a ParseError unless ``load(..., allow_outside=True)`` or the
  target lies in one of ``allow_paths``.  An existing path that is not a regular file (FIFO,
  device, folder) is a ParseError.  Existence is **not** checked here (the renderer loads the file).  ``"TYPE": "cube"`` (a VVISF-GL extension) takes an array of exactly six
  PATHs, faces +X, -X, +Y, -Y, +Z, -Z, each confined like an image's PATH.
* **v1**: ``PERSISTENT_BUFFERS`` array or dict ``{name: {WIDTH, HEIGHT, FLOAT}}`` creates
  persistent targets (dict-form FLOAT honours bool/number/string, unlike VVISF-GL's bug that
  ignores it); ``vv_FragNormCoord``/``vv_vertShaderInit`` are renamed by translate.py.
* **Kind**: transition (image ``startImage`` + image ``endImage`` + float ``progress``) wins
  over filter (image ``inputImage``); otherwise generator.
* **Vertex shader**: for a file ``X.fs`` (any last extension) ``X.vs`` then ``X.vert`` beside
  it; the base name is the path minus its *last* extension (``a.fs.fs`` pairs with ``a.fs.vs``).
* **Names**: input, IMPORTED and TARGET names share one namespace (they all become GLSL
  uniforms): each must be a GLSL identifier, appear once, and not be reserved by
  :mod:`offscreen_isf.isf.names` (``gl_`` / ``isf_n_`` prefixes, built-ins such as ``TIME``,
  identifiers the translation emits such as ``isf_FlipY`` or ``_NAME_imgSize``, keywords of
  GLSL 1.x / ES 1.00).  Words only later GLSL reserves (``sample``, ``default``, ``filter``)
  are allowed: the translation renames their GLSL identifiers, the public name stays.

``load`` treats a ``str`` as shader **text** when it contains both ``/*`` and a newline, and as a
path otherwise; ``os.PathLike`` is always a path, ``bytes`` always text (UTF-8).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, ParseError
from .files import check_path_text, read_regular, regular_file
from .inputs import SIZE_VARIABLE_TYPES, Input, parse_input
from .names import reserved_reason
from .sizeexpr import SizeExpr, compile_size_expr

__all__ = ["ISFWarning", "Document", "Pass", "Target", "Imported", "load", "extract_header",
           "find_vertex_shader", "KINDS", "CUBE_FACES"]

KINDS = ("generator", "filter", "transition")

_TOP_KEYS = ("ISFVSN", "VSN", "DESCRIPTION", "CREDIT", "CATEGORIES", "INPUTS", "PASSES",
             "IMPORTED", "PERSISTENT_BUFFERS")
_PASS_KEYS = ("TARGET", "PERSISTENT", "FLOAT", "WIDTH", "HEIGHT")
_INPUT_KEYS = ("NAME", "TYPE", "DEFAULT", "MIN", "MAX", "IDENTITY", "VALUES", "LABELS", "LABEL",
               "DESCRIPTION")
_IMPORT_KEYS = ("NAME", "PATH", "TYPE")
_IMPORT_TYPES = ("image", "cube", None)
#: cube map faces in the order of a cube's PATH array (GL_TEXTURE_CUBE_MAP_POSITIVE_X + i)
CUBE_FACES = ("+X", "-X", "+Y", "-Y", "+Z", "-Z")
_VERTEX_EXTENSIONS = (".vs", ".vert")
_MAX_FILE_BYTES = 16 * 1024 * 1024  # a shader bigger than this is not a shader


class ISFWarning(UserWarning):
    """A recoverable oddity in an ISF file (lenient JSON, unknown input TYPE, ignored key …)."""


@dataclass
class Target:
    """A named render target (``TARGET`` of a pass, or a v1 ``PERSISTENT_BUFFERS`` entry).

    ``width``/``height`` are size expressions in pixels (``$WIDTH``/``$HEIGHT`` = requested
    output size); the texture size is ``max(1, round(value))``.  ``float`` ⇒ RGBA32F, else RGBA8.
    """

    name: str
    persistent: bool
    float: bool
    width: SizeExpr
    height: SizeExpr


@dataclass
class Pass:
    """One entry of ``PASSES``.  ``target`` is None for a pass that renders to the output only.

    ``width``/``height`` are the pass's own expressions when written (None otherwise); the size
    actually used is the target's (``Document.targets[target]``), or the output size when the
    pass has no target.
    """

    index: int
    target: str | None
    persistent: bool = False
    float: bool = False
    width: SizeExpr | None = None
    height: SizeExpr | None = None


@dataclass
class Imported:
    """An ``IMPORTED`` image: sampler ``name``, ``path`` as written, ``resolved`` absolute path.

    A cube map (``"TYPE": "cube"``) has its six faces in ``paths`` (as written) and ``faces``
    (resolved), in GL face order +X, -X, +Y, -Y, +Z, -Z; its ``path`` is the six joined by
    ", " (for messages) and ``resolved`` the first face.  An image has ``paths == (path,)``.
    """

    name: str
    path: str
    resolved: Path
    type: str = "image"
    paths: tuple[str, ...] = ()
    faces: tuple[Path, ...] = ()

    @property
    def is_cube(self) -> bool:
        """True for a cube map (a ``samplerCube``), False for a 2D image."""
        return self.type == "cube"


@dataclass
class Document:
    """A parsed ISF shader (no GL).  Coordinates follow GL: origin bottom-left."""

    path: Path | None
    source: str
    header: dict[str, Any]
    inputs: list[Input]
    passes: list[Pass]
    targets: dict[str, Target]
    imported: list[Imported]
    kind: str
    description: str | None
    credit: str | None
    categories: list[str]
    vsn: str | None
    file_vsn: str | None
    fragment_source: str
    vertex_source: str | None
    vertex_path: Path | None
    body_line_offset: int
    header_line: int
    warnings: list[str] = field(default_factory=list)

    # -- convenience ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """File name for messages (``"<string>"`` for a shader given as text)."""
        return str(self.path) if self.path is not None else "<string>"

    @property
    def is_v1(self) -> bool:
        """True when ISFVSN is missing or starts with "1" (v1 conventions may be used)."""
        return self.vsn is None or self.vsn.strip().startswith("1")

    @property
    def output_is_float(self) -> bool:
        """True when the last pass renders into a FLOAT target: the output is then RGBA32F
        (float32 frames, unclamped) rather than RGBA8 (docs/semantics.md "Persistent and float
        buffers").  The one place that answers this question."""
        last = self.passes[-1]  # the loader always makes at least one pass
        return last.target is not None and self.targets[last.target].float

    @property
    def persistent_targets(self) -> list[Target]:
        return [t for t in self.targets.values() if t.persistent]

    @property
    def temporary_targets(self) -> list[Target]:
        return [t for t in self.targets.values() if not t.persistent]

    def input(self, name: str) -> Input:
        """The input called ``name``; InputError listing the known names otherwise."""
        for inp in self.inputs:
            if inp.name == name:
                return inp
        known = ", ".join(i.name for i in self.inputs) or "none"
        raise InputError(f'{self.name} has no input "{name}" (inputs: {known})')

    def image_names(self) -> list[str]:
        """All sampler names in declaration order: image-like inputs, IMPORTED, persistent
        targets, temporary targets (docs/semantics.md, "GLSL translation")."""
        return ([i.name for i in self.inputs if i.is_image] + [i.name for i in self.imported]
                + [t.name for t in self.persistent_targets]
                + [t.name for t in self.temporary_targets])

    def cube_names(self) -> frozenset[str]:
        """Sampler names that are cube maps (``samplerCube``): cube inputs and IMPORTED cubes
        (docs/semantics.md, "Imported images and paths")."""
        return frozenset([i.name for i in self.inputs if i.type == "cube"]
                         + [i.name for i in self.imported if i.is_cube])

    def size_variables(self, width: float, height: float,
                       values: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Variables for size expressions: WIDTH, HEIGHT and every event/bool/long/float input
        (current value from ``values``, else its default; bools as 0/1)."""
        env: dict[str, float] = {"WIDTH": float(width), "HEIGHT": float(height)}
        values = values or {}
        for inp in self.inputs:
            if inp.type in SIZE_VARIABLE_TYPES:
                v = values.get(inp.name, inp.default)
                env[inp.name] = float(v) if v is not None else 0.0
        return env


# ---------------------------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------------------------

def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``; ``\\r\\n``, ``\\r`` and ``\\n`` end a line."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    last = max(before.rfind("\n"), before.rfind("\r"))
    return line, offset - last


@dataclass(frozen=True)
class _Header:
    json_text: str
    json_start: int  # offset of json_text[0] in the file
    body: str
    body_start: int
    body_line_offset: int
    header_line: int


def extract_header(text: str, path: str | None = None) -> _Header:
    """Split ISF text into JSON header and GLSL body (docs/semantics.md, "Files and the header")."""
    o = text.find("/*")
    c_any = text.find("*/")
    if o < 0:
        raise ParseError("no JSON header: an ISF file must start with a /* ... */ comment "
                         "holding a JSON object", path=path, line=1, column=1)
    if 0 <= c_any < o:
        line, col = _line_col(text, c_any)
        raise ParseError("'*/' appears before the header comment's '/*'", path=path,
                         line=line, column=col)
    c = text.find("*/", o + 2)
    if c < 0:
        line, col = _line_col(text, o)
        raise ParseError("header comment opened here is never closed with '*/'", path=path,
                         line=line, column=col)
    # body starts after the line terminator following '*/'
    i = c + 2
    while i < len(text) and text[i] not in "\r\n":
        i += 1
    if text.startswith("\r\n", i):
        i += 2
    elif i < len(text):
        i += 1
    line_offset = _line_col(text, i)[0] - 1
    return _Header(text[o + 2:c], o + 2, text[i:], i, line_offset, _line_col(text, o)[0])


def _lenient(json_text: str) -> str:
    """Blank out comments and trailing commas outside strings; same length, same newlines."""
    out = list(json_text)
    n = len(json_text)
    i = 0
    last_comma: int | None = None  # index of a ',' that may turn out to be trailing
    while i < n:
        ch = json_text[i]
        if ch == '"':
            last_comma = None
            i += 1
            while i < n and json_text[i] != '"':
                i += 2 if json_text[i] == "\\" else 1
            i += 1
            continue
        if ch == "/" and i + 1 < n and json_text[i + 1] == "/":
            while i < n and json_text[i] not in "\r\n":
                out[i] = " "
                i += 1
            continue
        if ch == "/" and i + 1 < n and json_text[i + 1] == "*":
            end = json_text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for k in range(i, end):
                if out[k] not in "\r\n":
                    out[k] = " "
            i = end
            continue
        if ch == ",":
            last_comma = i
        elif ch in "}]":
            if last_comma is not None:
                out[last_comma] = " "
            last_comma = None
        elif not ch.isspace():
            last_comma = None
        i += 1
    return "".join(out)


class _NonFiniteError(ValueError):
    """NaN / Infinity in the header (valid Python, not JSON); internal to :func:`_parse_json`."""


def _reject_constant(name: str) -> Any:
    raise _NonFiniteError(name)


def _json_loads(s: str) -> Any:
    return json.loads(s, parse_constant=_reject_constant)


def _parse_json(h: _Header, text: str, path: str | None,
                warn: Callable[[str], None]) -> Any:
    def fail(exc: Exception, src: str) -> ParseError:
        if isinstance(exc, json.JSONDecodeError):
            line, col = _line_col(text, h.json_start + exc.pos)
            return ParseError(f"header is not valid JSON: {exc.msg}", path=path,
                              line=line, column=col)
        if isinstance(exc, _NonFiniteError):
            pos = src.find(str(exc))
            line, col = _line_col(text, h.json_start + max(pos, 0))
            return ParseError(f"header is not valid JSON: {exc} is not a JSON value", path=path,
                              line=line, column=col)
        line, col = _line_col(text, h.json_start)
        return ParseError("header JSON is nested too deeply", path=path, line=line, column=col)

    try:
        return _json_loads(h.json_text)
    except (ValueError, RecursionError) as strict_exc:
        loose = _lenient(h.json_text)
        if loose == h.json_text:
            raise fail(strict_exc, h.json_text) from None
        try:
            value = _json_loads(loose)
        except (ValueError, RecursionError) as exc:
            # positions are preserved by _lenient, so this points into the original file
            raise fail(exc, loose) from None
        err = fail(strict_exc, h.json_text)
        warn(f"header is not strict JSON ({err.message} at line {err.line}, column "
             f"{err.column}); parsed after removing comments / trailing commas")
        return value


# ---------------------------------------------------------------------------------------------
# loader
# ---------------------------------------------------------------------------------------------

def _is_identifier(name: str) -> bool:
    return (bool(name) and (name[0].isascii() and (name[0].isalpha() or name[0] == "_"))
            and all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name))


def _show(v: Any) -> str:
    try:
        t = json.dumps(v)
    except (TypeError, ValueError):
        t = repr(v)
    return t if len(t) <= 60 else t[:57] + "..."


def _flag(where: str, key: str, v: Any, soft: Callable[[str], None]) -> bool:
    """PERSISTENT / FLOAT: bool, number > 0, or "true"/"yes" (lowercase, VVISF-GL)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v > 0
    if isinstance(v, str):
        return v in ("true", "yes")
    if v is not None:
        soft(f"{where}: {key} must be a boolean, number or string, got {_show(v)}")
    return False


class _Loader:
    def __init__(self, text: str, path: Path | None, base_dir: Path,
                 vertex_source: str | None, vertex_path: Path | None, strict: bool,
                 allow_outside: bool = False, allow_paths: tuple[Path, ...] = ()) -> None:
        self.strict = strict
        self.allow_outside = allow_outside   # IMPORTED confinement, opt-out
        self.allow_paths = allow_paths       # extra roots IMPORTED may point into
        self.text = text
        self.path = path
        self.pstr = str(path) if path is not None else None
        self.base_dir = base_dir
        self.vertex_source = vertex_source
        self.vertex_path = vertex_path
        self.warnings: list[str] = []
        self.names: dict[str, str] = {}  # uniform name -> what declared it

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def soft(self, msg: str, locate: str | None = None) -> None:
        """A problem VVISF-GL silently ignores: warning, or ParseError when strict."""
        if self.strict:
            raise self.error(msg, locate)
        self.warn(f"{msg}; ignored (as VVISF-GL does)")

    def error(self, msg: str, locate: str | None = None, extra_col: int = 0) -> ParseError:
        """ParseError; ``locate`` is a JSON-encoded string searched in the header for a line."""
        line = col = None
        if locate is not None:
            pos = self.header.json_text.find(locate)
            if pos >= 0:
                line, col = _line_col(self.text, self.header.json_start + pos)
                if extra_col and line is not None:
                    col += extra_col
        return ParseError(msg, path=self.pstr, line=line, column=col)

    def claim(self, name: str, what: str, where: str) -> None:
        """Register a uniform name; ParseError if it is invalid or already taken."""
        loc = json.dumps(name)
        if not _is_identifier(name):
            raise self.error(f'{where}: "{name}" is not a valid GLSL identifier '
                             "(letters, digits, _; no spaces; not starting with a digit)", loc)
        reason = reserved_reason(name)
        if reason is not None:  # it would clash inside the generated GLSL (isf/names.py)
            raise self.error(f'{where}: "{name}" is reserved ({reason})', loc)
        if name in self.names:
            raise self.error(f'{where}: duplicate name "{name}" (already used by '
                             f"{self.names[name]})", loc)
        self.names[name] = what

    def check_keys(self, d: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        upper = {k.upper(): k for k in known}
        for k in d:
            if k not in known and isinstance(k, str) and k.upper() in upper:
                self.warn(f"{where}: key {k!r} ignored: ISF keys are case-sensitive "
                          f"(did you mean {upper[k.upper()]!r}?)")

    # -- main ---------------------------------------------------------------------------------
    def load(self) -> Document:
        self.header = extract_header(self.text, self.pstr)
        top = _parse_json(self.header, self.text, self.pstr, self.warn)
        if not isinstance(top, dict):
            line, col = _line_col(self.text, self.header.json_start)
            raise ParseError(f"header must be a JSON object, got {type(top).__name__}",
                             path=self.pstr, line=line, column=col)
        self.check_keys(top, _TOP_KEYS, "header")

        description = self.opt_str(top, "DESCRIPTION")
        credit = self.opt_str(top, "CREDIT")
        vsn = self.version(top, "ISFVSN")
        file_vsn = self.version(top, "VSN")
        categories = self.categories(top.get("CATEGORIES"))
        inputs = self.inputs(top.get("INPUTS"))
        imported = self.imported(top.get("IMPORTED"))
        targets: dict[str, Target] = {}
        pp = _PassesParser(self)
        pp.persistent_buffers(top.get("PERSISTENT_BUFFERS"), targets)
        passes = pp.passes(top.get("PASSES"), targets)
        pp.check_size_variables(inputs, targets, passes)

        return Document(
            path=self.path, source=self.text, header=top, inputs=inputs, passes=passes,
            targets=targets, imported=imported, kind=_classify(inputs),
            description=description, credit=credit, categories=categories, vsn=vsn,
            file_vsn=file_vsn, fragment_source=self.header.body,
            vertex_source=self.vertex_source, vertex_path=self.vertex_path,
            body_line_offset=self.header.body_line_offset,
            header_line=self.header.header_line, warnings=self.warnings)

    # -- metadata -----------------------------------------------------------------------------
    def opt_str(self, top: dict[str, Any], key: str) -> str | None:
        v = top.get(key)
        if v is None or isinstance(v, str):
            return v
        self.soft(f"{key} must be a string, got {_show(v)}", f'"{key}"')
        return None

    def version(self, top: dict[str, Any], key: str) -> str | None:
        v = top.get(key)
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)  # "ISFVSN": 2 is seen in the wild; keep it readable
        self.soft(f"{key} must be a string, got {_show(v)}", f'"{key}"')
        return None

    def categories(self, v: Any) -> list[str]:
        if v is None:
            return []
        if not isinstance(v, list):
            self.soft(f"CATEGORIES must be an array of strings, got {_show(v)}", '"CATEGORIES"')
            return []
        out = [c for c in v if isinstance(c, str)]
        if len(out) != len(v):
            self.soft("CATEGORIES must hold strings only", '"CATEGORIES"')
        return out

    # -- inputs -------------------------------------------------------------------------------
    def inputs(self, v: Any) -> list[Input]:
        if v is None:
            return []
        if not isinstance(v, list):
            self.soft(f"INPUTS must be an array, got {_show(v)}", '"INPUTS"')
            return []
        out: list[Input] = []
        for i, entry in enumerate(v):
            try:
                inp = parse_input(entry, i, self.warn, self.strict)
            except ParseError as exc:
                name = entry.get("NAME") if isinstance(entry, dict) else None
                raise self.error(exc.message, json.dumps(name) if isinstance(name, str)
                                 else None) from None
            if isinstance(entry, dict):
                self.check_keys(entry, _INPUT_KEYS, f"INPUTS[{i}]")
            if inp is None:
                continue
            self.claim(inp.name, f"INPUTS[{i}]", f"INPUTS[{i}]")
            out.append(inp)
        return out

    # -- imported -----------------------------------------------------------------------------
    def imported(self, v: Any) -> list[Imported]:
        if v is None:
            return []
        entries: list[tuple[str, Any, Any]] = []  # (where, name, spec dict)
        if isinstance(v, dict):
            for key, spec in v.items():
                where = f'IMPORTED "{key}"'
                if not isinstance(spec, dict):
                    raise self.error(f"{where} must be an object with PATH, got {_show(spec)}",
                                     json.dumps(key))
                name = spec.get("NAME", key)  # VVISF-GL: explicit NAME overrides the key
                entries.append((where, name, spec))
        elif isinstance(v, list):
            for i, spec in enumerate(v):
                where = f"IMPORTED[{i}]"
                if not isinstance(spec, dict):
                    raise self.error(f"{where} must be an object with NAME and PATH, "
                                     f"got {_show(spec)}", '"IMPORTED"')
                entries.append((where, spec.get("NAME"), spec))
        else:
            raise self.error(f"IMPORTED must be an object or an array, got {_show(v)}",
                             '"IMPORTED"')
        out: list[Imported] = []
        for where, name, spec in entries:
            self.check_keys(spec, _IMPORT_KEYS, where)
            if not isinstance(name, str):
                raise self.error(f"{where}: NAME must be a string, got {_show(name)}",
                                 '"IMPORTED"')
            kind = spec.get("TYPE", "image")
            if kind not in _IMPORT_TYPES:
                raise self.error(f'{where} "{name}": TYPE {_show(kind)} is not supported '
                                 '(an IMPORTED entry is a 2D image, or "cube" with six PATHs)',
                                 json.dumps(name))
            paths = self.import_paths(where, name, spec.get("PATH"), kind == "cube")
            faces = tuple(self.import_file(where, name, p) for p in paths)
            self.claim(name, where, where)
            out.append(Imported(name, ", ".join(paths), faces[0], "cube" if kind == "cube"
                                else "image", paths, faces))
        return out

    def import_paths(self, where: str, name: str, v: Any, cube: bool) -> tuple[str, ...]:
        """The PATH of an IMPORTED entry as written: one string, or six for a cube map
        (docs/semantics.md, "Imported images and paths")."""
        if not cube:
            if not isinstance(v, str) or not v:
                raise self.error(f'{where} "{name}": PATH for IMPORTED is missing or not a '
                                 f"string, got {_show(v)}", json.dumps(name))
            return (v,)
        if (not isinstance(v, list) or len(v) != len(CUBE_FACES)
                or not all(isinstance(p, str) and p for p in v)):
            raise self.error(f'{where} "{name}": a cube map\'s PATH must be an array of '
                             f"{len(CUBE_FACES)} file names, one per face in the order "
                             f"{', '.join(CUBE_FACES)}; got {_show(v)}", json.dumps(name))
        return tuple(v)

    def import_file(self, where: str, name: str, p: str) -> Path:
        """``p`` resolved against the shader's folder and confined to it (or to an allowed
        folder); ParseError naming the entry otherwise."""
        base = self.base_dir.resolve()
        try:
            resolved = (base / p).resolve()
        except (OSError, ValueError, RuntimeError) as exc:
            raise self.error(f'{where} "{name}": PATH {p!r} cannot be resolved: {exc}',
                             json.dumps(p)) from None
        if not (self.allow_outside or resolved.is_relative_to(base)
                or any(resolved.is_relative_to(root) for root in self.allow_paths)):
            raise self.error(f'{where} "{name}": PATH {p!r} escapes the shader\'s folder '
                             f"{str(base)!r}; IMPORTED files must be inside it (or in a folder "
                             "allowed with load(..., allow_paths=[...]) / "
                             "Renderer(..., allow_paths=[...]))", json.dumps(p))
        try:
            special = resolved.exists() and not resolved.is_file()
        except OSError as exc:     # a name over the system's length limit
            raise self.error(f'{where} "{name}": PATH {p!r} cannot be read: {exc.strerror}',
                             json.dumps(p)) from None
        if special:
            # a FIFO would block the renderer forever, a device could be endless
            raise self.error(f'{where} "{name}": PATH {p!r} is not a regular file',
                             json.dumps(p))
        return resolved


class _PassesParser:
    """PASSES, v1 PERSISTENT_BUFFERS and their size expressions, for one :class:`_Loader`
    (whose error, warning and name-claiming rules it uses)."""

    def __init__(self, loader: _Loader) -> None:
        self.ld = loader

    def size(self, where: str, key: str, v: Any, default: str) -> SizeExpr:
        if v is None:
            return compile_size_expr(default)
        try:
            return compile_size_expr(v)
        except ParseError as exc:
            loc = json.dumps(v) if isinstance(v, str) else None
            # column: inside the quoted string in the file (+1 for the quote)
            col_in_expr = (exc.column or 1)
            err = self.ld.error(f"{where}: {key}: {exc.message}", loc, extra_col=col_in_expr)
            raise err from None

    def persistent_buffers(self, v: Any, targets: dict[str, Target]) -> None:
        if v is None:
            return
        if isinstance(v, list):
            items: list[tuple[Any, Any]] = [(n, {}) for n in v]
        elif isinstance(v, dict):
            items = list(v.items())
        else:
            raise self.ld.error(f"PERSISTENT_BUFFERS must be an array or an object, got {_show(v)}",
                             '"PERSISTENT_BUFFERS"')
        for name, spec in items:
            where = f"PERSISTENT_BUFFERS {_show(name)}"
            if not isinstance(name, str):
                raise self.ld.error(f"PERSISTENT_BUFFERS entries must be names (strings), "
                                 f"got {_show(name)}", '"PERSISTENT_BUFFERS"')
            if not isinstance(spec, dict):
                raise self.ld.error(f"{where}: must map to an object with WIDTH/HEIGHT/FLOAT, "
                                 f"got {_show(spec)}", json.dumps(name))
            self.ld.check_keys(spec, ("WIDTH", "HEIGHT", "FLOAT"), where)
            self.ld.claim(name, where, where)
            targets[name] = Target(name, True, _flag(where, "FLOAT", spec.get("FLOAT"), self.ld.soft),
                                   self.size(where, "WIDTH", spec.get("WIDTH"), "$WIDTH"),
                                   self.size(where, "HEIGHT", spec.get("HEIGHT"), "$HEIGHT"))

    def passes(self, v: Any, targets: dict[str, Target]) -> list[Pass]:
        if v is None or v == []:
            return [Pass(0, None)]
        if not isinstance(v, list):
            raise self.ld.error(f"PASSES must be an array, got {_show(v)}", '"PASSES"')
        out: list[Pass] = []
        for i, spec in enumerate(v):
            where = f"PASSES[{i}]"
            if not isinstance(spec, dict):
                raise self.ld.error(f"{where} must be an object, got {_show(spec)}", '"PASSES"')
            self.ld.check_keys(spec, _PASS_KEYS, where)
            name = spec.get("TARGET")
            if name is not None and not isinstance(name, str):
                # VVISF-GL: a non-string TARGET makes an unnamed pass
                self.ld.soft(f"{where}: TARGET must be a string, got {_show(name)}", '"TARGET"')
                name = None
            if name == "":
                name = None  # an empty TARGET names nothing: render to the output
            persistent = _flag(where, "PERSISTENT", spec.get("PERSISTENT"), self.ld.soft)
            is_float = _flag(where, "FLOAT", spec.get("FLOAT"), self.ld.soft)
            wexpr = self.size(where, "WIDTH", spec["WIDTH"], "") if "WIDTH" in spec else None
            hexpr = self.size(where, "HEIGHT", spec["HEIGHT"], "") if "HEIGHT" in spec else None
            if name is not None:
                where_t = f'{where} "{name}"'
                old = targets.get(name)
                if old is not None and old.persistent:
                    # VVISF-GL: a persistent name reused refers to the same buffer
                    if "FLOAT" in spec:
                        old.float = is_float
                    old.width = wexpr or old.width
                    old.height = hexpr or old.height
                    persistent = True
                elif old is not None:
                    raise self.ld.error(f"{where_t}: duplicate TARGET \"{name}\" (a non-persistent "
                                     "target can be written by one pass only)", json.dumps(name))
                else:
                    self.ld.claim(name, where, where_t)
                    targets[name] = Target(name, persistent, is_float,
                                           wexpr or compile_size_expr("$WIDTH"),
                                           hexpr or compile_size_expr("$HEIGHT"))
            out.append(Pass(i, name, persistent, is_float, wexpr, hexpr))
        return out

    def check_size_variables(self, inputs: list[Input], targets: dict[str, Target],
                             passes: list[Pass]) -> None:
        allowed = {"WIDTH", "HEIGHT"} | {i.name for i in inputs if i.type in SIZE_VARIABLE_TYPES}
        exprs: list[tuple[str, SizeExpr | None]] = []
        for t in targets.values():
            exprs += [(f'target "{t.name}" WIDTH', t.width), (f'target "{t.name}" HEIGHT', t.height)]
        for p in passes:
            exprs += [(f"PASSES[{p.index}] WIDTH", p.width), (f"PASSES[{p.index}] HEIGHT", p.height)]
        for where, e in exprs:
            if e is None:
                continue
            unknown = sorted(e.variables - allowed)
            if unknown:
                raise self.ld.error(
                    f"{where}: size expression {e.source!r} uses unknown variable "
                    f"${unknown[0]} (allowed: $WIDTH, $HEIGHT and event/bool/long/float inputs: "
                    f"{', '.join('$' + a for a in sorted(allowed - {'WIDTH', 'HEIGHT'})) or 'none'})",
                    json.dumps(e.source))

def _classify(inputs: list[Input]) -> str:
    types = {i.name: i.type for i in inputs}
    if (types.get("startImage") == "image" and types.get("endImage") == "image"
            and types.get("progress") == "float"):
        return "transition"  # VVISF-GL: transition overrides filter
    if types.get("inputImage") == "image":
        return "filter"
    return "generator"


def _read_text(p: Path, what: str) -> str:
    # a regular file only, checked before opening (docs/semantics.md, "Imported images and paths")
    try:
        data = read_regular(p, what, ParseError, _MAX_FILE_BYTES)
    except ParseError as exc:
        raise ParseError(exc.message, path=str(p)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what} is not UTF-8 text (byte {exc.start})", path=str(p)) from None
    return text[1:] if text.startswith("\ufeff") else text


def find_vertex_shader(fs_path: Path, roots: Sequence[Path] = (), allow_outside: bool = False) -> Path | None:
    """The sibling vertex shader: path minus its last extension + ``.vs``, then ``.vert``.

    A sibling that exists must be a regular file resolving inside the shader's folder (or
    ``roots``, or anywhere with ``allow_outside``): ParseError otherwise, before any of its
    content is read (a symlink to a secret must not reach a compile log)."""
    base = os.path.splitext(str(fs_path))[0]
    for ext in _VERTEX_EXTENSIONS:
        cand = Path(base + ext)
        if cand == fs_path or not os.path.lexists(cand):
            continue
        folder = fs_path.parent.resolve()
        try:
            resolved = cand.resolve()
        except (OSError, RuntimeError) as exc:
            raise ParseError(f"vertex shader cannot be resolved: {exc}", path=str(cand)) from None
        if not (allow_outside or resolved.is_relative_to(folder)
                or any(resolved.is_relative_to(r) for r in roots)):
            raise ParseError(f"vertex shader resolves outside the shader's folder {str(folder)!r}; "
                             "refusing to read it (load(..., allow_paths=[...]) allows a folder)",
                             path=str(cand))
        regular_file(cand, "vertex shader", ParseError)
        return cand
    return None


def load(source: str | os.PathLike[str] | bytes, *, base_dir: str | os.PathLike[str] | None = None,
         vertex_source: str | None = None, strict: bool = False, allow_outside: bool = False,
         allow_paths: Sequence[str | os.PathLike[str]] = ()) -> Document:
    """Load an ISF shader from a path or from its text.

    ``source``: a ``str`` containing ``/*`` and a newline is shader text; any other ``str`` or
    ``os.PathLike`` is a path to the ``.fs`` file; ``bytes`` are UTF-8 text.
    ``base_dir``: folder IMPORTED paths resolve in for a shader given as text (default: the
    current directory); ignored for paths (the shader's own folder is used).
    ``vertex_source``: custom vertex shader text; for a path the sibling ``.vs``/``.vert`` is read
    when this is None.
    ``strict``: values VVISF-GL silently ignores (a wrongly typed DEFAULT, a non-object INPUTS
    entry, a non-string TARGET …) raise :class:`ParseError` instead of warning.
    ``allow_outside``: let IMPORTED paths leave the shader's folder (``..``, absolute paths,
    symlinks pointing out); off by default because shaders may be untrusted.
    ``allow_paths``: extra folders IMPORTED paths may resolve into (symlinks resolved).

    Warnings (lenient JSON, skipped inputs, ignored keys) are emitted as :class:`ISFWarning` and
    kept in ``Document.warnings``.  Raises :class:`ParseError` for anything malformed.
    """
    path: Path | None = None
    vertex_path: Path | None = None
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"shader text is not UTF-8 (byte {exc.start})") from None
    elif isinstance(source, str) and "/*" in source and ("\n" in source or "\r" in source):
        text = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(check_path_text(source, "shader file", ParseError))
        text = _read_text(path, "shader file")
    else:
        raise ParseError(f"load() needs a path or shader text, got {type(source).__name__}")
    text = text[1:] if text.startswith("\ufeff") else text

    try:
        roots = tuple(Path(r).resolve() for r in allow_paths)
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        raise ParseError(f"allow_paths must be folders, got {allow_paths!r}: {exc}") from None
    if path is not None:
        base = path.parent if str(path.parent) else Path(".")
        if vertex_source is None:
            vertex_path = find_vertex_shader(path, roots, bool(allow_outside))
            if vertex_path is not None:
                vertex_source = _read_text(vertex_path, "vertex shader")
    else:
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    loader = _Loader(text, path, base, vertex_source, vertex_path, strict, bool(allow_outside), roots)
    doc = loader.load()
    for msg in doc.warnings:
        warnings.warn(f"{doc.name}: {msg}", ISFWarning, stacklevel=2)
    return doc
