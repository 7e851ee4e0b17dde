/*{
    "DESCRIPTION": "offscreen-isf demo: a feedback trail of orbiting light over a moving plasma",
    "CREDIT": "offscreen-isf team (MIT)",
    "ISFVSN": "2",
    "CATEGORIES": ["Generator"],
    "INPUTS": [
        {"NAME": "speed", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 4.0},
        {"NAME": "decay", "TYPE": "float", "DEFAULT": 0.92, "MIN": 0.5, "MAX": 0.99},
        {"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.55, 0.2, 1.0]},
        {"NAME": "orbs", "TYPE": "long", "DEFAULT": 3, "VALUES": [1, 2, 3, 4, 5],
         "LABELS": ["one", "two", "three", "four", "five"]}
    ],
    "PASSES": [
        {"TARGET": "trail", "PERSISTENT": true, "FLOAT": true},
        {}
    ]
}*/

// Pass 0 accumulates glowing orbs into a persistent float buffer (feedback with decay);
// pass 1 composites the trail over a plasma background.

vec3 plasma(vec2 uv, float t) {
    float v = sin(uv.x * 10.0 + t) + sin((uv.y * 10.0 + t) * 0.5)
            + sin((uv.x * 10.0 + uv.y * 10.0 + t) * 0.5);
    vec2 c = uv * 10.0 + vec2(sin(t / 3.0), cos(t / 2.0)) * 5.0;
    v += sin(sqrt(c.x * c.x + c.y * c.y + 1.0) + t);
    return 0.5 + 0.5 * vec3(sin(v * 3.14159), sin(v * 3.14159 + 2.094), sin(v * 3.14159 + 4.188));
}

void main() {
    vec2 uv = isf_FragNormCoord;
    float aspect = RENDERSIZE.x / RENDERSIZE.y;
    float t = TIME * speed;
    if (PASSINDEX == 0) {
        vec4 glow = IMG_THIS_PIXEL(trail) * decay;
        for (int i = 0; i < 5; ++i) {
            if (i >= orbs) break;
            float phase = float(i) * 6.28318 / float(orbs);
            vec2 centre = vec2(0.5) + 0.3 * vec2(cos(t + phase) / aspect, sin(1.3 * t + phase));
            vec2 d = (uv - centre) * vec2(aspect, 1.0);
            glow.rgb += tint.rgb * 0.0015 / (dot(d, d) + 0.0005);
        }
        gl_FragColor = vec4(glow.rgb, 1.0);
    } else {
        vec3 trailColor = IMG_THIS_PIXEL(trail).rgb;
        vec3 background = plasma(uv * vec2(aspect, 1.0) * 0.3, t * 0.5) * 0.25;
        gl_FragColor = vec4(background + trailColor / (1.0 + trailColor), 1.0);
    }
}
