/*{"ISFVSN":"2","DESCRIPTION":"IMG_NORM_PIXEL (0,0) is the bottom-left pixel as a viewer sees it, (1,1) the top-right",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    vec2 corner = vec2(0.0);
    if (gl_FragCoord.x > 1.0) corner = vec2(1.0, 1.0);
    if (gl_FragCoord.x > 2.0) corner = vec2(0.0, 1.0);
    if (gl_FragCoord.x > 3.0) corner = vec2(1.0, 0.0);
    gl_FragColor = IMG_NORM_PIXEL(img, corner);
}
