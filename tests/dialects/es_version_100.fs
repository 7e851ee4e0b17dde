/*{"DESCRIPTION": "expect 0 128 255 255"}*/
#version 100
precision mediump float;
precision mediump int;
void main() {
	gl_FragColor = vec4(0.0, 0.5, 1.0, 1.0);
}
