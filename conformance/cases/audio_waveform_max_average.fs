/*{"ISFVSN":"2","DESCRIPTION":"audio: row per channel (channel 0 at the bottom), column per sample, 0.5 + s/2; MAX averages consecutive samples",
"INPUTS":[{"NAME":"snd","TYPE":"audio","MAX":4}]}*/
void main() { gl_FragColor = IMG_NORM_PIXEL(snd, isf_FragNormCoord); }
