"""Input textures: the CPU pixels of image, audio and IMPORTED sources, and their GL textures.

Every image-like input (``image``, ``audio``, ``audioFFT``, ``cube``) and every IMPORTED image
or cube map is a :class:`Source`: pixels kept on the CPU, uploaded as they are -- a 2D image
**bottom row first** (GL order), a cube map as six faces +X, -X, +Y, -Y, +Z, -Z each **top row
first**, the order VVISF-GL uploads them in (docs/semantics.md, "Imported images and paths").  New pixels mark a source dirty; the next frame re-uploads it into the same texture name
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
from ..media.images import load_image, to_cube_faces, to_rgba
from .pool import set_sampling

if TYPE_CHECKING:
    from .context import Context

__all__ = ["UPLOAD_FORMATS", "Source", "InputTextures", "upload", "upload_cube"]

#: numpy dtype -> (GL internal format, GL pixel type) for input textures.
UPLOAD_FORMATS = {np.dtype(np.uint8): ("GL_RGBA8", "GL_UNSIGNED_BYTE"),
                  np.dtype(np.float32): ("GL_RGBA32F", "GL_FLOAT")}

#: input type -> maker of its texture pixels from (samples, MAX) (docs/semantics.md "Inputs")
_AUDIO_MAKERS = {"audio": waveform_texture, "audioFFT": fft_texture}


@dataclass
class Source:
    """CPU pixels of a sampler source, uploaded as they are: (h, w, 4) bottom row first for a
    2D texture, (6, s, s, 4) faces +X, -X, +Y, -Y, +Z, -Z top row first for a cube map.

    Images are stored upright with ``_NAME_flip`` false, as the reference renders them:
    mirroring in the shader instead would send out-of-range coordinates (±inf from undefined
    maths) to the opposite edge, unlike the reference host."""

    pixels: np.ndarray          # (h, w, 4) uint8 or float32 (or six faces, see above)
    texture: int = 0            # GL name in the current generation (0 = not uploaded)
    dirty: bool = True          # pixels changed since the last upload (texture name reused)
    uploaded: tuple[int, ...] = ()   # (w, h, dtype id) of the texture's storage

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels (of one face for a cube map)."""
        return self.pixels.shape[-2], self.pixels.shape[-3]

    @property
    def is_cube(self) -> bool:
        """True when the pixels are the six faces of a cube map."""
        return self.pixels.ndim == 4

    def upload(self, ctx: Context, gl: Any, owner: object) -> None:
        """Upload the pixels into this source's texture (created when 0; reused in place when
        the storage matches)."""
        send = upload_cube if self.is_cube else upload
        self.texture = send(ctx, gl, owner, self.pixels, self.texture, self.uploaded)
        self.uploaded = (self.size[0], self.size[1], self.pixels.dtype.num)
        self.dirty = False


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


def upload_cube(ctx: Context, gl: Any, owner: object, faces: np.ndarray, texture: int = 0,
                storage: tuple[int, ...] = ()) -> int:
    """Upload six RGBA faces (6, s, s, 4), +X, -X, +Y, -Y, +Z, -Z, each top row first, to cube
    map ``texture`` (created for ``owner`` when 0): face i goes to
    GL_TEXTURE_CUBE_MAP_POSITIVE_X + i with its first row at t = 0, as VVISF-GL uploads
    them.  Linear filtering, no mipmaps, clamp to edge.  Returns the texture name;
    ``storage`` as for :func:`upload`."""
    if not texture:
        texture, storage = ctx.create("texture", owner), ()
    internal, pixel_type = UPLOAD_FORMATS[faces.dtype]
    size = faces.shape[1]
    ctx.check_size(size, size)
    faces = np.ascontiguousarray(faces)
    with ctx.gl_errors("uploading a cube map"):
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, texture)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        for i, face in enumerate(faces):
            target = gl.GL_TEXTURE_CUBE_MAP_POSITIVE_X + i
            if storage == (size, size, faces.dtype.num):
                gl.glTexSubImage2D(target, 0, 0, 0, size, size, gl.GL_RGBA,
                                   getattr(gl, pixel_type), face)
            else:
                gl.glTexImage2D(target, 0, getattr(gl, internal), size, size, 0, gl.GL_RGBA,
                                getattr(gl, pixel_type), face)
        for pname, value in _CUBE_SAMPLING:
            gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, getattr(gl, pname), getattr(gl, value))
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, 0)
    return texture


#: what an unset image, audio or cube input reads: opaque black, as a texture unit with no
#: complete texture bound samples in GL, and so what the reference host shows
#: (docs/semantics.md, "Image helpers")
UNBOUND_TEXEL = np.array([[[0, 0, 0, 255]]], np.uint8)
#: what a temporary target read before its pass wrote it this frame reads: transparent black
UNWRITTEN_TEXEL = np.zeros((1, 1, 4), np.uint8)

#: cube map sampling: VVISF-GL's (linear, clamp to edge, no mipmaps; seamless filtering off)
_CUBE_SAMPLING = (("GL_TEXTURE_MIN_FILTER", "GL_LINEAR"), ("GL_TEXTURE_MAG_FILTER", "GL_LINEAR"),
                  ("GL_TEXTURE_WRAP_S", "GL_CLAMP_TO_EDGE"), ("GL_TEXTURE_WRAP_T", "GL_CLAMP_TO_EDGE"),
                  ("GL_TEXTURE_WRAP_R", "GL_CLAMP_TO_EDGE"))


class InputTextures:
    """The sources of one renderer's image-like inputs and IMPORTED images, and the 1x1
    transparent textures (a 2D one and a cube map) bound where a sampler has no source."""

    def __init__(self, ctx: Context, owner: object, document: Document) -> None:
        self.ctx = ctx
        self.owner = owner
        self.document = document
        #: image-like input name -> its source (None: unset, reads opaque black 1x1)
        self.inputs: dict[str, Source | None] = {i.name: None for i in document.inputs if i.is_image}
        #: IMPORTED name -> its source (loaded at the first build, kept across generations)
        self.imported: dict[str, Source] = {}
        #: sampler names that are cube maps (bound to GL_TEXTURE_CUBE_MAP)
        self.cubes = document.cube_names()
        self.blank = self.blank_target = self.blank_cube = 0
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
        elif inp.type == "cube":
            pixels = to_cube_faces(value, what=f'input "{name}"')
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
        """(width, height, bytes per pixel) of every source (each face of a cube map), for the
        resource limits."""
        return [(s.size[0], s.size[1], s.pixels.itemsize * 4) for s in self._all()
                for _ in range(6 if s.is_cube else 1)]

    # -- GL side ---------------------------------------------------------------------------
    def build(self, gl: Any) -> None:
        """For a new context generation: the blank texture; IMPORTED images loaded (once per
        renderer) and every source marked for upload."""
        self.blank = upload(self.ctx, gl, self.owner, UNBOUND_TEXEL)
        self.blank_target = upload(self.ctx, gl, self.owner, UNWRITTEN_TEXEL)
        if self.cubes:
            self.blank_cube = upload_cube(self.ctx, gl, self.owner,
                                          np.broadcast_to(UNBOUND_TEXEL, (6, 1, 1, 4)).copy())
        for imp in self.document.imported:
            if imp.name in self.imported:
                continue
            what = f'IMPORTED "{imp.name}"'
            self.imported[imp.name] = Source(
                to_cube_faces(imp.faces, what=what) if imp.is_cube
                else np.ascontiguousarray(load_image(imp.resolved, what=what)[::-1]))
        self.forget()

    def upload_dirty(self, gl: Any) -> None:
        """Delete the textures of unset inputs; upload new and changed pixels."""
        for texture in self._stale:
            self.ctx.delete("texture", texture)
        self._stale.clear()
        for source in self._all():
            if not source.texture or source.dirty:
                source.upload(self.ctx, gl, self.owner)

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
        for blank in (self.blank, self.blank_target, self.blank_cube):
            if blank:
                self.ctx.delete("texture", blank)
        self.blank = self.blank_target = self.blank_cube = 0
        self.forget()
