#pragma once

#include "clientmetatypes.h"
#include "jsonsplitter.h"

#include <base/result.h>

#include <QFuture>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <optional>

namespace Berth::Client {

class CredentialStore;
class EngineClient;
class ResponseStream;

// One layer of a pull or push as the engine's JSON progress reports it
// ({"id":"a1b2c3","status":"Downloading","progressDetail":{"current":..,
// "total":..}}). current/total are -1 when the last message had no figures.
struct LayerProgress
{
    QString id;
    QString status;        // "Downloading", "Extracting", "Pull complete", "Pushed", ...
    qint64 current = -1;
    qint64 total = -1;
    bool done = false;     // the layer reached a final state
};

// A pull (POST /images/create?fromImage=) or a push (POST /images/{name}/push)
// followed live: the per-layer progress, the engine's status lines
// ("Pulling from library/busybox", "Digest: sha256:...") and the outcome.
// Credentials for the reference's registry go in X-Registry-Auth (from the
// CredentialStore the CLI uses). cancel() closes the request: berthd sees
// the client go. An error before any progress keeps the engine's code
// (ErrorCode::Unauthorized for a 401, which asks for a login); an error in
// the stream ({"errorDetail":...}) finishes with the engine's message, and
// isAuthenticationError() tells whether a login could help.
class RegistryTransfer : public QObject
{
    Q_OBJECT
public:
    enum class Kind { Pull, Push };
    Q_ENUM(Kind)

    ~RegistryTransfer() override;

    // `reference` as a user types it ("busybox", "localhost:5000/x:1");
    // a name alone means ":latest". `platform` is "os[/arch[/variant]]" or empty.
    static RegistryTransfer *pull(EngineClient *client, const QString &reference, const QString &platform,
                                  const CredentialStore &credentials, QObject *parent = nullptr);
    static RegistryTransfer *push(EngineClient *client, const QString &reference,
                                  const CredentialStore &credentials, QObject *parent = nullptr);

    Kind kind() const { return m_kind; }
    // The normalized reference ("docker.io/library/busybox:latest").
    QString reference() const { return m_reference; }
    // The registry host of the reference ("docker.io", "127.0.0.1:5000").
    QString registry() const { return m_registry; }
    // Layers in the order the engine first named them.
    const QList<LayerProgress> &layers() const { return m_layers; }
    // Messages without a layer id, in order.
    const QStringList &statusLines() const { return m_statusLines; }
    bool isFinished() const { return m_finished; }

    // Closes the connection and finishes with an Io error carrying ECANCELED.
    void cancel();

    // True for an error a login could fix (401, "unauthorized",
    // "authentication required", "denied").
    static bool isAuthenticationError(const Error &error);

signals:
    void layerAdded(int index);
    void layerChanged(int index);
    void statusLine(const QString &text);
    void finished(const Berth::Status &result);

private:
    RegistryTransfer(Kind kind, QObject *parent);
    void start(EngineClient *client, const QString &text, const QString &platform, const CredentialStore &credentials);
    void onData(const QByteArray &bytes);
    void handleMessage(const QByteArray &json);
    void finish(const Status &result);
    void finishLater(const Error &error);

    Kind m_kind;
    QString m_reference;
    QString m_registry;
    QPointer<ResponseStream> m_stream;
    JsonSplitter m_splitter;
    QList<LayerProgress> m_layers;
    QStringList m_statusLines;
    std::optional<Error> m_engineError;
    bool m_finished = false;
};

// POST /auth: checks credentials against a registry. The reply's Status
// ("Login Succeeded") on success; ErrorCode::Unauthorized for wrong ones.
// Storing them is the caller's choice (CredentialStore::store, as
// `berth login` does).
class RegistryApi
{
public:
    explicit RegistryApi(EngineClient *client);

    QFuture<Result<QString>> login(const QString &server, const QString &username, const QString &password) const;

private:
    QPointer<EngineClient> m_client;
};

} // namespace Berth::Client
