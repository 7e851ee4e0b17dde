/*{"ISFVSN":"2","DESCRIPTION":"a smaller target (RGBA8) sampled by IMG_NORM_PIXEL is stretched with linear filtering",
"PASSES":[{"TARGET":"small","WIDTH":"$WIDTH/4","HEIGHT":"1"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(isf_FragNormCoord.x, 1.0 - isf_FragNormCoord.x, 0.0, 1.0);
    else gl_FragColor = IMG_NORM_PIXEL(small, vec2(isf_FragNormCoord.x, 0.5));
}
