/*{"DESCRIPTION": "expect 64 255 0 255", "INPUTS": [{"NAME": "smooth", "TYPE": "float", "DEFAULT": 0.25}, {"NAME": "filter", "TYPE": "color", "DEFAULT": [0.0, 1.0, 0.0, 1.0]}, {"NAME": "input", "TYPE": "bool", "DEFAULT": true}, {"NAME": "half", "TYPE": "long", "VALUES": [0, 1], "LABELS": ["a", "b"], "DEFAULT": 1}]}*/
void main() {
	vec4 c = filter;
	c.r = (input && half == 1) ? smooth : 1.0;
	gl_FragColor = c;
}
