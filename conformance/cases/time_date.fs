/*{"ISFVSN":"2","DESCRIPTION":"DATE = (year, month 1-12, day 1-31, seconds since midnight)"}*/
void main() { gl_FragColor = DATE / vec4(4000.0, 20.0, 40.0, 86400.0); }
