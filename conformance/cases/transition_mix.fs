/*{"ISFVSN":"2","DESCRIPTION":"a transition (startImage, endImage, progress) cross-fades by progress",
"INPUTS":[{"NAME":"startImage","TYPE":"image"},{"NAME":"endImage","TYPE":"image"},
{"NAME":"progress","TYPE":"float","MIN":0.0,"MAX":1.0,"DEFAULT":0.0}]}*/
void main() { gl_FragColor = mix(IMG_THIS_PIXEL(startImage), IMG_THIS_PIXEL(endImage), progress); }
