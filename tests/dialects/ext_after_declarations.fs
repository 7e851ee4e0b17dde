/*{"DESCRIPTION": "expect 128 128 128 255"}*/
precision highp float;
const float half_grey = 0.5;
float unused_global = 1.0;
#extension GL_OES_standard_derivatives : require
  #  extension   GL_EXT_shader_texture_lod:enable   // odd spacing, trailing comment
void main() {
	gl_FragColor = vec4(vec3(half_grey), 1.0);
}
