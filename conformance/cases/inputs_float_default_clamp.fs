/*{"ISFVSN":"2","DESCRIPTION":"float: a DEFAULT outside [MIN,MAX] is clamped",
"INPUTS":[{"NAME":"hi","TYPE":"float","MIN":0.0,"MAX":0.5,"DEFAULT":0.9},
{"NAME":"lo","TYPE":"float","MIN":0.25,"MAX":1.0,"DEFAULT":-2.0}]}*/
void main() { gl_FragColor = vec4(hi, lo, 0.0, 1.0); }
