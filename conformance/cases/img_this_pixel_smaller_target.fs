/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL of a half-size target is 1:1 and clamps to the edge beyond it",
"PASSES":[{"TARGET":"halfbuf","WIDTH":"$WIDTH/2","HEIGHT":"$HEIGHT/2"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(gl_FragCoord.xy / 8.0, 0.0, 1.0);
    else gl_FragColor = IMG_THIS_PIXEL(halfbuf);
}
