#pragma once

#include <engine/digest.h>

#include <QString>
#include <QStringList>

namespace Berth::Engine {

// Which repositories a blob is known to be in ("host/path"), so a push can
// ask the registry for a cross-repository mount instead of uploading it
// again (docker's v2 metadata service). Kept in ROOT/registry/blobsources.json,
// written atomically; safe to call from several pull and push threads.
class BlobSources
{
public:
    explicit BlobSources(QString stateRoot);

    QStringList repositoriesOf(const Digest &digest) const;
    void add(const QList<Digest> &digests, const QString &hostAndRepository);

private:
    QString m_path;
};

} // namespace Berth::Engine
