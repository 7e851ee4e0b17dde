/*{"ISFVSN":"2","DESCRIPTION":"an image input replaced between frames (also at another size) is used from the next frame",
"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/
void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage, vec2(0.0)) + vec4(0.0, 0.0, IMG_SIZE(inputImage).x / 255.0, 0.0); }
