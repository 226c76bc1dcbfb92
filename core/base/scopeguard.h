#pragma once

#include <utility>

namespace Berth {

// Runs a callable when the scope ends unless dismissed.
template<typename F>
class ScopeGuard
{
public:
    explicit ScopeGuard(F fn) : m_fn(std::move(fn)) {}
    ~ScopeGuard()
    {
        if (m_active)
            m_fn();
    }
    ScopeGuard(const ScopeGuard &) = delete;
    ScopeGuard &operator=(const ScopeGuard &) = delete;

    void dismiss() { m_active = false; }

private:
    F m_fn;
    bool m_active = true;
};

} // namespace Berth
