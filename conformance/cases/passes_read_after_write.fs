/*{"ISFVSN":"2","DESCRIPTION":"a later pass reads what an earlier pass wrote in the same frame",
"PASSES":[{"TARGET":"a"},{"TARGET":"b"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(0.25, 0.0, 0.0, 1.0);
    else if (PASSINDEX == 1) gl_FragColor = IMG_THIS_PIXEL(a) + vec4(0.0, 0.5, 0.0, 0.0);
    else gl_FragColor = IMG_THIS_PIXEL(b) + vec4(0.0, 0.0, 0.75, 0.0);
}
