/*{"ISFVSN":"2","DESCRIPTION":"no blending: RGBA is stored as written (straight alpha, not premultiplied)",
"PASSES":[{"TARGET":"t"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(1.0, 0.5, 0.25, 0.5);
    else gl_FragColor = gl_FragCoord.x < 1.0 ? IMG_THIS_PIXEL(t) : vec4(0.8, 0.6, 0.4, 0.0);
}
