#pragma once

#include "helperlauncher.h"

#include <base/result.h>
#include <client/endpoint.h>
#include <client/clientmetatypes.h> // Q_DECLARE_METATYPE(Event, Status) before any moc uses them
#include <common/event.h>
#include <common/systeminfo.h>
#include <common/versioninfo.h>

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <optional>

namespace Berth::Client {
class EngineClient;
class EventStream;
} // namespace Berth::Client

namespace Berth::Gui {

// The GUI's one link to the engine. On start it pings and reads /version;
// while connected it holds GET /events open and re-reads /info only when
// events arrive (gui-anchors.md pain point 13: no polling, no timer runs
// while connected and idle). When the stream ends or a request finds the
// helper unavailable it goes to Reconnecting and retries with a short
// backoff (250 ms doubling to 2 s) until the helper answers, then refreshes
// everything. When nothing answers at start-up it can start a helper.
class EngineConnection : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Connecting,     // first attempt after connectTo()
        StartingHelper, // Berth started a helper and waits for it to answer
        Connected,
        NotRunning,     // nothing answers and nothing was ever connected
        Reconnecting,   // was connected, lost the helper, retrying
    };
    Q_ENUM(State)

    explicit EngineConnection(QObject *parent = nullptr);
    ~EngineConnection() override;

    // Start a helper when none answers at start-up (default on).
    void setHelperStartEnabled(bool enabled) { m_helperStartEnabled = enabled; }
    bool isHelperStartEnabled() const { return m_helperStartEnabled; }
    // The --root of a helper this object starts; empty: /var/lib/berth.
    void setHelperRoot(const QString &root) { m_helperRoot = root; }
    QString helperRoot() const { return m_helperRoot; }
    HelperLauncher &helperLauncher() { return m_launcher; }

    // (Re)connects to an endpoint, dropping any previous connection.
    void connectTo(const Client::Endpoint &endpoint);
    Client::Endpoint endpoint() const { return m_endpoint; }

    // The client of the current connection attempt, for the pages' own
    // requests; nullptr while none exists. It is replaced on every
    // (re)connection: hold it only for one request (its futures fail with
    // Unavailable when it goes).
    Client::EngineClient *client() const { return m_client.get(); }
    // A second client of the same connection without a reply timeout, for
    // requests that may rightly take long before their first reply byte
    // (stopping a container with a grace period, uploading an archive).
    // Replaced together with client(); nullptr while that is.
    Client::EngineClient *patientClient();

    State state() const { return m_state; }
    bool isConnected() const { return m_state == State::Connected; }
    // The last /version and /info read (kept while reconnecting).
    std::optional<Common::VersionInfo> version() const { return m_version; }
    std::optional<Common::SystemInfo> info() const { return m_info; }
    // Technical text of the last failure, empty when there was none.
    QString lastError() const { return m_lastError; }

    // Starts a helper at the current endpoint (also the Settings action).
    void startHelper();
    // The last helper this object started.
    std::optional<HelperLaunch> lastHelperLaunch() const { return m_lastLaunch; }

    // "Berth 0.1.0 · API 1.41": berthd reports "0.1.0-berth" so docker
    // clients can tell it apart; the GUI names the product itself.
    static QString versionText(const Common::VersionInfo &version);

    // Milliseconds until the next retry while disconnected, 0 when idle.
    int pendingRetryInterval() const;

signals:
    void endpointChanged(const Berth::Client::Endpoint &endpoint);
    void stateChanged(Berth::Gui::EngineConnection::State state);
    void versionChanged(const Berth::Common::VersionInfo &version);
    void infoChanged(const Berth::Common::SystemInfo &info);
    void eventReceived(const Berth::Common::Event &event);
    // A helper was started (launch tells how).
    void helperStarted(const Berth::Gui::HelperLaunch &launch);
    void helperStartFailed(const Berth::Error &error);

private:
    void setState(State state);
    void dropClient();
    void attempt();
    void requestVersion(int generation);
    void openEvents(int generation);
    void refreshInfo();
    void attemptFailed(const Error &error);
    void connectionLost(const QString &reason);
    void scheduleRetry();
    bool launchHelper();

    Client::Endpoint m_endpoint;
    std::unique_ptr<Client::EngineClient> m_client;
    std::unique_ptr<Client::EngineClient> m_patientClient;
    QPointer<Client::EventStream> m_events;
    State m_state = State::NotRunning;
    int m_generation = 0;
    QTimer m_retryTimer;
    int m_retryDelay = 0;
    bool m_everConnected = false;
    bool m_helperStartEnabled = true;
    bool m_helperStartTried = false;
    QString m_helperRoot;
    HelperLauncher m_launcher;
    std::optional<HelperLaunch> m_lastLaunch;
    QElapsedTimer m_helperStartClock;
    std::optional<Common::VersionInfo> m_version;
    std::optional<Common::SystemInfo> m_info;
    bool m_infoInFlight = false;
    bool m_infoDirty = false;
    QString m_lastError;
};

} // namespace Berth::Gui
