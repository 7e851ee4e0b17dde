/*{"ISFVSN":"2","DESCRIPTION":"IMG_THIS_PIXEL samples at isf_FragNormCoord * round(floor(RENDERSIZE) / imgSize): 1:1 at ratio 1, the whole image squeezed in at ratio 1/2, scaled at other ratios",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
