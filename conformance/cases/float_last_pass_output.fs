/*{"ISFVSN":"2","DESCRIPTION":"when the last pass targets a FLOAT buffer the output is float32 (unclamped)",
"PASSES":[{"TARGET":"outbuf","FLOAT":1}]}*/
void main() { gl_FragColor = vec4(2.5, -1.0, isf_FragNormCoord.x, 0.001); }
