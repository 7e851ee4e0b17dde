"""Rendering at scale: the command line, frame-range batches, the Dask scale-out and the
isolated (worker-process) renderer."""
