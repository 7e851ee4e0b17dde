/*{"ISFVSN":"2","DESCRIPTION":"a long set by the host is an int uniform",
"INPUTS":[{"NAME":"n","TYPE":"long","MIN":-10,"MAX":10,"DEFAULT":0}]}*/
void main() { gl_FragColor = vec4(float(n + 5) / 20.0, n < 0 ? 1.0 : 0.0, 0.0, 1.0); }
