/*{"ISFVSN":"2","DESCRIPTION":"event: true for the one frame after it is set, then reset to false",
"INPUTS":[{"NAME":"hit","TYPE":"event"}]}*/
void main() { gl_FragColor = vec4(hit ? 1.0 : 0.0, float(FRAMEINDEX) / 10.0, 0.0, 1.0); }
