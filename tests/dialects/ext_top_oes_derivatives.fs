/*{"DESCRIPTION": "expect 64 128 255 255"}*/
#extension GL_OES_standard_derivatives : enable
void main() {
	// fwidth of a linear ramp across x: 1/RENDERSIZE.x per pixel
	float d = fwidth(isf_FragNormCoord.x * RENDERSIZE.x);
	gl_FragColor = vec4(0.25 * d, 0.5, 1.0, 1.0);
}
