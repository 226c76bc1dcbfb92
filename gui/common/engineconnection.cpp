#include "engineconnection.h"

#include "async.h"
#include "guilogging.h"

#include <client/engineclient.h>
#include <common/errors.h>

#include <QJsonObject>

#include <algorithm>

namespace Berth::Gui {

namespace {
constexpr int FirstRetryMs = 250;
constexpr int MaxRetryMs = 2000;
// A request with no reply byte for this long counts as a helper that does
// not answer; streams are exempt once their head arrived.
constexpr int RequestTimeoutMs = 10000;
// How long a helper Berth started (perhaps behind a pkexec password prompt)
// may take before the state falls back to NotRunning.
constexpr qint64 HelperStartPatienceMs = 60000;
} // namespace

EngineConnection::EngineConnection(QObject *parent)
    : QObject(parent)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &EngineConnection::attempt);
}

EngineConnection::~EngineConnection()
{
    dropClient();
}

void EngineConnection::connectTo(const Client::Endpoint &endpoint)
{
    dropClient();
    m_endpoint = endpoint;
    m_everConnected = false;
    m_helperStartTried = false;
    m_version.reset();
    m_info.reset();
    m_lastError.clear();
    m_retryDelay = FirstRetryMs;
    emit endpointChanged(endpoint);
    setState(State::Connecting);
    attempt();
}

QString EngineConnection::versionText(const Common::VersionInfo &version)
{
    QString number = version.version;
    if (number.endsWith(QLatin1String("-berth")))
        number.chop(6);
    return tr("Berth %1 · API %2").arg(number, version.apiVersion);
}

int EngineConnection::pendingRetryInterval() const
{
    return m_retryTimer.isActive() ? m_retryTimer.interval() : 0;
}

void EngineConnection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void EngineConnection::dropClient()
{
    ++m_generation; // every callback of the old client is now stale
    m_retryTimer.stop();
    if (m_events)
        m_events->cancel();
    m_events = nullptr;
    m_patientClient.reset();
    m_client.reset();
    m_infoInFlight = false;
    m_infoDirty = false;
}

Client::EngineClient *EngineConnection::patientClient()
{
    if (!m_client)
        return nullptr;
    if (!m_patientClient) {
        m_patientClient = std::make_unique<Client::EngineClient>(m_endpoint);
        m_patientClient->setTimeout(0);
    }
    return m_patientClient.get();
}

void EngineConnection::attempt()
{
    // A fresh client per attempt: nothing cached from a helper that went away
    // (its negotiated API version, a half-closed connection) survives.
    dropClient();
    m_client = std::make_unique<Client::EngineClient>(m_endpoint);
    m_client->setTimeout(RequestTimeoutMs);
    const int generation = m_generation;
    onResultReady(m_client->ping(), this, [this, generation](const Result<Client::PingInfo> &result) {
        if (generation != m_generation)
            return;
        if (!result) {
            attemptFailed(result.error());
            return;
        }
        requestVersion(generation);
    });
}

void EngineConnection::requestVersion(int generation)
{
    onResultReady(m_client->version(), this, [this, generation](const Result<Common::VersionInfo> &result) {
        if (generation != m_generation)
            return;
        if (!result) {
            attemptFailed(result.error());
            return;
        }
        m_version = *result;
        m_everConnected = true;
        m_retryDelay = FirstRetryMs;
        m_lastError.clear();
        openEvents(generation);
        setState(State::Connected);
        emit versionChanged(*m_version);
        refreshInfo();
    });
}

void EngineConnection::openEvents(int generation)
{
    // The stream is a child of the client: it goes when the client goes.
    m_events = m_client->events(QJsonObject(), m_client.get());
    connect(m_events, &Client::EventStream::connected, this, [this, generation] {
        if (generation == m_generation)
            refreshInfo(); // catches what changed between /info and the stream
    });
    connect(m_events, &Client::EventStream::event, this, [this, generation](const Common::Event &event) {
        if (generation != m_generation)
            return;
        emit eventReceived(event);
        refreshInfo();
    });
    connect(m_events, &Client::EventStream::finished, this, [this, generation](const Status &result) {
        if (generation != m_generation)
            return;
        connectionLost(result ? QStringLiteral("the helper closed the event stream")
                              : Common::toQString(result.error()));
    });
}

void EngineConnection::refreshInfo()
{
    if (!m_client || m_state != State::Connected)
        return;
    // At most one /info in flight; events arriving meanwhile ask for one more.
    if (m_infoInFlight) {
        m_infoDirty = true;
        return;
    }
    m_infoInFlight = true;
    const int generation = m_generation;
    onResultReady(m_client->info(), this, [this, generation](const Result<Common::SystemInfo> &result) {
        if (generation != m_generation)
            return;
        m_infoInFlight = false;
        if (!result) {
            if (result.error().code() == ErrorCode::Unavailable || result.error().code() == ErrorCode::Timeout) {
                connectionLost(Common::toQString(result.error()));
            } else {
                m_lastError = Common::toQString(result.error());
                qCWarning(lcGui) << "GET /info failed:" << m_lastError;
            }
            return;
        }
        m_info = *result;
        emit infoChanged(*m_info);
        if (m_infoDirty) {
            m_infoDirty = false;
            refreshInfo();
        }
    });
}

void EngineConnection::attemptFailed(const Error &error)
{
    m_lastError = Common::toQString(error);
    qCDebug(lcGui) << "engine attempt failed:" << m_lastError;

    const bool notAnswering = error.code() == ErrorCode::Unavailable;
    if (m_state == State::Connecting && notAnswering && m_helperStartEnabled && !m_helperStartTried) {
        if (launchHelper())
            return; // launchHelper() scheduled the next attempt
    }

    if (m_state == State::StartingHelper) {
        if (m_helperStartClock.elapsed() > HelperStartPatienceMs) {
            setState(m_everConnected ? State::Reconnecting : State::NotRunning);
            emit helperStartFailed(Error(ErrorCode::Timeout, "start helper: it did not answer within a minute"));
        }
    } else if (m_everConnected) {
        setState(State::Reconnecting);
    } else {
        setState(State::NotRunning);
    }
    scheduleRetry();
}

void EngineConnection::connectionLost(const QString &reason)
{
    qCDebug(lcGui) << "engine connection lost:" << reason;
    m_lastError = reason;
    dropClient();
    m_retryDelay = FirstRetryMs;
    setState(State::Reconnecting);
    scheduleRetry();
}

void EngineConnection::scheduleRetry()
{
    m_retryTimer.start(m_retryDelay);
    m_retryDelay = std::min(m_retryDelay * 2, MaxRetryMs);
}

void EngineConnection::startHelper()
{
    if (m_state == State::Connected)
        return;
    launchHelper();
}

bool EngineConnection::launchHelper()
{
    m_helperStartTried = true;
    Result<HelperLaunch> launch = m_launcher.start(m_endpoint, m_helperRoot);
    if (!launch) {
        m_lastError = Common::toQString(launch.error());
        qCWarning(lcGui) << "cannot start the helper:" << m_lastError;
        emit helperStartFailed(launch.error());
        return false;
    }
    m_lastLaunch = *launch;
    m_helperStartClock.start();
    dropClient();
    m_retryDelay = FirstRetryMs;
    setState(State::StartingHelper);
    emit helperStarted(*launch);
    scheduleRetry();
    return true;
}

} // namespace Berth::Gui
