/*{"ISFVSN":"2","DESCRIPTION":"audio: without MAX the texture is as wide as the sample count; IMG_SIZE = (samples, channels)",
"INPUTS":[{"NAME":"snd","TYPE":"audio"}]}*/
void main() {
    vec4 s = IMG_THIS_PIXEL(snd);
    gl_FragColor = vec4(s.r, s.g, IMG_SIZE(snd).x / 255.0, IMG_SIZE(snd).y / 255.0);
}
