/*{"ISFVSN":"2","DESCRIPTION":"images are upright in shader space (low y = the picture's bottom rows)",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    gl_FragColor = gl_FragCoord.x < 1.0 ? IMG_NORM_PIXEL(img, vec2(0.1, 0.1)) : IMG_NORM_PIXEL(img, vec2(0.9, 0.9));
}
