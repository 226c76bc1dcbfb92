#include "buildcommit.h"

#include "fsutil.h"
#include "layerexporter.h"

#include <base/scopeguard.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace Berth::Engine {

Result<LayerInfo> BuildCommit::commitDirectory(ImageStore &store, const QString &dir,
                                               const std::optional<Digest> &parentChainId)
{
    const QString tmpDir = store.root() + QStringLiteral("/tmp");
    if (auto s = Internal::makeDirs(tmpDir, 0700); !s)
        return fail(s.error());
    // An unnamed file: nothing is left behind whatever happens.
    UniqueFd fd(::open(Internal::encodePath(tmpDir).constData(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!fd)
        return Internal::sysFail(QStringLiteral("create layer spool in ") + tmpDir, errno);
    auto tar = LayerExporter::exportDirectory(dir, fd.get());
    if (!tar)
        return fail(Error(tar.error()).wrap("export build layer " + dir.toStdString()));
    if (::lseek(fd.get(), 0, SEEK_SET) < 0)
        return Internal::sysFail(QStringLiteral("rewind layer spool"), errno);
    auto layer = store.layers().applyTar(fd.get(), parentChainId, tar->diffId);
    if (!layer)
        return fail(Error(layer.error()).wrap("register build layer"));
    return layer;
}

QByteArray BuildCommit::imageConfig(const QJsonObject &parentConfig, const QJsonObject &containerConfig,
                                    const BuildHistoryEntry &history, const std::optional<Digest> &diffId)
{
    QJsonObject config = parentConfig;
    if (!config.contains(QStringLiteral("architecture"))) {
        const QString arch = QSysInfo::currentCpuArchitecture();
        config.insert(QStringLiteral("architecture"),
                      arch == QLatin1String("x86_64") ? QStringLiteral("amd64")
                      : arch == QLatin1String("arm64") ? QStringLiteral("arm64") : arch);
    }
    if (!config.contains(QStringLiteral("os")))
        config.insert(QStringLiteral("os"), QStringLiteral("linux"));
    config.insert(QStringLiteral("config"), containerConfig);
    config.insert(QStringLiteral("created"), history.created);
    config.remove(QStringLiteral("container"));
    config.remove(QStringLiteral("container_config"));

    QJsonObject rootfs = config.value(QStringLiteral("rootfs")).toObject();
    rootfs.insert(QStringLiteral("type"), QStringLiteral("layers"));
    QJsonArray diffIds = rootfs.value(QStringLiteral("diff_ids")).toArray();
    if (diffId)
        diffIds.append(diffId->toString());
    rootfs.insert(QStringLiteral("diff_ids"), diffIds);
    config.insert(QStringLiteral("rootfs"), rootfs);

    QJsonArray hist = config.value(QStringLiteral("history")).toArray();
    QJsonObject entry{{QStringLiteral("created"), history.created}, {QStringLiteral("created_by"), history.createdBy}};
    if (!history.comment.isEmpty())
        entry.insert(QStringLiteral("comment"), history.comment);
    if (history.emptyLayer)
        entry.insert(QStringLiteral("empty_layer"), true);
    hist.append(entry);
    config.insert(QStringLiteral("history"), hist);
    return QJsonDocument(config).toJson(QJsonDocument::Compact);
}

Result<Digest> BuildCommit::createImage(ImageStore &store, const std::optional<Digest> &parentImage,
                                        const QJsonObject &containerConfig, const BuildHistoryEntry &history,
                                        const std::optional<Digest> &diffId)
{
    QJsonObject parentConfig;
    if (parentImage) {
        auto rec = store.image(*parentImage);
        if (!rec)
            return fail(rec.error());
        parentConfig = rec->config;
    }
    return store.createImage(imageConfig(parentConfig, containerConfig, history, diffId), parentImage);
}

} // namespace Berth::Engine
