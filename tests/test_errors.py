"""offscreen_isf/errors.py: every error class in one module, structured fields, and a
process-safe round trip (to_dict / from_dict) that keeps text and fields."""

from __future__ import annotations

import json
import pickle

import pytest

from offscreen_isf import errors
from offscreen_isf.errors import (
    ERRORS,
    BackendError,
    CompileError,
    InputError,
    ISFError,
    LifecycleError,
    OutputError,
    ParseError,
    RenderError,
    from_dict,
)

SAMPLES: list[ISFError] = [
    ParseError("bad JSON", path="a.fs", line=3, column=7),
    ParseError("no header"),
    CompileError("a.fs:4: boom\n    x", path="a.fs", line=4, stage="fragment", log="0:4(1): error: boom"),
    InputError('no input "x"', name="x"),
    BackendError("no EGL", fix="apt install libegl1"),
    LifecycleError("closed", state="CLOSED", event="use", legal=("close",)),
    errors.ThreadError("other thread", state="CURRENT", event="use", legal=("release",)),
    OutputError("disk full", path="/tmp/x.png"),
    errors.UsageError("--frames takes A-B"),
    errors.DaskMissingError("pip install"),
    errors.ChunkFailed("chunk 3 failed"),
    errors.RenderTimeout("late"),
    errors.RenderCrashed("died"),
    RenderError("GL error"),
    errors.ResourceLimitError("too big"),
    errors.ContextLostError("lost", state="LOST"),
    errors.SoftParseError("ignored", line=2),
]


def test_messages_are_unchanged() -> None:
    """str() is what it always was: location prefix for ParseError, ``-> fix`` for BackendError."""
    assert str(SAMPLES[0]) == "a.fs:3:7: bad JSON" and SAMPLES[0].message == "bad JSON"
    assert str(SAMPLES[1]) == "no header"
    assert str(BackendError("no EGL", fix="do x")) == "no EGL -> do x"
    assert BackendError("no EGL", fix="do x").message == "no EGL"
    assert str(BackendError("plain")) == "plain"
    assert str(SAMPLES[2]) == "a.fs:4: boom\n    x"


def test_structured_fields() -> None:
    assert SAMPLES[2].fields == {"message": "a.fs:4: boom\n    x", "path": "a.fs", "line": 4,
                                 "stage": "fragment", "log": "0:4(1): error: boom"}
    assert SAMPLES[3].fields == {"message": 'no input "x"', "name": "x"}
    assert SAMPLES[5].fields["legal"] == ("close",)
    assert OutputError("x").path is None and CompileError("x").log is None


@pytest.mark.parametrize("exc", SAMPLES, ids=lambda e: type(e).__name__)
def test_dict_round_trip_through_json(exc: ISFError) -> None:
    back = from_dict(json.loads(json.dumps(exc.to_dict())))
    assert type(back) is type(exc)
    assert str(back) == str(exc) and back.fields == exc.fields


@pytest.mark.parametrize("exc", SAMPLES, ids=lambda e: type(e).__name__)
def test_pickle_keeps_fields(exc: ISFError) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc) and back.fields == exc.fields


def test_from_dict_builds_only_error_classes() -> None:
    """A worker cannot make the caller build an arbitrary class: unknown names give the default."""
    for name in ("SystemExit", "KeyboardInterrupt", "Path", "", "os.system"):
        exc = from_dict({"error": name, "text": "t"})
        assert type(exc) is RenderError and str(exc) == "t" and exc.message == "t"
    assert type(from_dict({"error": "Nope"}, default=errors.RenderCrashed)) is errors.RenderCrashed


def test_every_error_class_is_registered() -> None:
    """ERRORS (what from_dict may build) lists every ISFError subclass the library defines.

    The pyvvisf compatibility layer's error classes (pyvvisf's own names and constructors, each
    also an offscreen-isf error) are emulation, not library errors: they are never in ERRORS,
    so a worker reply can never make the caller build one.  Imported here so the result does
    not depend on which tests ran before in this process."""
    import offscreen_isf
    import offscreen_isf.compat.pyvvisf  # noqa: F401 - defines the emulated pyvvisf errors

    def walk(cls: type[ISFError]) -> set[type[ISFError]]:
        return {cls}.union(*(walk(c) for c in cls.__subclasses__()))

    ours = {c for c in walk(ISFError) if c.__module__.startswith("offscreen_isf")}
    emulated = {c for c in ours if c.__module__.startswith("offscreen_isf.compat.")}
    library = ours - emulated
    assert emulated, "the compat layer's pyvvisf error classes should subclass ISFError"
    assert not emulated & set(ERRORS.values())
    assert library == set(ERRORS.values())
    assert all(c.__module__ == "offscreen_isf.errors" for c in library)
    assert set(errors.__all__) >= set(ERRORS)
