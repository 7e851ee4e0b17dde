/*{"ISFVSN":"2","DESCRIPTION":"IMPORTED dict form; the image is upright and at native size",
"IMPORTED":{"pic":{"PATH":"pic.png"}}}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(pic); }
