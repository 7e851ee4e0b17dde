/*{"ISFVSN":"2","DESCRIPTION":"IMPORTED as an array of {NAME, PATH}",
"IMPORTED":[{"NAME":"pic","PATH":"pic.png"}]}*/
void main() { gl_FragColor = IMG_THIS_NORM_PIXEL(pic); }
