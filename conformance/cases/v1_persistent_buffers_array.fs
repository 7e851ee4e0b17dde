/*{"DESCRIPTION":"v1 PERSISTENT_BUFFERS (array) makes the named pass target persistent",
"PERSISTENT_BUFFERS":["acc"],"PASSES":[{"TARGET":"acc"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.25, 0.0, 0.0, 0.25);
    else gl_FragColor = IMG_THIS_PIXEL(acc);
}
