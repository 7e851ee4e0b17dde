/*{"ISFVSN":"2","DESCRIPTION":"several IMG_* calls on one line, on different images",
"INPUTS":[{"NAME":"a","TYPE":"image"},{"NAME":"b","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(a) * 0.5 + IMG_PIXEL(b, gl_FragCoord.xy) * 0.25 + vec4(0.0, 0.0, 0.0, IMG_SIZE(b).x / 16.0); }
