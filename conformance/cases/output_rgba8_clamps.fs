/*{"ISFVSN":"2","DESCRIPTION":"RGBA8 writes clamp to [0,1] and round to nearest"}*/
void main() { gl_FragColor = vec4(2.0, -1.0, 0.2, 1.5); }
