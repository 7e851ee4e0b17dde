/*{"ISFVSN":"2","DESCRIPTION":"IMG_SIZE is the size in pixels of an input image and of a pass target",
"INPUTS":[{"NAME":"img","TYPE":"image"}],
"PASSES":[{"TARGET":"t","WIDTH":7,"HEIGHT":"2"},{}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(1.0);
    else gl_FragColor = vec4(IMG_SIZE(img), IMG_SIZE(t)) / 255.0;
}
