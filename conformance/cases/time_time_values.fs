/*{"ISFVSN":"2","DESCRIPTION":"TIME is the time passed to render, in seconds"}*/
void main() { gl_FragColor = vec4(TIME / 4.0, fract(TIME), 0.0, 1.0); }
