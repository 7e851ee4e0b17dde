"""Conventions users bring from pyrender, MuJoCo and other command lines.

Backend selection by ``PYOPENGL_PLATFORM`` alone, EGL device variables, the OSMesa fallback
when libEGL loads but no display starts, the cgroup memory limit, ``--version``/``-v``,
``--json`` error objects, one exit code per missing extra, CSS colours, ``oi.ISFWarning``,
``info`` printing each warning once, and the notes for out-of-range ``--set`` values and a
filter run without its image.  Anything that binds a GL platform runs in a child process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import offscreen_isf as oi
from offscreen_isf.backends import egl
from offscreen_isf.errors import DaskMissingError, MissingExtraError, UsageError, missing_extra
from offscreen_isf.farm.batch import input_notes, parse_value
from offscreen_isf.farm.cli import EXIT_USAGE, exit_code_for
from offscreen_isf.gl import limits

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "offscreen_isf.farm.cli"]

FILTER = """/*{"ISFVSN": "2", "INPUTS": [
  {"NAME": "inputImage", "TYPE": "image"},
  {"NAME": "level", "TYPE": "float", "MIN": 0, "MAX": 1, "DEFAULT": 0.5},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage) * level * tint; }
"""
WARNED = """/*{"ISFVSN": "2", "INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": "0.9"}]}*/
void main() { gl_FragColor = vec4(level); }
"""


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("OFFSCREEN_ISF_BACKEND", "PYOPENGL_PLATFORM", "OFFSCREEN_ISF_DEVICE", "EGL_DEVICE_ID"):
        env.pop(key, None)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(args: list[str], cwd: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CLI + args, capture_output=True, text=True, cwd=cwd, env=_env(**env),
                          timeout=120, check=False)


def _child(code: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env=_env(**env), timeout=120, check=False)


# -- backend selection ----------------------------------------------------------------------

@pytest.mark.parametrize("platform, backend", [("osmesa", "osmesa"), ("egl", "egl"), ("EGL", "egl")])
def test_pyopengl_platform_alone_selects_the_backend(platform: str, backend: str) -> None:
    res = _child("import offscreen_isf as oi, numpy as np\n"
                 "with oi.Context() as ctx:\n"
                 "    print(ctx.backend)\n", PYOPENGL_PLATFORM=platform)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [backend]


def test_pyopengl_platform_that_names_no_backend_is_a_backend_error(tmp_path: Path) -> None:
    (tmp_path / "f.fs").write_text(FILTER)
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png"], tmp_path, PYOPENGL_PLATFORM="glx")
    assert res.returncode == 4
    assert "PYOPENGL_PLATFORM='glx' names no headless backend" in res.stderr
    assert "fix: set PYOPENGL_PLATFORM to one of egl, osmesa, darwin" in res.stderr


def test_pyopengl_platform_contradicting_the_backend_variable_still_refused() -> None:
    res = _child("import offscreen_isf as oi\noi.Context().open()",
                 OFFSCREEN_ISF_BACKEND="osmesa", PYOPENGL_PLATFORM="egl")
    assert res.returncode == 1
    assert "PYOPENGL_PLATFORM=egl conflicts with backend 'osmesa'" in res.stderr


def test_egl_without_a_display_falls_back_to_osmesa_and_names_the_package(tmp_path: Path) -> None:
    """glvnd with no vendor file loads but starts no EGL display: the default chain says so
    (a warning, not silence), names libegl-mesa0 and renders with OSMesa."""
    (tmp_path / "f.fs").write_text(FILTER)
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png"], tmp_path,
               __EGL_VENDOR_LIBRARY_FILENAMES="/nonexistent/vendor.json")
    assert res.returncode == 0, res.stderr
    assert "with osmesa" in res.stdout
    assert "using backend 'osmesa'" in res.stderr
    assert "no EGL display initialises" in res.stderr
    assert "apt-get install libegl-mesa0" in res.stderr
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png"], tmp_path)   # EGL works here
    assert res.returncode == 0 and "with egl" in res.stdout and "using backend" not in res.stderr


def test_egl_backend_asked_for_without_a_display_fails_with_the_package_named() -> None:
    res = _child("import offscreen_isf as oi\noi.Context('egl').open()",
                 __EGL_VENDOR_LIBRARY_FILENAMES="/nonexistent/vendor.json")
    assert res.returncode == 1
    assert "no EGL display could be initialised" in res.stderr
    assert "libegl-mesa0" in res.stderr


class _Dev:
    def __init__(self, cuda_id: int | None) -> None:
        self.cuda_id = cuda_id


@pytest.mark.parametrize("visible, expected", [
    (None, [0, 1, 2, None]),
    ("2,0", [2, 0, None]),
    ("1", [1, None]),
    ("", [None]),
    ("-1", [None]),
    ("GPU-1234abcd", [0, 1, 2, None]),
])
def test_cuda_visible_devices_filters_and_orders_cuda_devices(visible: str | None, expected: list[int | None]) -> None:
    devices = [_Dev(0), _Dev(1), _Dev(2), _Dev(None)]
    shown = egl.visible_devices(devices, visible)  # type: ignore[arg-type]
    assert [d.cuda_id for d in shown] == expected


def test_device_request_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OFFSCREEN_ISF_DEVICE", raising=False)
    monkeypatch.delenv("EGL_DEVICE_ID", raising=False)
    assert egl.requested_device(None) == ""
    monkeypatch.setenv("EGL_DEVICE_ID", "1")
    assert egl.requested_device(None) == "1"
    monkeypatch.setenv("OFFSCREEN_ISF_DEVICE", "surfaceless")
    assert egl.requested_device(None) == "surfaceless"
    assert egl.requested_device("0") == "0"


def test_egl_device_id_out_of_range_is_refused_on_egl() -> None:
    res = _child("import offscreen_isf as oi\noi.Context('egl').open()", EGL_DEVICE_ID="99")
    assert res.returncode == 1
    assert "EGL device 99 requested" in res.stderr


def test_device_is_one_render_settings_field_and_a_cli_flag(tmp_path: Path) -> None:
    assert oi.RenderSettings(device=0).device == "0"
    assert oi.RenderSettings(device="surfaceless").device == "surfaceless"
    with pytest.raises(oi.InputError, match="device must be"):
        oi.RenderSettings(device="gpu0")
    (tmp_path / "f.fs").write_text(FILTER)
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png", "--backend", "egl",
                "--device", "99"], tmp_path)
    assert res.returncode == 4 and "EGL device 99 requested" in res.stderr
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png", "--backend", "egl",
                "--device", "surfaceless", "--json", "-q"], tmp_path)
    assert res.returncode == 0, res.stderr
    res = _run(["render", "f.fs", "-o", "a.png", "--device", "0", "--workers", "2"], tmp_path)
    assert res.returncode == 2 and "--device picks one GPU" in res.stderr


# -- memory budget --------------------------------------------------------------------------

def test_cgroup_v2_limit_minus_usage(tmp_path: Path) -> None:
    (tmp_path / "memory.max").write_text("1073741824\n")
    (tmp_path / "memory.current").write_text("73741824\n")
    assert limits.cgroup_memory(str(tmp_path)) == 1_000_000_000


def test_cgroup_v2_unlimited_and_v1(tmp_path: Path) -> None:
    (tmp_path / "memory.max").write_text("max\n")
    assert limits.cgroup_memory(str(tmp_path)) is None
    v1 = tmp_path / "memory"
    v1.mkdir()
    (v1 / "memory.limit_in_bytes").write_text("536870912\n")
    (v1 / "memory.usage_in_bytes").write_text("36870912\n")
    assert limits.cgroup_memory(str(tmp_path)) == 500_000_000
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")   # v1's "no limit"
    assert limits.cgroup_memory(str(tmp_path)) is None


def test_default_budget_follows_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OFFSCREEN_ISF_MEMORY_BUDGET", raising=False)
    monkeypatch.setattr(limits, "cgroup_memory", lambda root=limits.CGROUP_ROOT: 200 << 20)
    assert limits.default_memory_budget() == 100 << 20


# -- command line ---------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version_flags(flag: str) -> None:
    res = subprocess.run(CLI + [flag], capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0
    assert res.stdout.strip() == f"offscreen-isf {oi.__version__}"


def test_json_failure_is_a_json_object(tmp_path: Path) -> None:
    res = _run(["render", "missing.fs", "--json"], tmp_path, OFFSCREEN_ISF_BACKEND="osmesa")
    assert res.returncode == 3
    body = json.loads(res.stdout)
    assert body["ok"] is False and body["exit_code"] == 3 and body["error"] == "ParseError"
    assert body["path"] == "missing.fs"
    assert "error: " in res.stderr
    res = _run(["info", "missing.fs", "--json"], tmp_path)
    assert json.loads(res.stdout)["exit_code"] == 3


def test_missing_extras_share_one_exit_code_and_working_install_commands() -> None:
    for exc in (missing_extra("TIFF output", "tiff", ("tifffile",)),
                missing_extra("video", "video", ("imageio-ffmpeg",)),
                missing_extra("Dask", "dask", ("dask[distributed]>=2024.1",), DaskMissingError)):
        assert isinstance(exc, MissingExtraError) and isinstance(exc, UsageError)
        assert exit_code_for(exc) == EXIT_USAGE
        assert "pip install -e '.[" in str(exc)
        assert "offscreen-isf[" not in str(exc)   # the project is not on a package index


def test_missing_tiff_extra_exits_2(tmp_path: Path) -> None:
    (tmp_path / "f.fs").write_text(FILTER)
    code = ("import sys; sys.modules['tifffile'] = None\n"
            "from offscreen_isf.farm.cli import main\n"
            "sys.exit(main(['render', 'f.fs', '--size', '4x4', '-o', 'a.tif', '--float']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=_env(OFFSCREEN_ISF_BACKEND="osmesa"), timeout=120, check=False)
    assert res.returncode == 2, res.stderr
    assert "pip install tifffile" in res.stderr


class _Input:
    def __init__(self, name: str, type_: str, lo: object = None, hi: object = None) -> None:
        self.name, self.type, self.min, self.max = name, type_, lo, hi


@pytest.mark.parametrize("text, expected", [
    ("orange", [1.0, 165 / 255, 0.0]),
    ("#f80", [1.0, 0x88 / 255, 0.0]),
    ("#ff8800", [1.0, 0x88 / 255, 0.0]),
    ("#ff880080", [1.0, 0x88 / 255, 0.0, 0x80 / 255]),
    ("1,0.5,0", [1.0, 0.5, 0.0]),
])
def test_colours_accept_css_names_and_short_hex(text: str, expected: list[float]) -> None:
    assert parse_value(_Input("tint", "color"), text) == pytest.approx(expected)


def test_bad_colour_word_is_an_input_error() -> None:
    with pytest.raises(oi.InputError, match="CSS colour name"):
        parse_value(_Input("tint", "color"), "notacolour")


def test_isf_warning_is_exported() -> None:
    from offscreen_isf.isf.document import ISFWarning
    assert oi.ISFWarning is ISFWarning and "ISFWarning" in oi.__all__
    assert issubclass(oi.ISFWarning, UserWarning)


def test_info_prints_each_warning_once(tmp_path: Path) -> None:
    (tmp_path / "w.fs").write_text(WARNED)
    res = _run(["info", "w.fs"], tmp_path)
    assert res.returncode == 0, res.stderr
    text = res.stdout + res.stderr
    assert text.count("DEFAULT") == 1, text


def test_input_notes(tmp_path: Path) -> None:
    (tmp_path / "f.fs").write_text(FILTER)
    doc = oi.load(tmp_path / "f.fs")
    notes = input_notes(doc, {"level": 5.0, "tint": [1.0, 0.5, 0.0, 1.0]}, set())
    assert len(notes) == 2
    assert "--set level=5.0 is outside MIN..MAX" in notes[0]
    assert "no --image inputImage=PATH" in notes[1]
    assert input_notes(doc, {"level": 0.5}, {"inputImage"}) == []


def test_out_of_range_set_and_imageless_filter_say_so(tmp_path: Path) -> None:
    (tmp_path / "f.fs").write_text(FILTER)
    res = _run(["render", "f.fs", "--size", "4x4", "-o", "a.png", "--set", "level=5",
                "--set", "tint=orange"], tmp_path, OFFSCREEN_ISF_BACKEND="osmesa")
    assert res.returncode == 0, res.stderr
    assert "warning: --set level=5.0 is outside MIN..MAX 0.0..1.0" in res.stderr
    assert "warning: f.fs is a filter but no --image inputImage=PATH was given" in res.stderr
