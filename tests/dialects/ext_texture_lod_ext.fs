/*{"DESCRIPTION": "expect 51 102 204 255", "PASSES": [{"TARGET": "buf", "WIDTH": 2, "HEIGHT": 2}, {}]}*/
#extension GL_EXT_shader_texture_lod : enable
#extension GL_OES_standard_derivatives : enable
void main() {
	if (PASSINDEX == 0) {
		gl_FragColor = vec4(0.2, 0.4, 0.8, 1.0);
	} else {
		gl_FragColor = texture2DLodEXT(buf, vec2(0.5), 0.0) + 0.0 * texture2DGradEXT(buf, vec2(0.5), vec2(0.0), vec2(0.0));
	}
}
