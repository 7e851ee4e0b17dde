/*{"ISFVSN":"2","DESCRIPTION":"size expressions use float, long and bool inputs as $name (bool = 0/1), re-evaluated every frame",
"INPUTS":[{"NAME":"scale","TYPE":"float","MIN":0,"MAX":10,"DEFAULT":2},
{"NAME":"count","TYPE":"long","MIN":0,"MAX":10,"DEFAULT":3},{"NAME":"wide","TYPE":"bool","DEFAULT":true}],
"PASSES":[{"TARGET":"t","WIDTH":"$scale*4+$wide","HEIGHT":"$count*2"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0);
    else gl_FragColor = vec4(IMG_SIZE(t) / 255.0, IMG_PIXEL(t, vec2(0.5)).rg);
}
