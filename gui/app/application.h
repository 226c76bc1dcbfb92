#pragma once

#include "startoptions.h"

#include <QObject>

#include <memory>

namespace Berth::Gui {

class EngineConnection;
class MainWindow;
class SyntaxHighlighting;

// berth-desktop's application object: owns the app-wide services (the
// engine connection, the syntax-highlighting repository) and the window.
class Application : public QObject
{
    Q_OBJECT
public:
    explicit Application(const StartOptions &options, QObject *parent = nullptr);
    ~Application() override;

    // Shows the window first, then starts connecting (nothing blocks).
    void start();

    EngineConnection *connection() const { return m_connection; }
    MainWindow *mainWindow() const { return m_window.get(); }
    const SyntaxHighlighting *syntaxHighlighting() const { return m_highlighting.get(); }

private:
    StartOptions m_options;
    EngineConnection *m_connection = nullptr;
    std::unique_ptr<SyntaxHighlighting> m_highlighting;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace Berth::Gui
