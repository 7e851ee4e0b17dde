/*{"ISFVSN":"2","DESCRIPTION":"audioFFT: one row per channel, one column per bin (DC at x=0), magnitude normalised to 0..1",
"INPUTS":[{"NAME":"fft","TYPE":"audioFFT","MAX":9}]}*/
void main() { gl_FragColor = vec4(IMG_PIXEL(fft, gl_FragCoord.xy).r, IMG_SIZE(fft) / 255.0, 1.0); }
