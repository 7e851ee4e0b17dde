/*{"DESCRIPTION": "expect 191 128 255 255", "INPUTS": [{"NAME": "default", "TYPE": "float", "DEFAULT": 0.75}, {"NAME": "case", "TYPE": "long", "VALUES": [0, 1, 2], "LABELS": ["a", "b", "c"], "DEFAULT": 1}]}*/
void main() {
	float x = 0.0;
	switch (case) {
		case 0: x = 0.1; break;
		case 1: x = default; break;
		default: x = 1.0; break;
	}
	int switch_count = case + 1;
	gl_FragColor = vec4(x, float(switch_count) * 0.25, 1.0, 1.0);
}
