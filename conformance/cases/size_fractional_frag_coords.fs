/*{"ISFVSN":"2","DESCRIPTION":"in a pass of fractional size (15.625 x 10.833 at 250x130) isf_FragNormCoord spans the truncated viewport, gl_FragCoord / RENDERSIZE does not",
"PASSES":[{"TARGET":"t","WIDTH":"$WIDTH/16","HEIGHT":"$HEIGHT/12","FLOAT":true},{}]}*/
void main() {
    if (PASSINDEX == 0) {
        gl_FragColor = vec4(isf_FragNormCoord, gl_FragCoord.xy / RENDERSIZE);
        return;
    }
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 ts = textureSize(t, 0);
    if (p.x < ts.x && p.y < ts.y) gl_FragColor = IMG_NORM_PIXEL(t, (vec2(p) + 0.5) / vec2(ts));
    else gl_FragColor = vec4(0.0, 0.0, 1.0, 0.5);
}
