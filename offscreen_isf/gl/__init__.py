"""The GL runtime: the context and its lifecycle state machine, the buffer pool, the renderer
and its parts, readback.  Imports OpenGL only when a context opens."""
