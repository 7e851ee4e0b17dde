/*{"ISFVSN":"2","DESCRIPTION":"an unnamed pass that is not the last renders nowhere visible; the output pass starts cleared",
"PASSES":[{},{}]}*/
void main() {
    if (PASSINDEX == 0) { gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0); return; }
    if (gl_FragCoord.x > RENDERSIZE.x / 2.0) discard;
    gl_FragColor = vec4(0.0, 1.0, 0.0, 1.0);
}
