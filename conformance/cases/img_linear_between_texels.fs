/*{"ISFVSN":"2","DESCRIPTION":"GL_LINEAR filtering between texel centres",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    float a = IMG_NORM_PIXEL(img, vec2(0.5, 0.5)).r;
    float b = IMG_NORM_PIXEL(img, vec2(0.375, 0.5)).r;
    float c = IMG_PIXEL(img, vec2(1.25, 0.5)).r;
    gl_FragColor = vec4(a, b, c, 1.0);
}
