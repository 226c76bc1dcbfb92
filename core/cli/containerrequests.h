#pragma once

#include "command.h"

#include <base/result.h>
#include <client/engineclient.h>

#include <QJsonObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace Berth::Cli {

class Context;

// Blocking helpers over Context's EngineClient for the container commands
// (a CLI runs one command and may wait in a local event loop).
namespace ContainerRequests {

Result<Client::Response> send(Context &context, const Client::Request &request);
// POST path with an empty body (start, stop, kill, ...).
Result<Client::Response> post(Context &context, const QString &path, const QUrlQuery &query = {});
// GET /containers/{ref}/json.
Result<QJsonObject> inspect(Context &context, const QString &ref);
// A reply body as a JSON object / array.
Result<QJsonObject> objectOf(const Client::Response &response, const QString &what);

// The registered command at `path` as the user invoked it: with its
// top-level alias ("run") when that was typed instead of "container run",
// so usage errors name it as docker does.
Command invokedCommand(Context &context, const QString &path);

// True for errors that mean the engine was not reached or broke the
// protocol: a command stops there instead of going on with the next name.
bool isFatal(const Error &error);

// docker run/start/create's mapping of a start error to an exit code:
// 127 when the executable is missing, 126 when it cannot run, else 125.
int startErrorExitCode(const Error &error);

// Turns a signal name or number as users give it ("HUP", "SIGHUP", "1")
// into what the API takes; empty when it is neither.
QString normalizeSignal(const QString &text);

} // namespace ContainerRequests

// POST /containers/{id}/wait as docker uses it: the reply head comes at
// once (then the caller may start the container), the body at exit.
class ContainerWait : public QObject
{
    Q_OBJECT
public:
    // condition: "", "next-exit" or "removed".
    ContainerWait(Client::EngineClient *client, const QString &id, const QString &condition, QObject *parent = nullptr);
    ~ContainerWait() override;

    // Waits for the reply head; an error when the engine refused.
    Status awaitHead();
    // Waits for the body: the StatusCode, or the error the engine gave.
    Result<int> awaitExit();
    bool isFinished() const { return m_finished; }
    void cancel();

signals:
    void exited();

private:
    QPointer<Client::ResponseStream> m_stream;
    QByteArray m_body;
    bool m_head = false;
    bool m_finished = false;
    Status m_result;
};

} // namespace Berth::Cli
