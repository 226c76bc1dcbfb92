#pragma once

#include <base/result.h>

#include <QMap>
#include <QSet>
#include <QString>

#include <optional>

namespace Berth::Daemon {

// Addresses on berthd's bridge network: the gateway is the first host
// address of the subnet, containers get the lowest free one after it.
// Allocations are written atomically to a file under the state directory,
// so a restarted berthd never hands out an address a running container
// still holds. Main-thread only.
class Ipam
{
public:
    // subnet: "172.30.0.0/16". statePath: the JSON file of allocations.
    static Result<Ipam> open(const QString &subnet, const QString &statePath);

    QString gateway() const { return addressString(m_network + 1); }
    int prefixLength() const { return m_prefix; }
    QString subnet() const { return addressString(m_network) + u'/' + QString::number(m_prefix); }

    // The address of `owner` (a container id), allocating one when it has
    // none. Fails when the subnet is full.
    Result<QString> allocate(const QString &owner);
    // Frees the owner's address; no error when it has none.
    Status release(const QString &owner);
    // Drops every allocation whose owner is not in `keep` (after adoption).
    Status retainOnly(const QSet<QString> &keep);
    QString addressOf(const QString &owner) const { return m_byOwner.value(owner); }

    // docker's MAC for an address: 02:42 followed by the four octets.
    static QString macFor(const QString &address);

private:
    static QString addressString(quint32 address);
    static std::optional<quint32> parseAddress(const QString &text);
    Status save() const;

    quint32 m_network = 0;
    int m_prefix = 16;
    QString m_statePath;
    QMap<QString, QString> m_byOwner; // owner -> dotted address
};

} // namespace Berth::Daemon
