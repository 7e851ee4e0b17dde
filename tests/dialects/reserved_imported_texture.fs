/*{"DESCRIPTION": "expect 255 0 0 255", "IMPORTED": {"texture": {"PATH": "dialect_red.png"}, "sample": {"PATH": "dialect_red.png"}}}*/
void main() {
	vec4 a = texture2D(texture, isf_FragNormCoord);
	vec4 b = IMG_NORM_PIXEL(sample, isf_FragNormCoord);
	gl_FragColor = vec4(a.r * b.r, a.g + b.g, IMG_SIZE(texture).x - 2.0, 1.0);
}
