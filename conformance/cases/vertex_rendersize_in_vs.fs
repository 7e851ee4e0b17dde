/*{"ISFVSN":"2","DESCRIPTION":"RENDERSIZE is available in the .vs (shift the quad up by exactly 2 pixels)"}*/
void main() { gl_FragColor = vec4(1.0, 1.0, 0.0, 1.0); }
