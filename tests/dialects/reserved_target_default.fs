/*{"DESCRIPTION": "expect 0 0 255 255", "PASSES": [{"TARGET": "default"}, {"TARGET": "output"}, {}]}*/
void main() {
	if (PASSINDEX == 0)
		gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0);
	else if (PASSINDEX == 1)
		gl_FragColor = IMG_THIS_PIXEL(default);
	else
		gl_FragColor = IMG_NORM_PIXEL(output, isf_FragNormCoord) * vec4(IMG_SIZE(default) / RENDERSIZE, 1.0, 1.0);
}
