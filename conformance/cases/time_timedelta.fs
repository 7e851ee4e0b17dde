/*{"ISFVSN":"2","DESCRIPTION":"TIMEDELTA is 0 on the first frame, then |TIME - previous TIME|"}*/
void main() { gl_FragColor = vec4(TIMEDELTA, TIME / 4.0, 0.0, 1.0); }
