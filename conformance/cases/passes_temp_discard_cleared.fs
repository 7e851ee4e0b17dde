/*{"ISFVSN":"2","DESCRIPTION":"each pass is cleared to (0,0,0,0): pixels a temporary pass discards are transparent black, not last frame's",
"PASSES":[{"TARGET":"t"},{}]}*/
void main() {
    if (PASSINDEX == 0) {
        if (FRAMEINDEX > 0 && gl_FragCoord.x < RENDERSIZE.x / 2.0) discard;
        gl_FragColor = vec4(1.0, 0.5, 0.25, 1.0);
    } else {
        gl_FragColor = IMG_THIS_PIXEL(t);
    }
}
