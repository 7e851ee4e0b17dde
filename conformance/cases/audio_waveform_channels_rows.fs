/*{"ISFVSN":"2","DESCRIPTION":"audio: three channels are three rows, channel 0 the bottom one",
"INPUTS":[{"NAME":"snd","TYPE":"audio"}]}*/
void main() { gl_FragColor = vec4(IMG_PIXEL(snd, gl_FragCoord.xy).rgb, 1.0); }
