#include "daemon.h"
#include "daemonconfig.h"
#include "signalhandler.h"

#include <common/errors.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QLoggingCategory>

#include <cstdio>

using namespace Berth;

// berthd: builds the helper from its command line and runs the event loop.
int main(int argc, char *argv[])
{
    Daemon::SignalHandler::blockSignals();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("berthd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));

    Daemon::DaemonConfig config;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Berth engine helper: serves the Docker Engine API on a Unix socket."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption rootOption(QStringLiteral("root"), QStringLiteral("State directory."),
                                        QStringLiteral("DIR"), config.root);
    const QCommandLineOption socketOption(QStringLiteral("socket"), QStringLiteral("API socket path."),
                                          QStringLiteral("PATH"), config.socketPath);
    const QCommandLineOption groupOption(QStringLiteral("group"),
                                         QStringLiteral("Group whose members may use the socket."),
                                         QStringLiteral("NAME"), config.group);
    const QCommandLineOption debugOption(QStringLiteral("debug"), QStringLiteral("Enable debug logging."));
    const QCommandLineOption bridgeOption(QStringLiteral("bridge"), QStringLiteral("Bridge the containers attach to."),
                                          QStringLiteral("NAME"), config.bridge);
    const QCommandLineOption subnetOption(QStringLiteral("bridge-subnet"), QStringLiteral("IPv4 subnet of the bridge (CIDR)."),
                                          QStringLiteral("CIDR"), config.bridgeSubnet);
    const QCommandLineOption cgroupParentOption(QStringLiteral("cgroup-parent"),
                                                QStringLiteral("Cgroup below which containers' cgroups are made."),
                                                QStringLiteral("PATH"), config.cgroupParent);
    const QCommandLineOption runtimeOption(QStringLiteral("runtime"), QStringLiteral("The berth-shim executable."),
                                           QStringLiteral("PATH"));
    parser.addOptions({bridgeOption, subnetOption, cgroupParentOption, runtimeOption});
    const QCommandLineOption insecureRegistryOption(QStringLiteral("insecure-registry"),
                                                    QStringLiteral("Registry (HOST[:PORT] or CIDR) reached over plain HTTP or unverified TLS."),
                                                    QStringLiteral("HOST"));
    const QCommandLineOption certsDirOption(QStringLiteral("registry-certs-dir"),
                                            QStringLiteral("Directory of per-registry CA files (HOST:PORT/ca.crt); repeatable."),
                                            QStringLiteral("DIR"));
    parser.addOptions({rootOption, socketOption, groupOption, debugOption, insecureRegistryOption, certsDirOption});
    parser.process(app);

    config.root = parser.value(rootOption);
    config.socketPath = parser.value(socketOption);
    config.group = parser.value(groupOption);
    config.debug = parser.isSet(debugOption);
    config.bridge = parser.value(bridgeOption);
    config.bridgeSubnet = parser.value(subnetOption);
    config.cgroupParent = parser.value(cgroupParentOption);
    config.insecureRegistries = parser.values(insecureRegistryOption);
    if (parser.isSet(certsDirOption))
        config.registryCertsDirs = parser.values(certsDirOption);
    config.runtimePath = QCoreApplication::applicationDirPath() + QStringLiteral("/berth-shim");
    if (!QFileInfo::exists(config.runtimePath)) {
        const QString installed = QCoreApplication::applicationDirPath()
            + QStringLiteral("/../libexec/berth/berth-shim");
        if (QFileInfo::exists(installed))
            config.runtimePath = QFileInfo(installed).canonicalFilePath();
    }
    if (parser.isSet(runtimeOption))
        config.runtimePath = parser.value(runtimeOption);
    if (config.debug)
        QLoggingCategory::setFilterRules(QStringLiteral("berth.*.debug=true"));

    Daemon::Daemon daemon(config);
    if (const Status ok = daemon.start(); !ok) {
        std::fprintf(stderr, "berthd: %s\n", ok.error().toString().c_str());
        return 1;
    }
    QObject::connect(&daemon, &Daemon::Daemon::stopped, &app, [](int code) { QCoreApplication::exit(code); });
    return app.exec();
}
