/*{"DESCRIPTION":"a v1 .vs calls vv_vertShaderInit()"}*/
varying vec2 moved;
void main() { gl_FragColor = vec4(moved, 0.0, 1.0); }
