/*{"ISFVSN":"2","DESCRIPTION":"RENDERSIZE is the output size in pixels for a pass without a target"}*/
void main() { gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0); }
