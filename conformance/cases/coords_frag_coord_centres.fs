/*{"ISFVSN":"2","DESCRIPTION":"gl_FragCoord is at pixel centres (i+0.5), y from the bottom"}*/
void main() { gl_FragColor = vec4(fract(gl_FragCoord.xy), gl_FragCoord.x / 16.0, gl_FragCoord.y / 16.0); }
