#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QString>
#include <QStringList>

namespace Berth::Daemon {

// The helper's root directory (default /var/lib/berth): created 0711 with
// its layout (blobs/sha256, layers, images, containers, volumes,
// build-cache, tmp), locked for this process (ROOT/berthd.lock, flock,
// holding the pid: one helper per root), and the persistent engine ID
// (ROOT/engine-id).
class StateDirectory
{
public:
    StateDirectory() = default;
    StateDirectory(StateDirectory &&) noexcept = default;
    StateDirectory &operator=(StateDirectory &&) noexcept = default;

    // Creates and locks the root. Conflict when another helper holds it.
    static Result<StateDirectory> open(const QString &root);

    static QStringList layout();

    const QString &root() const { return m_root; }
    QString path(const QString &relative) const { return m_root + QLatin1Char('/') + relative; }
    const QString &engineId() const { return m_engineId; }
    bool isLocked() const { return m_lock.isValid(); }
    // Releases the lock (shutdown); the destructor does the same.
    void unlock() { m_lock.reset(); }

private:
    Status lock();
    Status loadEngineId();

    QString m_root;
    QString m_engineId;
    UniqueFd m_lock;
};

} // namespace Berth::Daemon
