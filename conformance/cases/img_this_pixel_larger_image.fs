/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL on an image over twice the pass size: round(RENDERSIZE / imgSize) is 0, so every fragment reads the bottom-left texel",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
