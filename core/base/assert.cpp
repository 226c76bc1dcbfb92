#include "assert.h"

#include <cstdio>

namespace Berth::Internal {

void reportAssert(const char *condition, const char *file, int line)
{
    std::fprintf(stderr, "berth: assertion \"%s\" failed in %s:%d\n", condition, file, line);
}

} // namespace Berth::Internal
