/*{"ISFVSN":"2","DESCRIPTION":"outputs are top row first: the shader's top (high y) is row 0"}*/
void main() {
    gl_FragColor = isf_FragNormCoord.y > 0.5 ? vec4(1.0, 0.0, 0.0, 1.0) : vec4(0.0, 1.0, 0.0, 1.0);
    if (isf_FragNormCoord.x < 0.25) gl_FragColor.b = 1.0;
}
