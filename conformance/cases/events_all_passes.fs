/*{"ISFVSN":"2","DESCRIPTION":"event: reset after the whole frame, so every pass of that frame sees it true",
"INPUTS":[{"NAME":"hit","TYPE":"event"}],"PASSES":[{"TARGET":"a"},{"TARGET":"b"},{}]}*/
void main() {
    float h = hit ? 1.0 : 0.0;
    if (PASSINDEX == 0) gl_FragColor = vec4(h, 0.0, 0.0, 1.0);
    else if (PASSINDEX == 1) gl_FragColor = vec4(0.0, h, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_THIS_PIXEL(a).r, IMG_THIS_PIXEL(b).g, h, 1.0);
}
