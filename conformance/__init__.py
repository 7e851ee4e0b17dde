"""The offscreen-isf conformance suite: corpus comparison against VVISF-GL references."""
