/*{"DESCRIPTION": "expect 128 64 32 255"}*/
struct Texel { float sample; float smooth; };
float filter(float input) { return input * 0.5; }
void main() {
	float sample = 1.0, flat = 0.25;
	float smooth = filter(sample);
	float output = 0.0, half = 0.0, active = 0.0, common = 0.0, partition = 0.0, patch = 0.0;
	float precise = 0.0, buffer = 0.0, shared = 0.0, resource = 0.0, noperspective = 0.0;
	vec4 texture = vec4(smooth, flat, 0.125, 1.0);
	Texel t = Texel(0.0, 0.0);
	t.sample = output + half + active + common + partition + patch + precise + buffer + shared + resource + noperspective;
	gl_FragColor = texture + vec4(t.sample);
}
