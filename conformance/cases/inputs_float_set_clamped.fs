/*{"ISFVSN":"2","DESCRIPTION":"host values of a float input are clamped to [MIN,MAX]",
"INPUTS":[{"NAME":"f","TYPE":"float","MIN":0.1,"MAX":0.7,"DEFAULT":0.5}]}*/
void main() { gl_FragColor = vec4(f, 0.0, 0.0, 1.0); }
