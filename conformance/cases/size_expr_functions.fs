/*{"ISFVSN":"2","DESCRIPTION":"size expressions support floor ceil round min max abs sqrt pow and + - * / % with parentheses",
"PASSES":[{"TARGET":"a","WIDTH":"max(floor($WIDTH*0.02),1.0)","HEIGHT":"sqrt($WIDTH*4)"},
{"TARGET":"b","WIDTH":"pow(2, 3) - abs(-1)","HEIGHT":"ceil($HEIGHT/3)"},
{"TARGET":"c","WIDTH":"$WIDTH % 5","HEIGHT":"min(round(2.4), (($HEIGHT)))"},{}]}*/
void main() {
    if (PASSINDEX < 3) gl_FragColor = vec4(1.0);
    else gl_FragColor = gl_FragCoord.x < 1.0 ? vec4(IMG_SIZE(a), IMG_SIZE(b)) / 255.0 : vec4(IMG_SIZE(c), 0.0, 1.0) / 255.0;
}
