/*{"ISFVSN":"2","DESCRIPTION":"text after the header's closing mark, on the same line, is discarded",
"INPUTS":[{"NAME":"v","TYPE":"float","DEFAULT":0.25}]}*/ this is not GLSL and must be discarded
void main() { gl_FragColor = vec4(0.0, v, 0.0, 1.0); }
