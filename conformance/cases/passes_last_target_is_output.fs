/*{"ISFVSN":"2","DESCRIPTION":"when the last pass has a (temporary) TARGET, the output is that target",
"PASSES":[{"TARGET":"a"},{"TARGET":"final"}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(isf_FragNormCoord.x, 0.0, 0.0, 1.0);
    else gl_FragColor = IMG_THIS_PIXEL(a) + vec4(0.0, 0.5, 0.0, 0.0);
}
