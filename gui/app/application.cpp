#include "application.h"

#include "mainwindow.h"

#include <common/engineconnection.h>
#include <editor/syntaxhighlighting.h>

#include <QGuiApplication>
#include <QIcon>
#include <QTimer>

namespace Berth::Gui {

Application::Application(const StartOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_connection(new EngineConnection(this))
    , m_highlighting(std::make_unique<SyntaxHighlighting>())
{
    QGuiApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/berth.svg")));
    QGuiApplication::setDesktopFileName(QStringLiteral("org.berth.Berth"));
    m_connection->setHelperStartEnabled(options.startHelper);
    m_connection->setHelperRoot(options.helperRoot);
    m_window = std::make_unique<MainWindow>(m_connection, m_highlighting.get());
}

Application::~Application()
{
    m_window.reset(); // the window's pages watch the connection
}

void Application::start()
{
    m_window->show();
    // Connect once the event loop runs, so the first paint is not delayed.
    QTimer::singleShot(0, m_connection, [this] { m_connection->connectTo(m_options.endpoint); });
}

} // namespace Berth::Gui
