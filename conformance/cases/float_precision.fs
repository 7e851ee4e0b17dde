/*{"ISFVSN":"2","DESCRIPTION":"FLOAT targets keep values finer than 1/255; RGBA8 targets round them",
"PASSES":[{"TARGET":"f","FLOAT":"true"},{"TARGET":"n","FLOAT":false},{}]}*/
void main() {
    vec4 v = vec4(0.001, 0.3 / 255.0, 0.0, 1.0);
    if (PASSINDEX < 2) gl_FragColor = v;
    else gl_FragColor = vec4(IMG_THIS_PIXEL(f).r * 200.0, IMG_THIS_PIXEL(f).g * 255.0 * 2.0, IMG_THIS_PIXEL(n).r * 200.0, 1.0);
}
