/*{"ISFVSN":"2","DESCRIPTION":"IMG_* arguments with nested parentheses and commas (balanced lexer)",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
void main() {
    vec4 a = IMG_PIXEL(img, vec2(floor(gl_FragCoord.x) + 0.5, max(min(gl_FragCoord.y, 1.5), (0.5))));
    vec4 b = mix(IMG_NORM_PIXEL(img, vec2((1.0), min(0.0, 1.0))), vec4(0.0), (0.0));
    gl_FragColor = vec4(a.rg, b.b, 1.0);
}
