/* Generated from semantics.py by write_header(): edit that file, not this one. */
#ifndef TRAINLAB_SCANNER_SEMANTICS_H
#define TRAINLAB_SCANNER_SEMANTICS_H
#include <stdint.h>
#include <string.h>

#ifndef SCANNER_ABI
#define SCANNER_ABI 1
#endif
#define SCANNER_RULES 0xF11410FBu
#define SKETCH_K 1024
#define BLOCK_VALUES 2000
#define BLOCK_TOP 100
#define TYPE_SAMPLE 64
#define SAMPLE 1000
#define SAMPLE_DISTINCT 900
#define SAMPLE_MIN_COUNT 8000
#define HASH_P 0x100000001B3ULL
#define HASH_GOLDEN 0x9E3779B97F4A7C15ULL
enum {
    K_NULL = 0,
    K_INT = 1,
    K_FLOAT = 2,
    K_BOOL = 3,
    K_STR = 4,
    K_UNSURE = 5,
    K_LIST = 6,
};
enum {
    M_NONE = 0,
    M_VALUES = 1,
    M_TOP = 2,
    M_SKETCH = 3,
};
enum {
    W_UTF8 = 1,
    W_QUOTE = 2,
    W_CR = 3,
    W_NUL = 4,
    W_LONG = 5,
    W_UNSURE = 6,
    W_MIXED = 7,
    W_JSON = 8,
    W_NESTED = 9,
    W_ESCAPE = 10,
    W_FIELDS = 11,
};

/* A CSV value that is null. */
static inline __attribute__((always_inline)) int is_null(const char *s, int64_t n) {
    if (n > 4) return 0;
    if (n == 0) return 1;
    if (n == 2 && (!memcmp(s, "NA", 2))) return 1;
    if (n == 3 && (!memcmp(s, "N/A", 3) || !memcmp(s, "NaN", 3) || !memcmp(s, "nan", 3))) return 1;
    if (n == 4 && (!memcmp(s, "NULL", 4) || !memcmp(s, "null", 4) || !memcmp(s, "None", 4))) return 1;
    return 0;
}

/* A CSV value that is a boolean: 1, with *value set to it. */
static int is_bool(const char *s, int64_t n, int *value) {
    if (n > 5) return 0;
    if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4))) { *value = 1; return 1; }
    if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5))) { *value = 0; return 1; }
    return 0;
}

/* A CSV value with a leading zero followed by a digit: text, never a number. */
static inline int leading_zero(const char *s, int64_t n) {
    int64_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\f' || s[i] == '\r')) i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    return i + 1 < n && s[i] == '0' && (unsigned char)(s[i + 1] - '0') < 10;
}
#endif
