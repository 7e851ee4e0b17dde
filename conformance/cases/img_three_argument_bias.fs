/*{"ISFVSN":"2","DESCRIPTION":"IMG_PIXEL / IMG_NORM_PIXEL accept a third (bias) argument; without mipmaps it changes nothing",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    vec4 a = IMG_PIXEL(img, gl_FragCoord.xy, 0.0);
    vec4 b = IMG_NORM_PIXEL(img, isf_FragNormCoord, 2.0);
    gl_FragColor = vec4(a.r, b.g, a.b, 1.0);
}
