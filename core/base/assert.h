#pragma once

// BERTH_ASSERT(cond, recovery): logs a broken programmer expectation with
// file and line, then runs the recovery action instead of crashing
// (style.md C5; qt-creator's QTC_ASSERT).
namespace Berth::Internal {
void reportAssert(const char *condition, const char *file, int line);
}

#define BERTH_ASSERT(cond, action) \
    if (Q_LIKELY_BERTH(cond)) {    \
    } else {                       \
        ::Berth::Internal::reportAssert(#cond, __FILE__, __LINE__); \
        action;                    \
    }                              \
    do {                           \
    } while (0)

#define Q_LIKELY_BERTH(expr) __builtin_expect(!!(expr), true)
