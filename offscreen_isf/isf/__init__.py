"""The ISF language, with no GL: parse a document, evaluate its size expressions, coerce its
input values and translate its GLSL into final program sources.  Imports no OpenGL."""
