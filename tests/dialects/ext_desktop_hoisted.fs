/*{"DESCRIPTION": "expect 0 255 0 255"}*/
uniform float never_set_elsewhere;
#extension GL_ARB_gpu_shader5 : enable
void main() {
	gl_FragColor = vec4(0.0, 1.0, 0.0, 1.0);
}
