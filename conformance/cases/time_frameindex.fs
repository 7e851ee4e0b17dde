/*{"ISFVSN":"2","DESCRIPTION":"FRAMEINDEX is 0 on the first frame and +1 per rendered frame, whatever TIME does"}*/
void main() { gl_FragColor = vec4(float(FRAMEINDEX) / 10.0, FRAMEINDEX == 0 ? 1.0 : 0.0, 0.0, 1.0); }
