#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace Berth::Gui {

Translations::Translations() = default;

Translations::~Translations()
{
    unload();
}

bool Translations::load(const QLocale &locale, const QString &directory)
{
    unload();
    auto berth = std::make_unique<QTranslator>();
    if (!berth->load(locale, QStringLiteral("berth"), QStringLiteral("_"), directory)
        && !berth->load(QStringLiteral("berth_en"), directory))
        return false;
    QCoreApplication::installTranslator(berth.get());
    m_translators.push_back(std::move(berth));

    auto qt = std::make_unique<QTranslator>();
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt.get());
        m_translators.push_back(std::move(qt));
    }
    return true;
}

void Translations::unload()
{
    for (const auto &translator : m_translators)
        QCoreApplication::removeTranslator(translator.get());
    m_translators.clear();
}

} // namespace Berth::Gui
