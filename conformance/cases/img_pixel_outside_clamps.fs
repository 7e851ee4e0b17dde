/*{"ISFVSN":"2","DESCRIPTION":"textures clamp to the edge: IMG_PIXEL outside the image reads the edge texel",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    gl_FragColor = gl_FragCoord.x < 1.0 ? IMG_PIXEL(img, vec2(-10.0, 100.0)) : IMG_PIXEL(img, vec2(50.0, -3.0));
}
