/*{"ISFVSN":"2","DESCRIPTION":"a sibling .vs runs after isf_vertShaderInit(); gl_Position is in clip space"}*/
void main() { gl_FragColor = vec4(1.0, isf_FragNormCoord.x, 0.0, 1.0); }
