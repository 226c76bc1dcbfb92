#pragma once

#include <common/httpparser.h>

#include <QByteArray>
#include <QList>
#include <QLocalServer>
#include <QMap>
#include <QObject>
#include <QTemporaryDir>

#include <memory>

class QLocalSocket;

namespace Berth::Tests {

// A scripted engine for client tests (style.md C22): a QLocalServer that
// parses requests with the same HttpParser as berthd and answers each with
// canned bytes, written as given (byte for byte, in the given pieces).
class FakeDaemon : public QObject
{
    Q_OBJECT
public:
    struct Reply
    {
        QList<QByteArray> pieces;   // written one after another
        int delayMs = 0;            // pause before each piece after the first
        bool closeAfter = false;    // close the connection after the last piece
        bool hijackEcho = false;    // after the pieces: echo raw bytes, then "bye\n" at EOF
        bool silent = false;        // never answer (timeouts)
    };

    struct RecordedRequest
    {
        QByteArray method;
        QByteArray target;
        Common::HttpHeaders headers;
        QByteArray body;
        int connection = 0;
    };

    explicit FakeDaemon(QObject *parent = nullptr);
    ~FakeDaemon() override;

    // Listens on a socket in a private temporary directory.
    bool start();
    QString socketPath() const;
    QString url() const;

    // Answers requests whose target without the query equals `path`.
    // Several replies for one route are used in turn; the last one repeats.
    void on(const QByteArray &method, const QByteArray &path, const Reply &reply);
    void on(const QByteArray &method, const QByteArray &path, const QByteArray &bytes);

    // A reply with Content-Length (or chunked when `chunked`).
    static QByteArray httpReply(int status, const QByteArray &body,
                                const QByteArray &contentType = "application/json", bool chunked = false,
                                const QList<QByteArray> &extraHeaders = {});
    // The ping reply every test engine gives (Api-Version: `apiVersion`).
    static QByteArray pingReply(const QByteArray &apiVersion = "1.41");

    // The server-to-client pieces of a captured conversation
    // (tests/data/api-captures/<relative>), in order, byte for byte.
    static QList<QByteArray> capturedReplies(const QString &relativePath);
    // The client-to-server pieces of the same.
    static QList<QByteArray> capturedRequests(const QString &relativePath);

    const QList<RecordedRequest> &requests() const { return m_requests; }
    int connectionCount() const { return m_connections; }
    void closeAllConnections();

signals:
    void requestReceived();

private:
    struct Peer;
    void onNewConnection();
    void onBytes(Peer *peer);
    void answer(Peer *peer, const RecordedRequest &request);
    void writePieces(Peer *peer, const Reply &reply, int index);
    void startEcho(Peer *peer);

    QTemporaryDir m_dir;
    QLocalServer m_server;
    QMap<QByteArray, QList<Reply>> m_routes;
    QList<RecordedRequest> m_requests;
    QList<Peer *> m_peers;
    int m_connections = 0;
};

} // namespace Berth::Tests
