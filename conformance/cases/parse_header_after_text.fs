// The JSON header is the first block comment anywhere in the file, not necessarily at byte 0.
/*{"ISFVSN":"2","DESCRIPTION":"header after a line comment",
"INPUTS":[{"NAME":"v","TYPE":"float","DEFAULT":0.75}]}*/
void main() { gl_FragColor = vec4(v, 0.0, 0.0, 1.0); }
