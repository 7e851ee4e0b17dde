"""The architecture the folders promise, checked from the source text (pure Python, no GL).

The import graph of ``offscreen_isf/``, ``backends/`` (installed as ``offscreen_isf.backends``)
and ``conformance/`` is built with :mod:`ast` from every ``import`` statement: at module level,
inside functions, and under ``if TYPE_CHECKING:`` (a type-only import is still a dependency a
reader must follow, and a cycle hidden behind it is still a cycle of design).  Asserted:

* no import cycles.  A package ``__init__`` that re-exports its own submodules is not an edge
  back into the package (importing ``a.b`` runs ``a/__init__`` first by design, not by choice);
* layer order ``errors < backends < isf < media < contract < gl < farm < facade < compat``
  (the facade is ``offscreen_isf/__init__`` and ``__main__``; compat is a client of that
  public API): a module never imports a higher layer, every module of the package has a
  layer, and nothing in the package imports ``conformance``, ``benchmarks`` or ``tests``;
* ``isf/`` and ``media/`` never import OpenGL;
* ``backends/`` imports only ``offscreen_isf.errors`` and itself from the package;
* nothing in the package touches ``sys.path``;
* every public exception class of the package and backends is defined in
  ``offscreen_isf/errors.py`` (a module may keep a private ``_Name`` signal for itself);
* no class over 250 lines and no function over 60 lines in ``offscreen_isf/`` and ``backends/``
  (``offscreen_isf/compat`` aside: its emulation tables mirror another library).

``python tests/test_architecture.py`` prints the graph's cycles and every violation.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from offscreen_isf.errors import ERRORS  # pure Python: the error module imports nothing

ROOT = Path(__file__).resolve().parents[1]
#: source folder -> the dotted package it is installed as
TREES: dict[str, str] = {"offscreen_isf": "offscreen_isf", "backends": "offscreen_isf.backends",
                         "conformance": "conformance"}

#: dotted prefix -> layer; the longest matching prefix wins.  Lower layers never import higher.
LAYERS: dict[str, float] = {
    "offscreen_isf.errors": 0,
    "offscreen_isf.backends": 1,
    "offscreen_isf.isf": 2,
    "offscreen_isf.media": 3,
    "offscreen_isf.contract": 4,
    "offscreen_isf.gl": 5,
    "offscreen_isf.farm": 6,
    "offscreen_isf.compat": 8,
    "conformance": 9,              # tools outside the package may use all of it
}
#: The public facade (re-exports of the layers below; ``python -m offscreen_isf``): exact
#: names, so a new top-level module must be given a layer rather than fall in here.  compat
#: is written against this public API, so it sits above it.
FACADE: dict[str, float] = {"offscreen_isf": 7, "offscreen_isf.__main__": 7}
#: packages the library must never import (tools that live beside it in the checkout)
OUTSIDE = ("conformance", "benchmarks", "tests")
NO_OPENGL = ("offscreen_isf.isf", "offscreen_isf.media")
MAX_CLASS_LINES = 250
MAX_FUNCTION_LINES = 60
SIZE_EXEMPT = ("offscreen_isf.compat",)


@dataclass(frozen=True)
class Import:
    """One imported name, resolved: ``target`` is the dotted module (a known module of the
    graph when it is one), ``line`` where the statement is, ``scope`` module / function."""

    source: str
    target: str
    line: int
    scope: str


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool


def _module_name(path: Path, folder: str) -> tuple[str, bool]:
    rel = path.relative_to(ROOT / folder).with_suffix("")
    parts = [TREES[folder], *rel.parts]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def load_modules() -> dict[str, Module]:
    """Every ``.py`` file of the three trees, by dotted name."""
    out: dict[str, Module] = {}
    for folder in TREES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name, is_package = _module_name(path, folder)
            out[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)),
                               is_package)
    return out


def _scoped_nodes(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """Every node with the scope it sits in ("module" or "function")."""
    stack: list[tuple[ast.AST, str]] = [(tree, "module")]
    while stack:
        node, scope = stack.pop()
        yield node, scope
        inner = "function" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                ast.Lambda)) else scope
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _resolve(target: str, known: dict[str, Module]) -> str:
    """The longest prefix of ``target`` that is a module of the graph, else ``target``."""
    parts = target.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in known:
            return ".".join(parts[:n])
    return target


def imports_of(mod: Module, known: dict[str, Module]) -> list[Import]:
    """Resolved imports of ``mod`` (``from pkg import sub`` points at ``pkg.sub``)."""
    out: list[Import] = []
    for node, scope in _scoped_nodes(mod.tree):
        if isinstance(node, ast.Import):
            out += [Import(mod.name, _resolve(a.name, known), node.lineno, scope) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = mod.name.split(".")
                if not mod.is_package:
                    base_parts.pop()
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if sub in known else _resolve(base, known)
                out.append(Import(mod.name, target, node.lineno, scope))
    return out


def build_graph(modules: dict[str, Module]) -> dict[str, list[Import]]:
    return {name: imports_of(mod, modules) for name, mod in modules.items()}


def cycle_edges(modules: dict[str, Module],
                graph: dict[str, list[Import]]) -> dict[str, set[str]]:
    """Module -> modules of the graph it imports, without a package's edges to its own
    submodules (re-exports)."""
    edges: dict[str, set[str]] = {}
    for name, imps in graph.items():
        mod = modules[name]
        edges[name] = {i.target for i in imps if i.target in modules and i.target != name
                       and not (mod.is_package and i.target.startswith(name + "."))}
    return edges


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as one cycle
    through its members (``a -> b -> ... -> a``), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    sccs: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(_cycle_through(comp, edges) for comp in sccs)


def _cycle_through(comp: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from the component's first member back to itself (BFS)."""
    members, start = set(comp), comp[0]
    prev: dict[str, str] = {start: start}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for v in frontier:
            for w in sorted(edges[v] & members):
                if w == start:
                    chain = [v]
                    while chain[-1] != start:
                        chain.append(prev[chain[-1]])
                    return [*reversed(chain), start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"{comp} is not strongly connected")


def layer_of(name: str) -> float | None:
    if name in FACADE:
        return FACADE[name]
    best = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len, default=None)
    return None if best is None else LAYERS[best]


def _in(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# ---------------------------------------------------------------------------------------------
# the checks, each returning its violations as readable lines
# ---------------------------------------------------------------------------------------------

def layer_violations(graph: dict[str, list[Import]], module: str) -> list[str]:
    out: list[str] = []
    mine = layer_of(module)
    if mine is None and _in(module, "offscreen_isf"):
        out.append(f"{module} has no layer: put it in a layer folder or add it to LAYERS")
    for imp in graph[module]:
        if _in(module, "offscreen_isf") and _in(imp.target, OUTSIDE):
            out.append(f"{module}:{imp.line} imports {imp.target} (outside the package)")
            continue
        theirs = layer_of(imp.target)
        if mine is not None and theirs is not None and theirs > mine:
            out.append(f"{module}:{imp.line} ({imp.scope}) imports higher layer {imp.target}")
    return out


def opengl_violations(graph: dict[str, list[Import]], module: str) -> list[str]:
    if not _in(module, NO_OPENGL):
        return []
    return [f"{module}:{i.line} imports {i.target}" for i in graph[module] if _in(i.target, "OpenGL")]


def backends_violations(graph: dict[str, list[Import]], module: str) -> list[str]:
    if not _in(module, "offscreen_isf.backends"):
        return []
    return [f"{module}:{i.line} ({i.scope}) imports {i.target}" for i in graph[module]
            if _in(i.target, ("offscreen_isf", "conformance"))
            and not _in(i.target, ("offscreen_isf.errors", "offscreen_isf.backends"))]


def sys_path_violations(mod: Module) -> list[str]:
    if not _in(mod.name, "offscreen_isf"):
        return []
    out: list[str] = []
    for node in ast.walk(mod.tree):
        if (isinstance(node, ast.Attribute) and node.attr == "path"
                and isinstance(node.value, ast.Name) and node.value.id == "sys"):
            out.append(f"{mod.name}:{node.lineno} uses sys.path")
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(
                a.name == "path" for a in node.names):
            out.append(f"{mod.name}:{node.lineno} imports sys.path")
    return out


#: base classes that make a class an exception (builtins, and the names errors.py defines)
_EXCEPTION_BASES = frozenset({
    "BaseException", "Exception", "ValueError", "RuntimeError", "OSError", "TimeoutError",
    "TypeError", "KeyError", "LookupError", "ArithmeticError", *ERRORS,
})


#: modules that mirror another library's exception classes (constructors and str() are that
#: library's); each class there also derives from the matching errors.py class
MIRRORED_ERRORS = ("offscreen_isf.compat._v09_errors",)


def error_class_violations(mod: Module) -> list[str]:
    if not _in(mod.name, "offscreen_isf") or mod.name in ("offscreen_isf.errors", *MIRRORED_ERRORS):
        return []
    out: list[str] = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                     for b in node.bases}
            if bases & _EXCEPTION_BASES:
                out.append(f"{mod.name}:{node.lineno} defines exception {node.name} outside errors.py")
    return out


def size_violations(mod: Module) -> list[str]:
    if not _in(mod.name, "offscreen_isf") or _in(mod.name, SIZE_EXEMPT):
        return []
    out: list[str] = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef):
            limit, kind = MAX_CLASS_LINES, "class"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            limit, kind = MAX_FUNCTION_LINES, "function"
        else:
            continue
        n = (node.end_lineno or node.lineno) - node.lineno + 1
        if n > limit:
            out.append(f"{mod.name}:{node.lineno} {kind} {node.name} has {n} lines (limit {limit})")
    return out


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------

MODULES = load_modules()
GRAPH = build_graph(MODULES)
NAMES = sorted(MODULES)


def test_graph_sees_the_package() -> None:
    """The graph is not vacuous: known edges and function-level imports are found."""
    assert {"offscreen_isf.errors", "offscreen_isf.isf.document", "offscreen_isf.backends",
            "offscreen_isf.backends.egl", "conformance.runner"} <= set(MODULES)
    assert "offscreen_isf.errors" in {i.target for i in GRAPH["offscreen_isf.isf.document"]}
    assert any(i.scope == "function" for imps in GRAPH.values() for i in imps)


def test_checks_catch_what_they_claim() -> None:
    """Each check fires on a small synthetic package (so a passing run means something)."""
    src = {
        "offscreen_isf.isf.a": "import OpenGL.GL\nfrom ..gl import b\nimport sys\nsys.path.append('x')\n",
        "offscreen_isf.gl.b": "def f():\n    from ..isf import a\n" + "    x = 1\n" * 61,
        "offscreen_isf.backends.c": "from offscreen_isf.gl import b\n",
    }
    mods = {n: Module(n, Path(n), ast.parse(s), False) for n, s in src.items()}
    graph = build_graph(mods)
    assert find_cycles(cycle_edges(mods, graph)) == [
        ["offscreen_isf.gl.b", "offscreen_isf.isf.a", "offscreen_isf.gl.b"]]
    assert layer_violations(graph, "offscreen_isf.isf.a")
    assert not layer_violations(graph, "offscreen_isf.gl.b")
    assert opengl_violations(graph, "offscreen_isf.isf.a")
    assert backends_violations(graph, "offscreen_isf.backends.c")
    assert sys_path_violations(mods["offscreen_isf.isf.a"])
    err = Module("offscreen_isf.gl.e", Path("e"), ast.parse(
        "class Oops(ValueError): pass\nclass _Quiet(Exception): pass\nclass W(UserWarning): pass\n"), False)
    assert error_class_violations(err) == ["offscreen_isf.gl.e:1 defines exception Oops outside errors.py"]
    assert size_violations(mods["offscreen_isf.gl.b"])


def test_no_import_cycles() -> None:
    cycles = find_cycles(cycle_edges(MODULES, GRAPH))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", NAMES)
def test_layers(module: str) -> None:
    """Lower layers never import higher ones; isf/ and media/ never import OpenGL;
    backends/ imports only offscreen_isf.errors from the package."""
    bad = (layer_violations(GRAPH, module) + opengl_violations(GRAPH, module)
           + backends_violations(GRAPH, module))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", NAMES)
def test_no_sys_path(module: str) -> None:
    bad = sys_path_violations(MODULES[module])
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", NAMES)
def test_errors_live_in_errors_py(module: str) -> None:
    bad = error_class_violations(MODULES[module])
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", NAMES)
def test_size_limits(module: str) -> None:
    bad = size_violations(MODULES[module])
    assert not bad, "\n".join(bad)


def main() -> int:
    """Print the cycles and every violation; exit status 1 when there is any."""
    cycles = find_cycles(cycle_edges(MODULES, GRAPH))
    print(f"{len(MODULES)} modules, {sum(map(len, GRAPH.values()))} imports")
    print(f"cycles ({len(cycles)}):")
    for c in cycles:
        print("  " + " -> ".join(c))
    bad = [line for name in NAMES for line in (
        layer_violations(GRAPH, name) + opengl_violations(GRAPH, name)
        + backends_violations(GRAPH, name) + sys_path_violations(MODULES[name])
        + error_class_violations(MODULES[name]) + size_violations(MODULES[name]))]
    print(f"violations ({len(bad)}):")
    for line in bad:
        print("  " + line)
    return 1 if cycles or bad else 0


if __name__ == "__main__":
    sys.exit(main())
