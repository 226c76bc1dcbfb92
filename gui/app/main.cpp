#include "application.h"
#include "benchprobe.h"
#include "translations.h"

#include <client/endpoint.h>
#include <common/errors.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QLocale>

#include <cstdio>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("berth-desktop"));
    QApplication::setApplicationDisplayName(QStringLiteral("Berth"));
    QApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));
    QApplication::setOrganizationName(QStringLiteral("Berth"));

    Berth::Gui::Translations translations;
    translations.load(QLocale::system());

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Berth: containers and images on your desktop."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption hostOption(
        {QStringLiteral("H"), QStringLiteral("host")},
        QCoreApplication::translate("main", "The engine to use (unix:///path or a socket path). Default: $BERTH_HOST, "
                                            "else unix:///run/berth/berth.sock."),
        QCoreApplication::translate("main", "address"));
    const QCommandLineOption helperRootOption(
        QStringLiteral("helper-root"),
        QCoreApplication::translate("main", "The state directory of a helper Berth starts itself (default "
                                            "/var/lib/berth)."),
        QCoreApplication::translate("main", "dir"));
    const QCommandLineOption noStartOption(
        QStringLiteral("no-start-helper"),
        QCoreApplication::translate("main", "Never start a helper, even when none answers."));
    parser.addOption(hostOption);
    parser.addOption(helperRootOption);
    parser.addOption(noStartOption);
    parser.process(app);

    const Berth::Result<Berth::Client::Endpoint> endpoint = Berth::Client::Endpoint::resolve(parser.value(hostOption));
    if (!endpoint) {
        const QString message = QCoreApplication::translate("main", "berth-desktop: invalid engine address: %1")
                                    .arg(Berth::Common::toQString(endpoint.error()));
        std::fprintf(stderr, "%s\n", qPrintable(message));
        return 2;
    }

    Berth::Gui::StartOptions options;
    options.endpoint = *endpoint;
    options.helperRoot = parser.value(helperRootOption);
    options.startHelper = !parser.isSet(noStartOption);

    Berth::Gui::Application berth(options);
    berth.start();
    Berth::Gui::BenchProbe::installIfRequested(berth.mainWindow());
    return app.exec();
}
