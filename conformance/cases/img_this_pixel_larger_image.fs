/*{"ISFVSN":"2","DESCRIPTION":"DESIGN: IMG_THIS_PIXEL = IMG_PIXEL(img, gl_FragCoord.xy), exact 1:1 on a larger image (VVISF-GL rounds: SPEC 8 Quirk)",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
