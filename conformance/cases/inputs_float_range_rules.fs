/*{"ISFVSN":"2","DESCRIPTION":"float: no MIN/MAX means 0..1 (DEFAULT 3 clamps to 1); only one of MIN/MAX drops both",
"INPUTS":[{"NAME":"norange","TYPE":"float","DEFAULT":3.0},{"NAME":"halfrange","TYPE":"float","MIN":0.5,"DEFAULT":0.1}]}*/
void main() { gl_FragColor = vec4(norange, halfrange, 0.0, 1.0); }
