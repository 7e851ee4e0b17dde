/*{"ISFVSN":"2","DESCRIPTION":"unguarded GLSL 1.10 'varying' in .fs and .vs is rewritten (isf-docs style)"}*/
varying float ramp;
void main() { gl_FragColor = vec4(ramp, 1.0 - ramp, 0.0, 1.0); }
