/*{"ISFVSN":"2","DESCRIPTION":"IMG_* inside comments (even unbalanced, unknown samplers) are left alone",
"INPUTS":[{"NAME":"img","TYPE":"image"}]}*/
// IMG_PIXEL(nope, vec2(0.0)) samples nothing: this is a comment
// an unbalanced call in a comment: IMG_NORM_PIXEL(img,
/* IMG_THIS_PIXEL(missing) and IMG_SIZE(
   spanning lines */
void main() {
    gl_FragColor = IMG_THIS_PIXEL(img); // IMG_SIZE(img) ) ) (
}
