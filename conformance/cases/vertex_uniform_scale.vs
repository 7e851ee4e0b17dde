void main() {
    isf_vertShaderInit();
    gl_Position.xy *= scale;
}
