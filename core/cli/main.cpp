#include "cliapplication.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("berth"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BERTH_VERSION));
    Berth::Cli::CliApplication cli;
    return cli.run(QCoreApplication::arguments().mid(1));
}
