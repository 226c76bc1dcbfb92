#include "helperlauncher.h"

#include "guilogging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <unistd.h>

namespace Berth::Gui {

HelperLauncher::HelperLauncher()
    : m_searchDirectories{QCoreApplication::applicationDirPath(),
                          QStringLiteral("/usr/sbin"),
                          QStringLiteral("/usr/local/sbin")}
{}

void HelperLauncher::setSearchDirectories(const QStringList &directories)
{
    m_searchDirectories = directories;
}

QString HelperLauncher::findHelper() const
{
    for (const QString &dir : m_searchDirectories) {
        if (dir.isEmpty())
            continue;
        const QFileInfo candidate(QDir(dir).filePath(QStringLiteral("berthd")));
        if (candidate.isFile() && candidate.isExecutable())
            return candidate.absoluteFilePath();
    }
    return {};
}

QString HelperLauncher::defaultRoot()
{
    return QStringLiteral("/var/lib/berth");
}

Result<HelperLaunch> HelperLauncher::start(const Client::Endpoint &endpoint, const QString &root) const
{
    if (!endpoint.isValid())
        return fail(ErrorCode::InvalidArgument, "start helper: no endpoint");

    const QString helper = findHelper();
    if (helper.isEmpty()) {
        return fail(ErrorCode::NotFound,
                    "start helper: berthd not found in " + m_searchDirectories.join(QStringLiteral(", ")).toStdString());
    }

    HelperLaunch launch;
    const QStringList helperArguments{QStringLiteral("--socket"), endpoint.socketPath(),
                                      QStringLiteral("--root"), root.isEmpty() ? defaultRoot() : root};
    if (::geteuid() == 0) {
        launch.program = helper;
        launch.arguments = helperArguments;
    } else {
        const QString pkexec = QStandardPaths::findExecutable(QStringLiteral("pkexec"));
        if (pkexec.isEmpty())
            return fail(ErrorCode::NotFound, "start helper: pkexec not found in PATH");
        launch.program = pkexec;
        launch.arguments = QStringList{helper} + helperArguments;
        launch.throughPkexec = true;
    }

    qCDebug(lcGui) << "starting helper" << launch.program << launch.arguments;
    if (!QProcess::startDetached(launch.program, launch.arguments, QDir::rootPath(), &launch.pid)) {
        return fail(ErrorCode::Io, "start helper: cannot execute " + launch.program.toStdString());
    }
    return launch;
}

} // namespace Berth::Gui
