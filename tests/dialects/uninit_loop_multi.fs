/*{"DESCRIPTION": "expect 128 128 0 255"}*/
void main() {
	float a, b = 0.5, c;
	int n;
	for (int i = 0; i < 4; i++) {
		float t;
		t += 0.125;
		a += t;
		n += 1;
	}
	gl_FragColor = vec4(a, b * float(n) * 0.25, c, 1.0);
}
