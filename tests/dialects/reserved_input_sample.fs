/*{"DESCRIPTION": "expect 128 0 0 255", "INPUTS": [{"NAME": "sample", "TYPE": "float", "DEFAULT": 0.5}]}*/
void main() {
	gl_FragColor = vec4(sample, 0.0, 0.0, 1.0);
}
