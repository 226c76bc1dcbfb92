#pragma once

#include <QCoreApplication>

namespace Berth::Gui {

// Translations for code outside QObjects (style.md C15).
struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Berth::Gui)
};

} // namespace Berth::Gui
