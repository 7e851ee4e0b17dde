varying float ramp;
void main() {
    isf_vertShaderInit();
    ramp = isf_FragNormCoord.y;
}
