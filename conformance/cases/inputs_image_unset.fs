/*{"ISFVSN":"2","DESCRIPTION":"an unset image samples opaque black (0,0,0,1) with IMG_SIZE (1,1)",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() {
    vec4 c = IMG_THIS_NORM_PIXEL(inputImage);
    gl_FragColor = gl_FragCoord.x < 1.0 ? c : vec4(IMG_SIZE(inputImage) / 4.0, c.a, 1.0);
}
