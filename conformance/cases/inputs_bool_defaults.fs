/*{"ISFVSN":"2","DESCRIPTION":"bool: JSON bool, number > 0 is true, missing DEFAULT is true",
"INPUTS":[{"NAME":"bt","TYPE":"bool","DEFAULT":true},{"NAME":"bf","TYPE":"bool","DEFAULT":false},
{"NAME":"b1","TYPE":"bool","DEFAULT":1},{"NAME":"b0","TYPE":"bool","DEFAULT":0},
{"NAME":"bhalf","TYPE":"bool","DEFAULT":0.5},{"NAME":"bneg","TYPE":"bool","DEFAULT":-1},
{"NAME":"bmissing","TYPE":"bool"}]}*/
float f(bool b) { return b ? 1.0 : 0.0; }
void main() {
    if (gl_FragCoord.x < 1.0) gl_FragColor = vec4(f(bt), f(bf), f(b1), f(b0));
    else gl_FragColor = vec4(f(bhalf), f(bneg), f(bmissing), 1.0);
}
