/*{"ISFVSN":"2","DESCRIPTION":"the output pass is cleared to (0,0,0,0) before drawing; discarded pixels stay transparent black"}*/
void main() {
    if (gl_FragCoord.y > RENDERSIZE.y - 1.0) discard;
    gl_FragColor = vec4(0.5, 1.0, 0.0, 1.0);
}
