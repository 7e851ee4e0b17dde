/*{"DESCRIPTION": "expect 10 20 30 255 warn GL_OES_EGL_image_external"}*/
#extension GL_OES_EGL_image_external : enable
void main() {
	gl_FragColor = vec4(10.0, 20.0, 30.0, 255.0) / 255.0;
}
