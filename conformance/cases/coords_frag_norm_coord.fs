/*{"ISFVSN":"2","DESCRIPTION":"isf_FragNormCoord = (i+0.5)/W, (0,0) bottom-left"}*/
void main() { gl_FragColor = vec4(isf_FragNormCoord, 0.0, 1.0); }
