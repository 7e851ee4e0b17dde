/*{"DESCRIPTION":"v1 PERSISTENT_BUFFERS (dict) with WIDTH/HEIGHT",
"PERSISTENT_BUFFERS":{"small":{"WIDTH":2,"HEIGHT":1}},"PASSES":[{"TARGET":"small"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(small) + vec4(0.125, 0.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_SIZE(small) / 255.0, IMG_PIXEL(small, vec2(1.5, 0.5)).r, 1.0);
}
