/*{"ISFVSN":"2","DESCRIPTION":"FLOAT targets are RGBA32F (unclamped); normal targets are RGBA8 (clamped on write)",
"PASSES":[{"TARGET":"f","FLOAT":true},{"TARGET":"n"},{}]}*/
void main() {
    vec4 v = vec4(2.5, -1.0, 0.5, 1.0);
    if (PASSINDEX < 2) gl_FragColor = v;
    else gl_FragColor = gl_FragCoord.x < 1.0 ? IMG_THIS_PIXEL(f) / 4.0 + 0.5 : IMG_THIS_PIXEL(n) / 4.0 + 0.5;
}
