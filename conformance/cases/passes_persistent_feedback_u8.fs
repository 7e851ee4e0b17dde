/*{"ISFVSN":"2","DESCRIPTION":"a persistent RGBA8 target reads its previous frame (feedback); the last pass's target is the output",
"PASSES":[{"TARGET":"acc","PERSISTENT":true}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.2, 0.0, 0.0, 0.25); }
