#pragma once

#include <QLocale>
#include <QString>

#include <memory>
#include <vector>

class QTranslator;

namespace Berth::Gui {

// The translators for one locale: Berth's own catalogue (embedded under
// :/i18n by qt_add_translations) and Qt's, installed on the application
// while this object lives.
class Translations
{
public:
    Translations();
    ~Translations();
    Translations(const Translations &) = delete;
    Translations &operator=(const Translations &) = delete;

    // Loads berth_<lang>.qm for locale from directory and installs it; also
    // Qt's own qtbase catalogue when one exists. A locale Berth has no
    // catalogue for gets the English one, which holds only the plural forms
    // ("1 image", "2 images"); false when not even that exists.
    bool load(const QLocale &locale, const QString &directory = QStringLiteral(":/i18n"));
    void unload();

private:
    std::vector<std::unique_ptr<QTranslator>> m_translators;
};

} // namespace Berth::Gui
