/*{"ISFVSN":"2","DESCRIPTION":"WIDTH/HEIGHT as expressions of $WIDTH/$HEIGHT, as JSON numbers and as numeric strings",
"PASSES":[{"TARGET":"a","WIDTH":"floor($WIDTH/3)","HEIGHT":"$HEIGHT/2"},{"TARGET":"b","WIDTH":3,"HEIGHT":"5"},{}]}*/
void main() {
    if (PASSINDEX < 2) gl_FragColor = vec4(1.0);
    else gl_FragColor = vec4(IMG_SIZE(a), IMG_SIZE(b)) / 255.0;
}
