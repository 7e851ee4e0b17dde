/*{"ISFVSN":"2","DESCRIPTION":"an event is 0/1 in size expressions, for the frame it fires",
"INPUTS":[{"NAME":"hit","TYPE":"event"}],"PASSES":[{"TARGET":"t","WIDTH":"1+$hit*2","HEIGHT":"1"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(1.0);
    else gl_FragColor = vec4(IMG_SIZE(t) / 255.0, 0.0, 1.0);
}
