/*{"ISFVSN":"2","DESCRIPTION":"an IMG_NORM_PIXEL call whose coordinate is another IMG_* call (nested macros)",
"INPUTS":[{"NAME":"lut","TYPE":"image"},{"NAME":"idx","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_NORM_PIXEL(lut, IMG_THIS_NORM_PIXEL(idx).rg); }
