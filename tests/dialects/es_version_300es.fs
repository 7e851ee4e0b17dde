/*{"DESCRIPTION": "expect 255 128 0 255"}*/
#version 300 es
precision highp float;
void main() {
	gl_FragColor = vec4(1.0, 0.5, 0.0, 1.0);
}
