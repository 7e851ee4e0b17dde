"""Pixels and samples in and out: image and audio inputs, PNG/TIFF frames, video files.
No GL."""
