/*{"ISFVSN":"2","DESCRIPTION":"event: false unless the host fires it",
"INPUTS":[{"NAME":"hit","TYPE":"event"}]}*/
void main() { gl_FragColor = hit ? vec4(1.0) : vec4(0.0, 0.0, 1.0, 1.0); }
