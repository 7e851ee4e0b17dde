/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL = IMG_PIXEL(img, gl_FragCoord.xy), exact 1:1 on a larger image (VVISF-GL rounds at the quad corners)",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
