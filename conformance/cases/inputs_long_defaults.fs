/*{"ISFVSN":"2","DESCRIPTION":"long: DEFAULT as int (truncated), missing is 0, DEFAULT not checked against VALUES",
"INPUTS":[{"NAME":"n2","TYPE":"long","DEFAULT":2},{"NAME":"nmissing","TYPE":"long"},
{"NAME":"ntrunc","TYPE":"long","DEFAULT":2.7},
{"NAME":"nvalues","TYPE":"long","VALUES":[0,1,2],"LABELS":["a","b","c"],"DEFAULT":5}]}*/
void main() { gl_FragColor = vec4(float(n2), float(nmissing), float(ntrunc), float(nvalues)) / 10.0; }
