/*{"ISFVSN":"2","DESCRIPTION":"RENDERSIZE is the size of the current pass (its target's size)",
"PASSES":[{"TARGET":"t","WIDTH":"3","HEIGHT":"5"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(RENDERSIZE / 255.0, isf_FragNormCoord.x, 1.0);
    else gl_FragColor = vec4(IMG_PIXEL(t, vec2(0.5, 0.5)).rgb, RENDERSIZE.x / 255.0);
}
