varying vec2 moved;
void main() {
    vv_vertShaderInit();
    moved = vec2(1.0) - vv_FragNormCoord;
}
