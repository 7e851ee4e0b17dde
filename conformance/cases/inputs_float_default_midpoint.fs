/*{"ISFVSN":"2","DESCRIPTION":"float: missing DEFAULT is (MIN+MAX)/2; without MIN/MAX the range is 0..1",
"INPUTS":[{"NAME":"mid","TYPE":"float","MIN":0.2,"MAX":0.6},{"NAME":"plain","TYPE":"float"}]}*/
void main() { gl_FragColor = vec4(mid, plain, 0.0, 1.0); }
