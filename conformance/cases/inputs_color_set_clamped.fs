/*{"ISFVSN":"2","DESCRIPTION":"color: MIN (0,0,0,0) and MAX (1,1,1,1) always; host values clamp",
"INPUTS":[{"NAME":"c","TYPE":"color","DEFAULT":[0.0,0.0,0.0,1.0]}]}*/
void main() { gl_FragColor = c; }
