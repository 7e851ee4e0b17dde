/*{"DESCRIPTION": "expect 128 64 0 255"}*/
void main() {
	uint a = 2;          // GLSL 4.00 converts the int literal implicitly
	uint b = a * 2;
	gl_FragColor = vec4(float(a) * 0.25, float(b) * 0.0625, 0.0, 1.0);
}
