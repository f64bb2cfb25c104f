/* types.c — tensor type traits (block size, block bytes, names; GGML's
 * layouts) and the exact IEEE half <-> float conversions. */
#include <math.h>

#include "common.h"

/* K-quant super-blocks (GGML): 256 elements each.
 *   q4_K: f16 d, f16 dmin, u8 scales[12], u8 qs[128]            = 144 bytes
 *   q5_K: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128] = 176 bytes
 *   q6_K: u8 ql[128], u8 qh[64], i8 scales[16], f16 d           = 210 bytes */
typedef struct { int id; int block; int bytes; const char *name; } type_info;

static const type_info k_types[] = {
    { GW_TYPE_F32, 1, 4, "f32" },
    { GW_TYPE_F16, 1, 2, "f16" },
    { GW_TYPE_BF16, 1, 2, "bf16" },
    { GW_TYPE_Q8_0, GW_QK8_0, (int)sizeof(gw_block_q8_0), "q8_0" },
    { GW_TYPE_Q4_0, GW_QK4_0, (int)sizeof(gw_block_q4_0), "q4_0" },
    { GW_TYPE_Q4_K, 256, 144, "q4_K" },
    { GW_TYPE_Q5_K, 256, 176, "q5_K" },
    { GW_TYPE_Q6_K, 256, 210, "q6_K" },
};
#define N_TYPES ((int)(sizeof k_types / sizeof k_types[0]))

static const type_info *find_type(int type) {
    for (int i = 0; i < N_TYPES; i++)
        if (k_types[i].id == type) return &k_types[i];
    return NULL;
}

int gw_type_block_size(int type) {
    const type_info *t = find_type(type);
    return t ? t->block : 0;
}

int gw_type_block_bytes(int type) {
    const type_info *t = find_type(type);
    return t ? t->bytes : 0;
}

const char *gw_type_name(int type) {
    const type_info *t = find_type(type);
    return t ? t->name : NULL;
}

static int ieq(const char *a, const char *b) { /* ASCII case-insensitive */
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (ca != cb) return 0;
    }
    return *a == *b;
}

int gw_type_from_name(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < N_TYPES; i++)
        if (ieq(name, k_types[i].name)) return k_types[i].id;
    return -1;
}

size_t gw_type_row_bytes(int type, int64_t n) {
    const type_info *t = find_type(type);
    if (!t || n < 0 || n % t->block) return 0;
    return (size_t)(n / t->block) * (size_t)t->bytes;
}

/* ---- IEEE binary16 ------------------------------------------------------ */

float gw_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {            /* inf / nan (payload kept, quiet bit too) */
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {        /* normal: rebias 15 -> 127 */
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {        /* +-0 */
        bits = sign;
    } else {                      /* subnormal: man * 2^-24, exact in f32 */
        float f = (float)man * (1.0f / 16777216.0f);
        bits = sign | gw_bits_from_f32(f);
    }
    return gw_f32_from_bits(bits);
}

uint16_t gw_f32_to_f16(float f) {
    uint32_t x = gw_bits_from_f32(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) /* NaN: keep the top payload bits, force quiet */
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) /* >= 65520 rounds to inf (also inf itself) */
        return (uint16_t)(sign | 0x7c00u);
    if (ax >= 0x38800000u) { /* normal half: rebias, round to nearest even */
        uint32_t r = ax - (112u << 23);
        r += 0xfffu + ((r >> 13) & 1u);
        return (uint16_t)(sign | (r >> 13));
    }
    /* subnormal half (or zero): units of 2^-24 */
    uint32_t e = ax >> 23;
    if (e < 102) return sign; /* < 2^-25: rounds to 0 */
    uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t s = 126 - e; /* 14..24 */
    uint32_t k = m >> s;
    uint32_t rem = m & ((1u << s) - 1u), half = 1u << (s - 1);
    if (rem > half || (rem == half && (k & 1u))) k++;
    return (uint16_t)(sign | k);
}
