/*{"DESCRIPTION": "expect 255 128 64 255"}*/
// The same name declared int in one function and uint in another: each function's own
// declarations decide its type, so only the uint one gets u suffixes (an int compared with
// 10u would not compile).  Negative literals stay int.
int countDown(int i) {
	int n = -1;                                  // stays an int
	for (int k = 0; k < 3; k++)
		n += i < 10 ? 1 : 0;                     // int i: untouched
	return n;                                    // 2
}

uint countUp(uint i) {
	return i < 10 ? i + 1 : 0;                   // uint i: 10u, 1u, 0u
}

void main() {
	uvec2 v = uvec2(3, 4);
	uvec2 w = v * 2;                             // uvec2 * int literal: (6, 8)
	uint up = countUp(7);                        // 8
	int down = countDown(4);                     // 2
	float red = float(w.x + w.y + up - 22);      // 0 (uint arithmetic)
	gl_FragColor = vec4(1.0 - red, float(up) * 16.0 / 255.0, float(down * 32) / 255.0, 1.0);
}
