/*{"ISFVSN":"2","DESCRIPTION":"PATH relative to the .fs (subfolder), native IMG_SIZE, upright orientation",
"IMPORTED":{"pic":{"PATH":"sub/dir/pic.png"}}}*/
void main() {
    if (gl_FragCoord.x < 1.0) gl_FragColor = vec4(IMG_SIZE(pic) / 255.0, 0.0, 1.0);
    else if (gl_FragCoord.x < 2.0) gl_FragColor = IMG_NORM_PIXEL(pic, vec2(0.0, 0.0));
    else gl_FragColor = IMG_NORM_PIXEL(pic, vec2(1.0, 1.0));
}
