/*{"ISFVSN":"2","DESCRIPTION":"color: 4-number DEFAULT, missing DEFAULT is (0,0,0,0)",
"INPUTS":[{"NAME":"c","TYPE":"color","DEFAULT":[0.2,0.4,0.6,0.8]},{"NAME":"cmissing","TYPE":"color"}]}*/
void main() { gl_FragColor = gl_FragCoord.x < 1.0 ? c : cmissing; }
