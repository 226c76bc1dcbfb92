#include "clitext.h"

#include <QRegularExpression>

namespace Berth::TestSupport {

QString asBerth(QString text)
{
    text.replace(QLatin1String("docker"), QLatin1String("berth"));
    return text;
}

QString withoutIds(QString text)
{
    static const QRegularExpression hex(QStringLiteral("[0-9a-f]{64}"));
    return text.replace(hex, QStringLiteral("<ID>"));
}

} // namespace Berth::TestSupport
