/*{"ISFVSN":"2","DESCRIPTION":"a fractional target size: texture rounded, viewport truncated, RENDERSIZE and IMG_SIZE unrounded (at 250x130: t is 15.625 x 10.833, u is 83.333 x 8.125)",
"PASSES":[{"TARGET":"t","WIDTH":"$WIDTH/16","HEIGHT":"$HEIGHT/12"},{"TARGET":"u","WIDTH":"$WIDTH/3","HEIGHT":"$HEIGHT/16"},{}]}*/
void main() {
    if (PASSINDEX < 2) {
        gl_FragColor = vec4(fract(RENDERSIZE), 1.0, 1.0);
        return;
    }
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 ts = textureSize(t, 0);
    if (p.y == 0) {
        if (p.x == 0) gl_FragColor = vec4(vec2(ts) / 255.0, fract(IMG_SIZE(t)));
        else if (p.x == 1) gl_FragColor = vec4(vec2(textureSize(u, 0)) / 255.0, fract(IMG_SIZE(u)));
        else if (p.x == 2) gl_FragColor = IMG_NORM_PIXEL(u, vec2(0.5));
        else gl_FragColor = vec4(fract(RENDERSIZE), RENDERSIZE / 255.0);
    } else if (p.x < ts.x && p.y - 1 < ts.y) {
        gl_FragColor = IMG_NORM_PIXEL(t, (vec2(p.x, p.y - 1) + 0.5) / vec2(ts));
    } else {
        gl_FragColor = vec4(0.0, 0.0, 1.0, 0.5);
    }
}
