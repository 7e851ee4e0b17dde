void main() {
    isf_vertShaderInit();
    gl_Position.x += 1.0;
}
