/*{"ISFVSN":"2","DESCRIPTION":"point2D: DEFAULT in the shader's units (no normalisation), missing is (0,0)",
"INPUTS":[{"NAME":"pt","TYPE":"point2D","DEFAULT":[30.0,4.0]},{"NAME":"ptmissing","TYPE":"point2D"}]}*/
void main() { gl_FragColor = vec4(pt / vec2(100.0, 10.0), ptmissing + vec2(0.5)); }
