"""IMPORTED images and input files cannot leave their allowed root unless the
caller allows it explicitly (``..``, absolute paths, symlinks pointing out, special files)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.errors import InputError, ParseError
from offscreen_isf.gl.limits import confine_path

BODY = "void main() { gl_FragColor = IMG_NORM_PIXEL(pic, vec2(0.5)); }\n"


def write_png(path: Path, green: int = 200) -> Path:
    from PIL import Image

    arr = np.zeros((4, 4, 4), np.uint8)
    arr[..., 1] = green
    arr[..., 3] = 255
    Image.fromarray(arr, "RGBA").save(path)
    return path


def shader(folder: Path, path: str) -> Path:
    fs = folder / "s.fs"
    fs.write_text(f'/*{json.dumps({"IMPORTED": {"pic": {"PATH": path}}})}*/\n{BODY}')
    return fs


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    shaders = tmp_path / "shaders"
    (shaders / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    write_png(shaders / "inside.png", 100)
    write_png(outside / "secret.png", 250)
    return {"root": tmp_path, "shaders": shaders, "outside": outside}


def escapes(tree: dict[str, Path]) -> dict[str, str]:
    sh, out = tree["shaders"], tree["outside"]
    os.symlink(out / "secret.png", sh / "link.png")
    os.symlink(out, sh / "linkdir")
    return {"dotdot": "../outside/secret.png", "absolute": str(out / "secret.png"),
            "symlink": "link.png", "symlinked_folder": "linkdir/secret.png",
            "dotdot_inside_then_out": "sub/../../outside/secret.png"}


def test_every_escape_is_refused_by_default(tree: dict[str, Path]) -> None:
    for _label, path in escapes(tree).items():
        with pytest.raises(ParseError, match="escapes the shader's folder"):
            oi.load(shader(tree["shaders"], path))
        # text shaders: confined to base_dir the same way
        with pytest.raises(ParseError, match="escapes"):
            oi.load(shader(tree["shaders"], path).read_text(), base_dir=tree["shaders"])


def test_escapes_allowed_explicitly(tree: dict[str, Path]) -> None:
    for path in escapes(tree).values():
        fs = shader(tree["shaders"], path)
        assert oi.load(fs, allow_outside=True).imported[0].resolved == tree["outside"] / "secret.png"
        assert oi.load(fs, allow_paths=[tree["outside"]]).imported[0].resolved.name == "secret.png"
        with pytest.raises(ParseError):
            oi.load(fs, allow_paths=[tree["shaders"] / "sub"])    # another folder: no


def test_inside_paths_still_work(tree: dict[str, Path]) -> None:
    for path in ("inside.png", "./inside.png", "sub/../inside.png"):
        assert oi.load(shader(tree["shaders"], path)).imported[0].resolved == tree["shaders"] / "inside.png"


def test_special_files_refused(tree: dict[str, Path]) -> None:
    """A FIFO inside the folder would block the renderer forever; a folder is not an image."""
    os.mkfifo(tree["shaders"] / "pipe.png")
    with pytest.raises(ParseError, match="not a regular file"):
        oi.load(shader(tree["shaders"], "pipe.png"))
    with pytest.raises(ParseError, match="not a regular file"):
        oi.load(shader(tree["shaders"], "sub"))


def test_confine_path(tree: dict[str, Path]) -> None:
    root = tree["shaders"]
    assert confine_path(root / "inside.png", [root]) == root / "inside.png"
    escapes(tree)
    for bad in (root / ".." / "outside" / "secret.png", tree["outside"] / "secret.png",
                root / "link.png", root / "linkdir" / "secret.png", "/etc/passwd"):
        with pytest.raises(InputError, match="outside the allowed root"):
            confine_path(bad, [root], what="--image")
    assert confine_path(root / "link.png", [root, tree["outside"]]).name == "secret.png"


@pytest.mark.gl
def test_renderer_allow_paths_and_input_root(tree: dict[str, Path], ctx: oi.Context) -> None:
    escapes(tree)
    fs = shader(tree["shaders"], "link.png")
    with pytest.raises(ParseError):
        oi.Renderer(fs, (4, 4), context=ctx)
    with oi.Renderer(fs, (4, 4), context=ctx, allow_paths=[tree["outside"]]) as r:
        assert r.render(0.0)[0, 0, 1] == 250
    filt = ("/*{\"INPUTS\": [{\"NAME\": \"inputImage\", \"TYPE\": \"image\"}]}*/\n"
            "void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage, vec2(0.5)); }\n")
    with oi.Renderer(filt, (4, 4), context=ctx, input_root=tree["shaders"]) as r:
        r.set_inputs(inputImage=tree["shaders"] / "inside.png")
        assert r.render(0.0)[0, 0, 1] == 100
        for bad in (tree["shaders"] / "link.png", tree["shaders"] / ".." / "outside" / "secret.png"):
            with pytest.raises(InputError, match="outside the allowed root"):
                r.set_inputs(inputImage=bad)
        r.set_inputs(inputImage=np.zeros((2, 2, 4), np.uint8))   # arrays are not paths
    with oi.Renderer(filt, (4, 4), context=ctx) as r:            # no input_root: caller's files
        r.set_inputs(inputImage=tree["outside"] / "secret.png")


@pytest.mark.gl
def test_isolated_renderer_confines_too(tree: dict[str, Path]) -> None:
    escapes(tree)
    with pytest.raises(ParseError):
        oi.open_renderer(shader(tree["shaders"], "../outside/secret.png"), size=(4, 4), isolate=True)
    with oi.open_renderer(shader(tree["shaders"], "linkdir/secret.png"), size=(4, 4), isolate=True,
                          timeout=20, allow_paths=[tree["outside"]]) as r:
        assert r.render(0.0)[0, 0, 1] == 250
