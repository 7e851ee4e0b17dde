/*{"ISFVSN":"2","DESCRIPTION":"a point2D set by the host is a vec2 uniform",
"INPUTS":[{"NAME":"pt","TYPE":"point2D","DEFAULT":[0.0,0.0]}]}*/
void main() { gl_FragColor = vec4(pt / 10.0, 0.0, 1.0); }
