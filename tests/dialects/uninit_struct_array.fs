/*{"DESCRIPTION": "expect 0 64 0 255"}*/
struct Ray { vec3 origin; float weights[3]; };
Ray g_ray;
float g_acc;
void main() {
	Ray r;
	mat2 m;
	vec2 pts[4];
	highp float h;
	bool hit;
	r.weights[1] += 0.25;
	pts[2] += vec2(r.weights[1]);
	gl_FragColor = vec4(r.origin.x + m[1][1] + h + g_acc + g_ray.weights[0] + float(hit), pts[2].y, pts[0].x, 1.0);
}
