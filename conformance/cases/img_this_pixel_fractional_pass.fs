/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL in a pass of fractional size (83.333 x 43.333 at 250x130) uses floor(RENDERSIZE) and the truncated viewport",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}],
"PASSES":[{"TARGET":"t","WIDTH":"$WIDTH/3","HEIGHT":"$HEIGHT/3"},{}]}*/
void main() {
    if (PASSINDEX == 0) {
        gl_FragColor = IMG_THIS_PIXEL(inputImage);
        return;
    }
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 ts = textureSize(t, 0);
    if (p.x < ts.x && p.y < ts.y) gl_FragColor = IMG_NORM_PIXEL(t, (vec2(p) + 0.5) / vec2(ts));
    else gl_FragColor = vec4(0.0, 0.0, 1.0, 0.5);
}
