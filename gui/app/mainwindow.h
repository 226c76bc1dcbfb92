#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace Berth::Gui {

class BuildPage;
class EngineConnection;
class EventModel;
class NotificationBar;
class SyntaxHighlighting;

// The shell: a sidebar with the product's areas (Ctrl+1..4), the pages, a
// non-modal notification bar and a status bar with the engine's address,
// version and connection state.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Page { ContainersPageIndex, ImagesPageIndex, BuildPageIndex, SettingsPageIndex, PageCount };

    MainWindow(EngineConnection *connection, const SyntaxHighlighting *highlighting, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showPage(int page);
    int currentPage() const;
    QWidget *page(int page) const;

    EventModel *eventModel() const { return m_events; }
    NotificationBar *notificationBar() const { return m_notification; }
    QLabel *connectionLabel() const { return m_connectionLabel; }
    QLabel *versionLabel() const { return m_versionLabel; }

private:
    void updateStatus();

    EngineConnection *m_connection = nullptr;
    EventModel *m_events = nullptr;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    NotificationBar *m_notification = nullptr;
    BuildPage *m_buildPage = nullptr;
    QLabel *m_connectionLabel = nullptr;
    QLabel *m_versionLabel = nullptr;
};

} // namespace Berth::Gui
