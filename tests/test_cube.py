"""Cube maps (docs/semantics.md, "Imported images and paths"): IMPORTED ``"TYPE": "cube"`` with
six PATHs and the ``cube`` input type, as VVISF-GL loads them.

Face order +X, -X, +Y, -Y, +Z, -Z (PATH[i] -> GL_TEXTURE_CUBE_MAP_POSITIVE_X + i); each face is
uploaded as its file stores it, top row first, so the image's top-left texel is at s = t = 0.
With the GL cube map face rules that puts each face's top-left corner toward these directions
(major axis first), which the tests below check with a marker in every face's top-left corner.
Test images are generated here (numpy -> PNG in tmp_path).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.errors import CompileError, InputError, ParseError
from offscreen_isf.isf.document import CUBE_FACES, load
from offscreen_isf.isf.translate import translate

FACE_FILES = ["px.png", "nx.png", "py.png", "ny.png", "pz.png", "nz.png"]
#: a distinct opaque colour per face, in face order
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255)]
MARKER = (255, 255, 255)
FACE = 8  # face size in pixels

#: the axis direction of each face, then the direction of each face's top-left corner
#: (s = t = 0.1 by the GL face table: +X sc=-rz tc=-ry; -X sc=rz tc=-ry; +Y sc=rx tc=rz;
#: -Y sc=rx tc=-rz; +Z sc=rx tc=-ry; -Z sc=-rx tc=-ry)
AXES = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
TOP_LEFT = [(1, .8, .8), (-1, .8, -.8), (-.8, 1, -.8), (-.8, -1, .8), (-.8, .8, 1), (.8, .8, -1)]
#: the opposite (bottom-right) corner of each face: face colour, not the marker
BOTTOM_RIGHT = [(1, -.8, -.8), (-1, -.8, .8), (.8, 1, .8), (.8, -1, -.8), (.8, -.8, 1),
                (-.8, -.8, -1)]
DIRECTIONS = AXES + TOP_LEFT + BOTTOM_RIGHT


def face(i: int, size: int = FACE) -> np.ndarray:
    """Face ``i``: its colour, with a 2x2 marker in the top-left corner (rows top first)."""
    a = np.zeros((size, size, 4), np.uint8)
    a[..., :3] = COLOURS[i]
    a[..., 3] = 255
    a[:2, :2, :3] = MARKER
    return a


def write_faces(folder: Path, names: list[str] = FACE_FILES, size: int = FACE) -> None:
    for i, name in enumerate(names):
        oi.write_png(folder / name, face(i, size))


def header(extra: dict) -> str:
    return "/*" + json.dumps({"ISFVSN": "2", **extra}) + "*/\n"


def lookup_body(expr: str) -> str:
    """Pixel x of row 0 looks along DIRECTIONS[x] with ``expr`` (``D`` = the direction)."""
    dirs = ", ".join(f"vec3({x}, {y}, {z})" for x, y, z in DIRECTIONS)
    return (f"const vec3 DIRS[{len(DIRECTIONS)}] = vec3[{len(DIRECTIONS)}]({dirs});\n"
            "void main() {\n"
            "    vec3 D = DIRS[int(gl_FragCoord.x)];\n"
            f"    gl_FragColor = {expr};\n"
            "}\n")


def imported_shader(folder: Path, expr: str, paths: list[str] = FACE_FILES) -> Path:
    path = folder / "cube.fs"
    path.write_text(header({"IMPORTED": {"env": {"TYPE": "cube", "PATH": paths}}})
                    + lookup_body(expr))
    return path


def expected_row() -> np.ndarray:
    colours = COLOURS + [MARKER] * 6 + COLOURS
    return np.array(colours, np.uint8)


def render_row(shader: Path | str, **inputs) -> np.ndarray:
    with oi.Renderer(shader, (len(DIRECTIONS), 1), **inputs) as r:
        return r.render(0.0)[0, :, :3]


# -- parsing ------------------------------------------------------------------------------------

def test_imported_cube_parsed_in_face_order(tmp_path: Path) -> None:
    doc = load(imported_shader(tmp_path, "vec4(0.0)"))
    (imp,) = doc.imported
    assert imp.is_cube and imp.type == "cube"
    assert imp.paths == tuple(FACE_FILES)
    assert imp.faces == tuple((tmp_path / n).resolve() for n in FACE_FILES)
    assert doc.cube_names() == {"env"}
    assert CUBE_FACES == ("+X", "-X", "+Y", "-Y", "+Z", "-Z")


@pytest.mark.parametrize("paths, fragment", [
    (FACE_FILES[:5], "array of 6"), (FACE_FILES + ["x.png"], "array of 6"),
    ("px.png", "array of 6"), (FACE_FILES[:5] + [3], "array of 6"),
    (FACE_FILES[:5] + [""], "array of 6"),
])
def test_imported_cube_path_count_and_type(tmp_path: Path, paths, fragment: str) -> None:
    path = tmp_path / "bad.fs"
    path.write_text(header({"IMPORTED": {"env": {"TYPE": "cube", "PATH": paths}}}) + "void main(){}\n")
    with pytest.raises(ParseError, match=fragment) as info:
        load(path)
    assert '"env"' in info.value.message


def test_imported_cube_every_face_confined(tmp_path: Path) -> None:
    """A face outside the shader's folder is refused like an image PATH (any position)."""
    sub = tmp_path / "sub"
    sub.mkdir()
    write_faces(sub)
    oi.write_png(tmp_path / "outside.png", face(0))
    paths = FACE_FILES[:4] + ["../outside.png", FACE_FILES[5]]
    with pytest.raises(ParseError, match="escapes") as info:
        load(imported_shader(sub, "vec4(0.0)", paths))
    assert "../outside.png" in info.value.message and '"env"' in info.value.message
    doc = load(imported_shader(sub, "vec4(0.0)", paths), allow_paths=[tmp_path])
    assert doc.imported[0].faces[4] == (tmp_path / "outside.png").resolve()


def test_imported_unknown_type_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.fs"
    path.write_text(header({"IMPORTED": {"env": {"TYPE": "volume", "PATH": "a.png"}}}) + "void main(){}\n")
    with pytest.raises(ParseError, match="TYPE"):
        load(path)


def test_cube_input_type() -> None:
    doc = load(header({"INPUTS": [{"NAME": "sky", "TYPE": "cube"}]}) + "void main(){}\n")
    (inp,) = doc.inputs
    assert (inp.type, inp.glsl_type, inp.is_image) == ("cube", "samplerCube", True)
    assert doc.cube_names() == {"sky"}


# -- translation --------------------------------------------------------------------------------

def test_translation_declares_samplercube_and_size_only(tmp_path: Path) -> None:
    doc = load(imported_shader(tmp_path, "IMG_NORM_PIXEL(env, D) + textureCube(env, D)"
                               " + vec4(IMG_SIZE(env), 0.0, 0.0)"))
    t = translate(doc)
    assert "uniform samplerCube env;" in t.fragment
    assert "uniform vec2 _env_imgSize;" in t.fragment
    assert "_env_imgRect" not in t.fragment and "_env_flip" not in t.fragment
    assert "texture(env, D)" in t.fragment and "textureCube" not in t.fragment
    assert "(_env_imgSize.xy)" in t.fragment


@pytest.mark.parametrize("macro", ["IMG_THIS_PIXEL(env)", "IMG_THIS_NORM_PIXEL(env)"])
def test_img_this_pixel_on_a_cube_names_the_line(tmp_path: Path, macro: str) -> None:
    path = tmp_path / "this.fs"
    path.write_text(header({"IMPORTED": {"env": {"TYPE": "cube", "PATH": FACE_FILES}}})
                    + "void main() {\n    gl_FragColor = " + macro + ";\n}\n")
    with pytest.raises(CompileError, match="cube map") as info:
        translate(load(path))
    assert info.value.line == 3


# -- rendering ------------------------------------------------------------------------------------

@pytest.mark.gl
@pytest.mark.parametrize("expr", ["IMG_NORM_PIXEL(env, D)", "IMG_PIXEL(env, D * 7.0)",
                                  "textureCube(env, D)", "texture(env, D)"])
def test_imported_cube_faces_and_orientation(tmp_path: Path, expr: str) -> None:
    """Each axis reads its face's colour; each face's top-left corner holds the marker, the
    opposite corner the face colour: face order and orientation as VVISF-GL uploads them."""
    write_faces(tmp_path)
    np.testing.assert_array_equal(render_row(imported_shader(tmp_path, expr)), expected_row())


@pytest.mark.gl
def test_img_size_is_the_face_size(tmp_path: Path) -> None:
    write_faces(tmp_path, size=12)
    row = render_row(imported_shader(tmp_path, "vec4(IMG_SIZE(env) / 255.0, 0.0, 1.0)"))
    assert (row == (12, 12, 0)).all()


@pytest.mark.gl
def test_cube_input_from_python_paths_arrays_and_pil(tmp_path: Path) -> None:
    """set_inputs(sky=[six faces]) with paths, arrays and PIL images; None unsets (a blank
    1x1 cube, opaque black, size (1, 1))."""
    from PIL import Image

    write_faces(tmp_path)
    faces = [tmp_path / FACE_FILES[0], face(1), Image.fromarray(face(2), "RGBA"),
             str(tmp_path / FACE_FILES[3]), face(4)[..., :3], face(5).astype(np.float32) / 255]
    path = tmp_path / "input.fs"
    path.write_text(header({"INPUTS": [{"NAME": "sky", "TYPE": "cube"}]})
                    + lookup_body("IMG_NORM_PIXEL(sky, D)"))
    with oi.Renderer(path, (len(DIRECTIONS), 1)) as r:
        r.set_inputs(sky=faces)
        np.testing.assert_array_equal(r.render(0.0)[0, :, :3], expected_row())
        r.set_inputs(sky=None)
        np.testing.assert_array_equal(r.render(0.0)[0], np.broadcast_to([0, 0, 0, 255], (len(DIRECTIONS), 4)))
        r.set_inputs(sky=[face(i) for i in range(6)])
        np.testing.assert_array_equal(r.render(0.0)[0, :, :3], expected_row())


@pytest.mark.gl
@pytest.mark.parametrize("faces, fragment", [
    ([face(i) for i in range(5)], "needs 6 face images"),
    ([face(i) for i in range(5)] + [face(5, 4)], "face -Z: every face must have the size"),
    ([face(0)[:, :6]] + [face(i) for i in range(1, 6)], "face \\+X: cube faces must be square"),
    ("one.png", "sequence of 6"),
])
def test_cube_input_errors(tmp_path: Path, faces, fragment: str) -> None:
    path = tmp_path / "input.fs"
    path.write_text(header({"INPUTS": [{"NAME": "sky", "TYPE": "cube"}]})
                    + lookup_body("IMG_NORM_PIXEL(sky, D)"))
    with oi.Renderer(path, (4, 1)) as r, pytest.raises(InputError, match=fragment) as info:
        r.set_inputs(sky=faces)
    assert '"sky"' in info.value.message


@pytest.mark.gl
@pytest.mark.parametrize("isolate", [False, True], ids=["in_process", "isolated"])
def test_cube_input_paths_confined_to_input_root(tmp_path: Path, isolate: bool) -> None:
    """Every face path is confined to input_root; an isolated renderer reads and confines the
    faces in the caller, as the in-process one does, and draws the same pixels in its worker."""
    root = tmp_path / "root"
    root.mkdir()
    write_faces(root)
    oi.write_png(tmp_path / "outside.png", face(0))
    path = root / "input.fs"
    path.write_text(header({"INPUTS": [{"NAME": "sky", "TYPE": "cube"}]})
                    + lookup_body("IMG_NORM_PIXEL(sky, D)"))
    with oi.open_renderer(path, size=(len(DIRECTIONS), 1), input_root=root, isolate=isolate) as r:
        r.set_inputs(sky=[root / n for n in FACE_FILES])
        np.testing.assert_array_equal(r.render(0.0)[0, :, :3], expected_row())
        with pytest.raises(InputError, match="outside"):
            r.set_inputs(sky=[tmp_path / "outside.png"] + [root / n for n in FACE_FILES[1:]])
        r.set_inputs(sky=None)
        np.testing.assert_array_equal(r.render(0.0)[0], np.broadcast_to([0, 0, 0, 255], (len(DIRECTIONS), 4)))


@pytest.mark.gl
@pytest.mark.parametrize("change, fragment", [
    (lambda d: (d / "nz.png").unlink(), "face -Z: file not found"),
    (lambda d: oi.write_png(d / "py.png", face(2, 4)), "face \\+Y: every face must have the size"),
    (lambda d: oi.write_png(d / "px.png", face(0)[:, :6]), "face \\+X: cube faces must be square"),
])
def test_imported_cube_face_errors(tmp_path: Path, change, fragment: str) -> None:
    write_faces(tmp_path)
    change(tmp_path)
    with pytest.raises(InputError, match=fragment) as info:
        render_row(imported_shader(tmp_path, "IMG_NORM_PIXEL(env, D)"))
    assert 'IMPORTED "env"' in info.value.message


@pytest.mark.gl
def test_cube_survives_reinitialize(tmp_path: Path) -> None:
    """The faces are kept on the CPU and uploaded again in a new context generation."""
    write_faces(tmp_path)
    path = imported_shader(tmp_path, "IMG_NORM_PIXEL(env, D)")
    input_path = tmp_path / "input.fs"
    input_path.write_text(header({"INPUTS": [{"NAME": "sky", "TYPE": "cube"}]})
                          + lookup_body("IMG_NORM_PIXEL(sky, D)"))
    with oi.Renderer(path, (len(DIRECTIONS), 1)) as r, \
            oi.Renderer(input_path, (len(DIRECTIONS), 1), context=r.context) as s:
        s.set_inputs(sky=[face(i) for i in range(6)])
        before = (r.render(0.0).copy(), s.render(0.0).copy())
        r.context.reinitialize()
        np.testing.assert_array_equal(r.render(1.0), before[0])
        np.testing.assert_array_equal(s.render(1.0), before[1])
        np.testing.assert_array_equal(before[0][0, :, :3], expected_row())
