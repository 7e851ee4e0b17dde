/*{"DESCRIPTION": "expect 64 64 64 255"}*/
void main() {
	vec3 color;
	color += vec3(0.25);
	gl_FragColor = vec4(color, 1.0);
}
