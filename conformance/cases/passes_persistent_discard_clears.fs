/*{"ISFVSN":"2","DESCRIPTION":"every pass draws into a fresh texture cleared to (0,0,0,0), persistent targets too: pixels a persistent pass discards are lost",
"PASSES":[{"TARGET":"buf","PERSISTENT":true},{}]}*/
void main() {
    if (PASSINDEX == 0) {
        if (FRAMEINDEX > 0 && gl_FragCoord.x < RENDERSIZE.x / 2.0) discard;
        gl_FragColor = IMG_THIS_PIXEL(buf) + vec4(0.25, 0.0, 0.0, 0.5);
    } else {
        gl_FragColor = IMG_THIS_PIXEL(buf);
    }
}
