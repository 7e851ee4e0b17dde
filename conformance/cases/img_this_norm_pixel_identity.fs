/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_NORM_PIXEL = IMG_NORM_PIXEL(img, isf_FragNormCoord): identity at render size",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_NORM_PIXEL(inputImage); }
