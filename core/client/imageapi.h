#pragma once

#include <base/result.h>
#include <common/imagedeleteresponse.h>
#include <common/imagehistoryitem.h>
#include <common/imagesummary.h>

#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QString>

namespace Berth::Client {

class EngineClient;

// The image calls of the Engine API (engine-api.md 8.5-8.9), typed and
// asynchronous, over one EngineClient. Every call returns at once; replies
// are decoded in the client's thread. Engine errors come back as Error
// values with the engine's message ("conflict: unable to delete ... (must be
// forced) - image is being used by ..."). Long transfers (import, load,
// save) are ImageTransfer objects.
class ImageApi
{
public:
    explicit ImageApi(EngineClient *client);

    // GET /images/json (all: intermediate images too).
    QFuture<Result<QList<Common::ImageSummary>>> list(bool all = false) const;
    // GET /images/{name}/json, the object as the engine sent it.
    QFuture<Result<QJsonObject>> inspect(const QString &name) const;
    // GET /images/{name}/history, newest layer first.
    QFuture<Result<QList<Common::ImageHistoryItem>>> history(const QString &name) const;
    // POST /images/{source}/tag with target "repo[:tag]".
    QFuture<Status> tag(const QString &source, const QString &target) const;
    // DELETE /images/{name}: what was untagged and deleted.
    QFuture<Result<QList<Common::ImageDeleteItem>>> remove(const QString &name, bool force = false,
                                                          bool noPrune = false) const;
    // POST /images/prune: dangling images only, or every unused one (all).
    QFuture<Result<Common::ImagePruneReport>> prune(bool all = false) const;

    // The image IDs ("sha256:...") that containers use, with how many use
    // each: GET /containers/json?all=1.
    QFuture<Result<QHash<QString, int>>> imagesInUse() const;

private:
    QPointer<EngineClient> m_client;
};

} // namespace Berth::Client
