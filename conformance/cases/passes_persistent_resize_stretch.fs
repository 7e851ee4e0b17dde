/*{"ISFVSN":"2","DESCRIPTION":"a resized persistent buffer keeps its contents, stretched (linear)",
"INPUTS":[{"NAME":"w","TYPE":"float","MIN":1,"MAX":100,"DEFAULT":2}],
"PASSES":[{"TARGET":"buf","PERSISTENT":true,"WIDTH":"$w","HEIGHT":"1"},{}]}*/
void main() {
    if (PASSINDEX == 0) {
        gl_FragColor = FRAMEINDEX == 0 ? vec4(gl_FragCoord.x < 1.0 ? 0.2 : 0.8, 0.0, 0.0, 1.0) : IMG_THIS_PIXEL(buf);
    } else {
        gl_FragColor = IMG_NORM_PIXEL(buf, vec2(isf_FragNormCoord.x, 0.5));
    }
}
