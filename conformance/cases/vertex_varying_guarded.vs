#if __VERSION__ <= 120
varying vec2 half_coord;
#else
out vec2 half_coord;
#endif
void main() {
    isf_vertShaderInit();
    half_coord = isf_FragNormCoord * 0.5;
}
