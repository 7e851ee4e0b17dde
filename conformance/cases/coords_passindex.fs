/*{"ISFVSN":"2","DESCRIPTION":"PASSINDEX is 0 on the first pass, +1 per PASSES entry",
"PASSES":[{"TARGET":"a"},{"TARGET":"b"},{}]}*/
void main() {
    float p = float(PASSINDEX) / 4.0;
    if (PASSINDEX == 0) gl_FragColor = vec4(p, 0.0, 0.0, 1.0);
    else if (PASSINDEX == 1) gl_FragColor = vec4(p, 0.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_THIS_PIXEL(a).r, IMG_THIS_PIXEL(b).r, p, 1.0);
}
