/*{"ISFVSN":"2","DESCRIPTION":"a bool set by the host reaches the shader, frame by frame",
"INPUTS":[{"NAME":"flag","TYPE":"bool","DEFAULT":true}]}*/
void main() { gl_FragColor = flag ? vec4(1.0, 0.0, 0.0, 1.0) : vec4(0.0, 1.0, 0.0, 1.0); }
