#include "buildcache.h"

#include "atomicfile.h"
#include "fsutil.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace Berth::Engine {

Result<BuildCache> BuildCache::open(const QString &stateRoot)
{
    BuildCache cache;
    cache.m_dir = stateRoot + QStringLiteral("/build-cache");
    if (auto s = Internal::makeDirs(cache.m_dir, 0700); !s)
        return fail(s.error());
    if (auto s = AtomicFile::removeLeftovers(cache.m_dir); !s)
        return fail(s.error());
    return cache;
}

Digest BuildCache::key(const std::optional<Digest> &parentImage, const QString &instruction, const QString &inputHash)
{
    QByteArray data("berth-build-cache-v1\n");
    data += (parentImage ? parentImage->toString() : QStringLiteral("scratch")).toUtf8() + '\n';
    data += QByteArray::number(instruction.toUtf8().size()) + '\n' + instruction.toUtf8() + '\n';
    data += inputHash.toUtf8();
    return Digest::ofData(data);
}

std::optional<Digest> BuildCache::lookup(const Digest &key, const std::optional<Digest> &parentImage,
                                         const ImageStore &store) const
{
    auto data = AtomicFile::read(m_dir + u'/' + key.hex() + QStringLiteral(".json"), 64 * 1024);
    if (!data)
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(*data).object();
    auto image = Digest::parse(o.value(QStringLiteral("image")).toString());
    if (!image)
        return std::nullopt;
    const QString parent = o.value(QStringLiteral("parent")).toString();
    if (parent != (parentImage ? parentImage->toString() : QString()))
        return std::nullopt;
    auto rec = store.image(*image);
    if (!rec)
        return std::nullopt;
    if (parentImage && rec->parent != parentImage)
        return std::nullopt;
    return *image;
}

Status BuildCache::record(const Digest &key, const std::optional<Digest> &parentImage, const Digest &image)
{
    const QJsonObject o{{QStringLiteral("image"), image.toString()},
                        {QStringLiteral("parent"), parentImage ? parentImage->toString() : QString()}};
    return AtomicFile::write(m_dir + u'/' + key.hex() + QStringLiteral(".json"),
                             QJsonDocument(o).toJson(QJsonDocument::Compact), 0600);
}

Status BuildCache::sweep(const ImageStore &store)
{
    const QStringList names = QDir(m_dir).entryList({QStringLiteral("*.json")}, QDir::Files);
    for (const QString &name : names) {
        const QString path = m_dir + u'/' + name;
        auto data = AtomicFile::read(path, 64 * 1024);
        const QJsonObject o = data ? QJsonDocument::fromJson(*data).object() : QJsonObject();
        auto image = Digest::parse(o.value(QStringLiteral("image")).toString());
        if (!image || !store.image(*image))
            QFile::remove(path);
    }
    return {};
}

} // namespace Berth::Engine
