#pragma once

// What every fuzz target uses to report a broken invariant: the message on
// stderr and abort(), which libFuzzer and replay_main.cpp both treat as a
// finding (with the input that caused it).

#include <cstdio>
#include <cstdlib>

namespace Berth::Fuzz {

inline void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

} // namespace Berth::Fuzz
