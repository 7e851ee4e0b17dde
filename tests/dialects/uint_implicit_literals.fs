/*{"DESCRIPTION": "expect 51 102 204 255"}*/
// Int literals where GLSL 4.00 converts them to uint: the translation adds the u suffix
// (and wraps a lone int value in uint(...)) so the shader also compiles as GLSL 3.30.
const uint STEP = 17;                            // global initialiser

uint pick(uint index, bool wide) {
	uint code = 0, spare = 1;                    // comma list
	if (index == 2 || index == 5)                // == with a uint parameter
		code = 15;                               // assignment
	else if (index < 10)                         // < with a uint parameter
		code = wide ? 40 : 30;                   // ternary branches assigned to a uint
	code += spare;
	code -= 1;                                   // compound assignment
	return code;
}

uint three() {
	return 3;                                    // return in a uint function
}

uint times(uint a, uint b) {
	return a * b;
}

void main() {
	uint bits = 0x00332211;                      // hex literal
	uint row = 1;
	uint line = bits >> (8*row) & uint(0xff);    // int * uint inside a shift operand: 0x22
	uint col = 2;
	uint nib = (line >> (7-col)) & 0x01;         // 34 >> 5 = 1
	uvec2 cell = uvec2(8, 16);                   // constructor arguments stay as written
	uint area = times(cell.x, 2) + three();      // argument at a uint parameter: 19
	ivec2 chars = ivec2(4, 9);
	uint fromInt = chars[1];                     // an int value assigned to a uint: 9
	int k = 2;
	uint fromVar;
	fromVar = k;                                 // an int variable assigned to a uint
	uint a = pick(5, false);                     // 15
	uint b = pick(3, true);                      // 40
	float r = float(three() * STEP);
	float g = float(a - fromInt) * float(STEP);
	float bl = float(b + line - area - 3 - 40 + nib - 1) * float(STEP);   // 12 * 17
	if (cell.y != 16 || fromVar != 2)            // a uvec component compared
		r = 0.0;
	gl_FragColor = vec4(r, g, bl, 255.0) / 255.0;
}
