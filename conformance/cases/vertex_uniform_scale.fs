/*{"ISFVSN":"2","DESCRIPTION":"inputs are uniforms in the vertex shader too; outside the scaled quad the pass stays cleared",
"INPUTS":[{"NAME":"scale","TYPE":"float","MIN":0,"MAX":1,"DEFAULT":0.5}]}*/
void main() { gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0); }
