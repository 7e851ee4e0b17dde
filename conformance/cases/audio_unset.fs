/*{"ISFVSN":"2","DESCRIPTION":"an unset audio input samples opaque black (0,0,0,1) with IMG_SIZE (1,1)",
"INPUTS":[{"NAME":"snd","TYPE":"audio"}]}*/
void main() { gl_FragColor = IMG_THIS_NORM_PIXEL(snd) * 0.5 + vec4(IMG_SIZE(snd) / 4.0, 0.0, 0.25); }
