#pragma once

#include "command.h"

#include <base/result.h>
#include <client/engineclient.h>

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <expected>
#include <optional>

namespace Berth::Cli {

class Context;
class ParsedArgs;

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

// docker's map form of the --filter values of `command` ("volume ls",
// "network prune", ...): {"dangling":{"true":true}}. A value without '='
// is reported as the usage error docker prints; the exit code comes back.
std::expected<QJsonObject, int> filtersOf(Context &context, const QString &command, const QStringList &values);
// A JSON object as one compact line (a query parameter's value).
QString compactJson(const QJsonObject &object);

// The end of an inspect command (container, volume, network): each raw
// object through --format, or all of them as one indented JSON array as the
// engine sent them; then the errors met on the way, one per line. Returns
// the exit code (1 when any name failed or a template did not run).
int printInspected(Context &context, const ParsedArgs &args, const QList<QByteArray> &raws, const QStringList &errors);

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
