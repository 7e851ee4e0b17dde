/*{"ISFVSN":"2","DESCRIPTION":"a varying written by a custom .vs (corpus style: #if __VERSION__ <= 120 guard)"}*/
#if __VERSION__ <= 120
varying vec2 half_coord;
#else
in vec2 half_coord;
#endif
void main() { gl_FragColor = vec4(half_coord, 0.0, 1.0); }
