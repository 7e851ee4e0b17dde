/*{"ISFVSN":"2","DESCRIPTION":"a persistent FLOAT target accumulates beyond 1 and below 1/255",
"PASSES":[{"TARGET":"acc","PERSISTENT":true,"FLOAT":true}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.1, 2.5, 0.001, -0.5); }
