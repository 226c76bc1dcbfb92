#pragma once

#include "clientmetatypes.h"
#include "jsonsplitter.h"

#include <base/result.h>

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <optional>

class QFile;
class QSaveFile;

namespace Berth::Client {

class EngineClient;
class ResponseStream;

// One long image transfer between a file and the engine, cancellable, with
// progress: import a root file system tar (POST /images/create?fromSrc=-),
// load a saved archive (POST /images/load), or save images to an archive
// (GET /images/get). Uploads stream the file as the socket drains; a save
// writes to a QSaveFile committed only when the engine ended the archive,
// so a cancelled or failed save leaves no partial file. The engine's JSON
// messages ("Loaded image: busybox:latest", the imported ID) are collected;
// an error message in them finishes the transfer with that error.
class ImageTransfer : public QObject
{
    Q_OBJECT
public:
    enum class Kind { Import, Load, Save };
    Q_ENUM(Kind)

    ~ImageTransfer() override;

    // `repository` may be empty (an untagged import); `changes` are
    // Dockerfile instructions ("CMD [\"sh\"]").
    static ImageTransfer *importFile(EngineClient *client, const QString &path, const QString &repository,
                                     const QStringList &changes = {}, QObject *parent = nullptr);
    static ImageTransfer *loadFile(EngineClient *client, const QString &path, QObject *parent = nullptr);
    static ImageTransfer *saveToFile(EngineClient *client, const QStringList &names, const QString &path,
                                     QObject *parent = nullptr);

    Kind kind() const { return m_kind; }
    QString path() const { return m_path; }
    // Bytes moved so far and the total (-1 when unknown: a save).
    qint64 bytesDone() const { return m_done; }
    qint64 bytesTotal() const { return m_total; }
    // The engine's messages, one per line ("Loaded image: x:y", "sha256:...").
    QStringList messages() const { return m_messages; }
    bool isFinished() const { return m_finished; }

    // Stops the transfer: closes the connection, discards a partial save,
    // and finishes with an Io error carrying ECANCELED.
    void cancel();

signals:
    void progress(qint64 done, qint64 total);
    void finished(const Berth::Status &result);

private:
    ImageTransfer(Kind kind, const QString &path, QObject *parent);
    void startUpload(EngineClient *client, const QByteArray &method, const QString &apiPath,
                     const QList<std::pair<QString, QString>> &query);
    void startSave(EngineClient *client, const QStringList &names);
    void onData(const QByteArray &bytes);
    void parseMessages();
    void finish(const Status &result);
    void finishLater(const Error &error);
    void reportProgress();

    Kind m_kind;
    QString m_path;
    std::unique_ptr<QFile> m_input;
    std::unique_ptr<QSaveFile> m_output;
    QPointer<ResponseStream> m_stream;
    QTimer m_progressTimer; // runs only while an upload runs
    QByteArray m_pending;   // undecoded JSON messages
    JsonSplitter m_splitter;
    QByteArray m_reply;     // the reply as it came (for a plain-text one)
    bool m_plainText = false;
    QStringList m_messages;
    std::optional<Error> m_engineError;
    qint64 m_done = 0;
    qint64 m_total = -1;
    bool m_finished = false;
};

} // namespace Berth::Client
