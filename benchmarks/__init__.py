"""offscreen-isf benchmarks (``make bench``)."""
