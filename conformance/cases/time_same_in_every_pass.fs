/*{"ISFVSN":"2","DESCRIPTION":"TIME, TIMEDELTA and FRAMEINDEX are the same in every pass of a frame",
"PASSES":[{"TARGET":"t","FLOAT":true},{}]}*/
void main() {
    vec4 now = vec4(TIME, TIMEDELTA, float(FRAMEINDEX), 1.0);
    if (PASSINDEX == 0) gl_FragColor = now;
    else gl_FragColor = vec4(lessThan(abs(IMG_THIS_PIXEL(t) - now), vec4(1e-6)));
}
