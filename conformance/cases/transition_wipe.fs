/*{"ISFVSN":"2","DESCRIPTION":"a wipe transition; progress without DEFAULT starts at 0.5",
"INPUTS":[{"NAME":"startImage","TYPE":"image"},{"NAME":"endImage","TYPE":"image"},{"NAME":"progress","TYPE":"float"}]}*/
void main() {
    gl_FragColor = isf_FragNormCoord.x < progress ? IMG_THIS_NORM_PIXEL(endImage) : IMG_THIS_NORM_PIXEL(startImage);
}
