#include "ipam.h"

#include <engine/atomicfile.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <base/uniquefd.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace Berth::Daemon {

namespace {

// Replaces the allocations file by a rename, without fsync: a berthd killed
// at any point (kill -9, a crash) finds the old or the new file in the page
// cache, which survives the process. Only a machine crash could lose the
// last change, and a machine crash also ends every container: the
// allocations that matter are those of running containers, and adoption
// keeps exactly those (retainOnly). The fsyncs were two journal commits on
// the engine thread for every bridge run (allocate at start, release at exit).
Status replaceFile(const QString &path, const QByteArray &data)
{
    const QByteArray target = QFile::encodeName(path);
    const QByteArray tmp = QFile::encodeName(path + QStringLiteral(".tmp"));
    UniqueFd fd(::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return fail(Error::fromErrno("create " + tmp.toStdString(), errno));
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd.get(), data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::unlink(tmp.constData());
            return fail(Error::fromErrno("write " + tmp.toStdString(), err));
        }
        done += n;
    }
    fd.reset();
    if (::rename(tmp.constData(), target.constData()) != 0) {
        const int err = errno;
        ::unlink(tmp.constData());
        return fail(Error::fromErrno("rename " + tmp.toStdString() + " to " + target.toStdString(), err));
    }
    return {};
}

} // namespace

std::optional<quint32> Ipam::parseAddress(const QString &text)
{
    const QStringList parts = text.split(u'.');
    if (parts.size() != 4)
        return std::nullopt;
    quint32 value = 0;
    for (const QString &p : parts) {
        bool ok = false;
        const uint octet = p.toUInt(&ok);
        if (!ok || octet > 255 || p.isEmpty())
            return std::nullopt;
        value = (value << 8) | octet;
    }
    return value;
}

QString Ipam::addressString(quint32 a)
{
    return QStringLiteral("%1.%2.%3.%4").arg(a >> 24).arg((a >> 16) & 0xff).arg((a >> 8) & 0xff).arg(a & 0xff);
}

QString Ipam::macFor(const QString &address)
{
    const auto a = parseAddress(address);
    if (!a)
        return {};
    return QStringLiteral("02:42:%1:%2:%3:%4")
        .arg(*a >> 24, 2, 16, QLatin1Char('0'))
        .arg((*a >> 16) & 0xff, 2, 16, QLatin1Char('0'))
        .arg((*a >> 8) & 0xff, 2, 16, QLatin1Char('0'))
        .arg(*a & 0xff, 2, 16, QLatin1Char('0'));
}

Result<Ipam> Ipam::open(const QString &subnet, const QString &statePath)
{
    const qsizetype slash = subnet.indexOf(u'/');
    bool ok = false;
    const int prefix = slash > 0 ? subnet.mid(slash + 1).toInt(&ok) : 0;
    const auto address = parseAddress(subnet.left(slash));
    if (slash < 0 || !ok || prefix < 8 || prefix > 30 || !address)
        return fail(ErrorCode::InvalidArgument, "invalid bridge subnet \"" + subnet.toStdString()
                                                    + "\" (expected an IPv4 CIDR with a prefix of 8 to 30 bits)");
    Ipam ipam;
    ipam.m_prefix = prefix;
    const quint32 mask = prefix == 0 ? 0 : ~quint32(0) << (32 - prefix);
    ipam.m_network = *address & mask;
    ipam.m_statePath = statePath;
    QFile f(statePath);
    if (f.exists()) {
        auto data = Engine::AtomicFile::read(statePath, 4 * 1024 * 1024);
        if (!data)
            return fail(data.error());
        const QJsonObject o = QJsonDocument::fromJson(*data).object();
        // A file for another subnet (the flag changed) is ignored.
        if (o.value(QStringLiteral("subnet")).toString() == ipam.subnet()) {
            const QJsonObject owners = o.value(QStringLiteral("allocations")).toObject();
            for (auto it = owners.begin(); it != owners.end(); ++it)
                ipam.m_byOwner.insert(it.key(), it.value().toString());
        }
    }
    return ipam;
}

Result<QString> Ipam::allocate(const QString &owner)
{
    if (m_byOwner.contains(owner))
        return m_byOwner.value(owner);
    QSet<QString> used;
    for (const QString &a : std::as_const(m_byOwner))
        used.insert(a);
    const quint32 hosts = (quint32(1) << (32 - m_prefix));
    // .0 is the network, .1 the gateway, the last the broadcast address.
    for (quint32 i = 2; i + 1 < hosts; ++i) {
        const QString candidate = addressString(m_network + i);
        if (used.contains(candidate))
            continue;
        m_byOwner.insert(owner, candidate);
        if (auto ok = save(); !ok) {
            m_byOwner.remove(owner);
            return fail(ok.error());
        }
        return candidate;
    }
    return fail(ErrorCode::Unavailable, "no available IPv4 address on network " + subnet().toStdString());
}

Status Ipam::release(const QString &owner)
{
    if (!m_byOwner.contains(owner))
        return {};
    const QString old = m_byOwner.take(owner);
    if (auto ok = save(); !ok) {
        m_byOwner.insert(owner, old);
        return ok;
    }
    return {};
}

Status Ipam::retainOnly(const QSet<QString> &keep)
{
    bool changed = false;
    for (auto it = m_byOwner.begin(); it != m_byOwner.end();) {
        if (!keep.contains(it.key())) {
            it = m_byOwner.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    return changed ? save() : Status();
}

Status Ipam::save() const
{
    QJsonObject owners;
    for (auto it = m_byOwner.cbegin(); it != m_byOwner.cend(); ++it)
        owners.insert(it.key(), it.value());
    const QJsonObject o{{QStringLiteral("subnet"), subnet()}, {QStringLiteral("allocations"), owners}};
    return replaceFile(m_statePath, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace Berth::Daemon
