/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL of an image at render size is the identity (upright in, upright out)",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
