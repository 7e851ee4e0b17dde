void main() {
    isf_vertShaderInit();
    gl_Position.y += 4.0 / RENDERSIZE.y;
}
