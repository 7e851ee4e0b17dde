/*{"DESCRIPTION":"a v1 file (no ISFVSN) using vv_FragNormCoord"}*/
void main() { gl_FragColor = vec4(vv_FragNormCoord.x, vv_FragNormCoord.y, 0.0, 1.0); }
