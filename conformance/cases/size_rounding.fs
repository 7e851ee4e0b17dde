/*{"ISFVSN":"2","DESCRIPTION":"target texture = max(1, round(expr)) (halves away from zero); IMG_SIZE and RENDERSIZE keep the unrounded max(1, expr)",
"PASSES":[{"TARGET":"a","WIDTH":"$WIDTH/4","HEIGHT":"0.2"},{"TARGET":"b","WIDTH":"$HEIGHT*0.49","HEIGHT":"$HEIGHT*1.5"},{}]}*/
void main() {
    if (PASSINDEX < 2) gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0);
    else gl_FragColor = gl_FragCoord.x < 1.0 ? vec4(IMG_SIZE(a), IMG_SIZE(b)) / 255.0 : vec4(IMG_PIXEL(a, vec2(0.5)).rg, IMG_PIXEL(b, vec2(0.5)).rg);
}
