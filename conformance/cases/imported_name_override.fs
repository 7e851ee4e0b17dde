/*{"ISFVSN":"2","DESCRIPTION":"in dict form an explicit NAME overrides the key",
"IMPORTED":{"key":{"NAME":"tex","PATH":"pic.png"}}}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(tex); }
