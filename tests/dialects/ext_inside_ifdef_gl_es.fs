/*{"DESCRIPTION": "expect 255 0 128 255"}*/
#ifdef GL_ES
precision mediump float;
#extension GL_OES_standard_derivatives : enable
#endif

void main() {
	gl_FragColor = vec4(1.0, 0.0, 0.5 + 0.0 * dFdx(isf_FragNormCoord.x), 1.0);
}
