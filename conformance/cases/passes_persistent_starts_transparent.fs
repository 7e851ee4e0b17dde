/*{"ISFVSN":"2","DESCRIPTION":"a new persistent buffer reads (0,0,0,0) on its first frame",
"PASSES":[{"TARGET":"copy"},{"TARGET":"buf","PERSISTENT":true},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(buf);
    else if (PASSINDEX == 1) gl_FragColor = vec4(0.6, 0.4, 0.2, 0.8);
    else gl_FragColor = IMG_THIS_PIXEL(copy);
}
