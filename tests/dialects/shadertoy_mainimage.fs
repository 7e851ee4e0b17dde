/*{"DESCRIPTION": "expect 255 0 255 255"}*/
#ifdef GL_ES
precision mediump float;
#endif
#define iResolution vec3(RENDERSIZE, 1.0)
#define iTime TIME
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
	vec2 uv = fragCoord / iResolution.xy;
	vec3 col;
	col.r = 1.0 + 0.0 * uv.x + 0.0 * iTime;
	col.b = 1.0;
	fragColor = vec4(col, 1.0);
}
void main() {
	mainImage(gl_FragColor, gl_FragCoord.xy);
}
