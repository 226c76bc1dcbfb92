#pragma once

#include <base/result.h>
#include <client/endpoint.h>

#include <QString>
#include <QStringList>

namespace Berth::Gui {

// How a helper was started.
struct HelperLaunch
{
    qint64 pid = 0;        // berthd itself as root, pkexec otherwise
    QString program;       // what was executed
    QStringList arguments;
    bool throughPkexec = false;
};

// Starts berthd for an endpoint when none answers there (design.md): directly
// when this process is root, otherwise through pkexec and the polkit action
// org.berth.helper.start (style.md D7: the GUI itself never runs as root).
// The helper is started detached so it outlives the window.
class HelperLauncher
{
public:
    HelperLauncher();

    // Where berthd is looked up, in order. Default: the application's own
    // directory, /usr/sbin, /usr/local/sbin.
    void setSearchDirectories(const QStringList &directories);
    QStringList searchDirectories() const { return m_searchDirectories; }

    // The berthd to run, or an empty string when there is none.
    QString findHelper() const;

    static QString defaultRoot();

    // root: the helper's state directory; empty means defaultRoot().
    Result<HelperLaunch> start(const Client::Endpoint &endpoint, const QString &root) const;

private:
    QStringList m_searchDirectories;
};

} // namespace Berth::Gui
