/*{"ISFVSN":"2","DESCRIPTION":"IMG_PIXEL coordinates are in the image's pixels (divided by the image size, not RENDERSIZE)",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    float a = IMG_PIXEL(img, vec2(2.5, 0.5)).r;
    float b = IMG_PIXEL(img, vec2(0.5, 1.5)).r;
    float c = IMG_PIXEL(img, vec2(3.5, 1.5)).g;
    gl_FragColor = vec4(a, b, c, 1.0);
}
