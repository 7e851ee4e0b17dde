"""Input textures: the CPU pixels of image, audio and IMPORTED sources, and their GL textures.

Every image-like input (``image``, ``audio``, ``audioFFT``) and every IMPORTED image is a
:class:`Source`: pixels kept on the CPU, **bottom row first** (GL order), uploaded as they
are.  New pixels mark a source dirty; the next frame re-uploads it into the same texture name
(in place when the size and type match).  An unset input's texture is deleted at the next
frame, never leaked.  Names die with a context generation; the CPU pixels survive it, so a
reinitialized context gets every texture back on the next frame.

Ownership: textures are created through the context's registry with the renderer as owner
and deleted by :meth:`InputTextures.delete` (or with the context).  Threads: GL methods need
the context current on the calling thread; :meth:`InputTextures.set` needs no context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..isf.document import Document
from ..isf.inputs import Input
from ..media.audio import fft_texture, waveform_texture
from ..media.images import load_image, to_rgba
from .pool import set_sampling

if TYPE_CHECKING:
    from .context import Context

__all__ = ["UPLOAD_FORMATS", "Source", "InputTextures", "upload"]

#: numpy dtype -> (GL internal format, GL pixel type) for input textures.
UPLOAD_FORMATS = {np.dtype(np.uint8): ("GL_RGBA8", "GL_UNSIGNED_BYTE"),
                  np.dtype(np.float32): ("GL_RGBA32F", "GL_FLOAT")}

#: input type -> maker of its texture pixels from (samples, MAX) (docs/semantics.md "Inputs")
_AUDIO_MAKERS = {"audio": waveform_texture, "audioFFT": fft_texture}


@dataclass
class Source:
    """CPU pixels of a sampler source, bottom row first (GL order), uploaded as they are.

    Images are stored upright with ``_NAME_flip`` false, as the reference renders them:
    mirroring in the shader instead would send out-of-range coordinates (±inf from undefined
    maths) to the opposite edge, unlike the reference host."""

    pixels: np.ndarray          # (h, w, 4) uint8 or float32, bottom row first
    texture: int = 0            # GL name in the current generation (0 = not uploaded)
    dirty: bool = True          # pixels changed since the last upload (texture name reused)
    uploaded: tuple[int, ...] = ()   # (w, h, dtype id) of the texture's storage

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.pixels.shape[1], self.pixels.shape[0]


def upload(ctx: Context, gl: Any, owner: object, pixels: np.ndarray, texture: int = 0,
           storage: tuple[int, ...] = ()) -> int:
    """Upload RGBA pixels (rows as stored: GL row 0 first) to ``texture`` (created for
    ``owner`` when 0); returns the texture name.

    ``storage`` is the (w, h, dtype id) the texture already has: when it matches, the pixels
    replace the old ones in place (glTexSubImage2D) instead of reallocating the texture."""
    if not texture:
        texture, storage = ctx.create("texture", owner), ()
    internal, pixel_type = UPLOAD_FORMATS[pixels.dtype]
    h, w = pixels.shape[:2]
    ctx.check_size(w, h)
    pixels = np.ascontiguousarray(pixels)
    with ctx.gl_errors("uploading a texture"):
        gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        if storage == (w, h, pixels.dtype.num):
            gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, w, h, gl.GL_RGBA, getattr(gl, pixel_type), pixels)
        else:
            gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, getattr(gl, internal), w, h, 0, gl.GL_RGBA,
                            getattr(gl, pixel_type), pixels)
            set_sampling(gl)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
    return texture


class InputTextures:
    """The sources of one renderer's image-like inputs and IMPORTED images, and the 1x1
    transparent texture bound where a sampler has no source."""

    def __init__(self, ctx: Context, owner: object, document: Document) -> None:
        self.ctx = ctx
        self.owner = owner
        self.document = document
        #: image-like input name -> its source (None: unset, reads transparent black 1x1)
        self.inputs: dict[str, Source | None] = {i.name: None for i in document.inputs if i.is_image}
        #: IMPORTED name -> its source (loaded at the first build, kept across generations)
        self.imported: dict[str, Source] = {}
        self.blank = 0
        self._stale: list[int] = []   # textures of unset inputs, deleted at the next frame

    # -- CPU side (no context needed) ------------------------------------------------------
    def set(self, inp: Input, value: Any) -> None:
        """New value of image-like input ``inp``: a path, PIL image or (H, W[, 3|4]) array
        top row first (image); (channels, samples) floats or a WAV path (audio, audioFFT);
        None unsets."""
        name = inp.name
        old = self.inputs.get(name)
        if value is None:
            if old is not None and old.texture:
                self._stale.append(old.texture)
            self.inputs[name] = None
            return
        if inp.type == "image":   # the old pixels are ours: refill them in place
            pixels = to_rgba(value, what=f'input "{name}"', bottom_up=True,
                             reuse=old.pixels if old is not None else None)
        else:
            pixels = _AUDIO_MAKERS[inp.type](value, inp.max)
        if old is not None:
            old.pixels, old.dirty = pixels, True
        else:
            self.inputs[name] = Source(pixels)

    def get(self, name: str) -> Source | None:
        """The source bound to sampler ``name`` (None: unset input, or a pass target)."""
        return self.inputs.get(name) or self.imported.get(name)

    def _all(self) -> list[Source]:
        return [s for s in self.inputs.values() if s is not None] + list(self.imported.values())

    def limit_entries(self) -> list[tuple[int, int, int]]:
        """(width, height, bytes per pixel) of every source, for the resource limits."""
        return [(s.size[0], s.size[1], s.pixels.itemsize * 4) for s in self._all()]

    # -- GL side ---------------------------------------------------------------------------
    def build(self, gl: Any) -> None:
        """For a new context generation: the blank texture; IMPORTED images loaded (once per
        renderer) and every source marked for upload."""
        self.blank = upload(self.ctx, gl, self.owner, np.zeros((1, 1, 4), np.uint8))
        for imp in self.document.imported:
            if imp.name not in self.imported:
                self.imported[imp.name] = Source(np.ascontiguousarray(
                    load_image(imp.resolved, what=f'IMPORTED "{imp.name}"')[::-1]))
        self.forget()

    def upload_dirty(self, gl: Any) -> None:
        """Delete the textures of unset inputs; upload new and changed pixels."""
        for texture in self._stale:
            self.ctx.delete("texture", texture)
        self._stale.clear()
        for source in self._all():
            if not source.texture or source.dirty:
                source.texture = upload(self.ctx, gl, self.owner, source.pixels, source.texture,
                                        source.uploaded)
                source.uploaded = (source.size[0], source.size[1], source.pixels.dtype.num)
                source.dirty = False

    def forget(self) -> None:
        """The context generation's names are gone: upload everything again next frame."""
        self._stale.clear()
        for source in self._all():
            source.texture, source.uploaded = 0, ()

    def delete(self) -> None:
        """Delete every texture now (the context current, its generation alive)."""
        for source in self._all():
            if source.texture:
                self.ctx.delete("texture", source.texture)
        for texture in self._stale:
            self.ctx.delete("texture", texture)
        if self.blank:
            self.ctx.delete("texture", self.blank)
        self.blank = 0
        self.forget()
