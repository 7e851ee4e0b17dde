/*{"ISFVSN":"2","DESCRIPTION":"temporary targets are fresh each frame: reading one before it is written reads (0,0,0,0)",
"PASSES":[{"TARGET":"t"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(t) + vec4(0.25, 0.0, 0.0, 0.5);
    else gl_FragColor = IMG_THIS_PIXEL(t);
}
