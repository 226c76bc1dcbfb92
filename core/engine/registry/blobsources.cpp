#include "blobsources.h"

#include <engine/enginelogging.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <mutex>

namespace Berth::Engine {

namespace {
std::mutex g_mutex;
constexpr int kMaxRepositoriesPerBlob = 16;

QJsonObject readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.read(16 * 1024 * 1024)).object();
}
} // namespace

BlobSources::BlobSources(QString stateRoot)
    : m_path(stateRoot + QStringLiteral("/registry/blobsources.json"))
{
}

QStringList BlobSources::repositoriesOf(const Digest &digest) const
{
    std::lock_guard lock(g_mutex);
    QStringList out;
    for (const QJsonValue &v : readFile(m_path).value(digest.toString()).toArray())
        out << v.toString();
    return out;
}

void BlobSources::add(const QList<Digest> &digests, const QString &hostAndRepository)
{
    std::lock_guard lock(g_mutex);
    QJsonObject all = readFile(m_path);
    for (const Digest &d : digests) {
        QJsonArray repos = all.value(d.toString()).toArray();
        if (repos.contains(hostAndRepository))
            continue;
        repos.prepend(hostAndRepository);
        while (repos.size() > kMaxRepositoriesPerBlob)
            repos.removeLast();
        all.insert(d.toString(), repos);
    }
    QDir().mkpath(QFileInfo(m_path).path());
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(all).toJson(QJsonDocument::Compact)) < 0 || !f.commit())
        qCWarning(lcEngine).noquote() << "cannot record blob sources in" << m_path << f.errorString();
}

} // namespace Berth::Engine
