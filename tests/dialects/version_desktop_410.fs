/*{"DESCRIPTION": "expect 128 128 128 255"}*/
#version 410
void main() {
	dvec2 d = dvec2(0.25, 0.25);   // a GLSL 4.00 type
	gl_FragColor = vec4(vec3(float(d.x + d.y)), 1.0);
}
