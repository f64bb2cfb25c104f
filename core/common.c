/* common.c — error message helpers and gw_strerror. */
#include <stdarg.h>
#include <stdio.h>

#include "common.h"

int gw_set_err(gw_err *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

const char *gw_strerror(int code) {
    switch (code) {
    case GW_OK: return "ok";
    case GW_E_INVALID: return "invalid argument";
    case GW_E_FORMAT: return "format error";
    case GW_E_UNSUPPORTED: return "unsupported";
    case GW_E_NOMEM: return "out of memory";
    case GW_E_IO: return "i/o error";
    case GW_E_NEED_MORE: return "need more input";
    case GW_E_RANGE: return "out of range";
    case GW_E_NOT_FOUND: return "not found";
    default: return "unknown error";
    }
}
