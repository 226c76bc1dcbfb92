#include "mainwindow.h"

#include "settingspage.h"

#include <common/engineconnection.h>
#include <common/errortext.h>
#include <common/eventmodel.h>
#include <common/notificationbar.h>
#include <common/vectoricon.h>
#include <containers/containerspage.h>
#include <editor/buildpage.h>
#include <images/imagespage.h>

#include <QAction>
#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QVBoxLayout>

namespace Berth::Gui {

MainWindow::MainWindow(EngineConnection *connection, const SyntaxHighlighting *highlighting, QWidget *parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_events(new EventModel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Berth"));
    resize(960, 640);

    auto *central = new QWidget(this);
    m_navigation = new QListWidget(central);
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setAccessibleName(tr("Navigation"));
    m_navigation->setAccessibleDescription(tr("The areas of Berth. Ctrl+1 to Ctrl+4 switch between them."));
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setSpacing(2);
    m_navigation->setIconSize(QSize(20, 20));
    m_navigation->setFixedWidth(180);

    m_pages = new QStackedWidget(central);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_notification = new NotificationBar(central);

    auto *containers = new ContainersPage(connection, m_events, m_pages);
    auto *images = new ImagesPage(connection, m_events, m_pages);
    connect(images, &ImagesPage::notify, m_notification, &NotificationBar::showMessage);
    connect(containers, &ContainersPage::notify, m_notification, &NotificationBar::showMessage);
    connect(images, &ImagesPage::runRequested, containers, [this, containers](const QString &image) {
        showPage(ContainersPageIndex);
        containers->askRun(image);
    });
    m_buildPage = new BuildPage(highlighting, m_pages);
    auto *settings = new SettingsPage(connection, highlighting, m_pages);

    struct Area
    {
        QWidget *page;
        QString name;
        QIcon icon; // drawn at the screen's pixel ratio
    };
    const Area areas[] = {
        {containers, tr("Containers"), VectorIcon::containers()},
        {images, tr("Images"), VectorIcon::images()},
        {m_buildPage, tr("Build"), VectorIcon::build()},
        {settings, tr("Settings"), VectorIcon::settings()},
    };

    auto *goMenu = menuBar()->addMenu(tr("&Go"));
    for (int i = 0; i < PageCount; ++i) {
        const Area &area = areas[i];
        m_pages->addWidget(area.page);
        auto *item = new QListWidgetItem(area.icon, area.name, m_navigation);
        const QKeySequence shortcut(QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_1 + i)));
        //: Navigation entry tooltip: %1 area name, %2 its shortcut
        item->setToolTip(tr("%1 (%2)").arg(area.name, shortcut.toString(QKeySequence::NativeText)));
        item->setData(Qt::AccessibleTextRole, area.name);
        item->setSizeHint(QSize(0, 36));
        auto *action = goMenu->addAction(area.name);
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::ApplicationShortcut);
        connect(action, &QAction::triggered, this, [this, i] { showPage(i); });
    }

    auto *fileMenu = menuBar()->addMenu(tr("&File"));
    auto *openAction = fileMenu->addAction(tr("&Open Dockerfile…"));
    connect(openAction, &QAction::triggered, this, [this] {
        showPage(BuildPageIndex);
        m_buildPage->open();
    });
    fileMenu->addSeparator();
    auto *quitAction = fileMenu->addAction(tr("&Quit"));
    quitAction->setShortcut(QKeySequence::Quit);
    connect(quitAction, &QAction::triggered, this, &QWidget::close);
    menuBar()->insertMenu(goMenu->menuAction(), fileMenu);

    auto *engineMenu = menuBar()->addMenu(tr("&Engine"));
    auto *startHelper = engineMenu->addAction(tr("&Start Helper"));
    connect(startHelper, &QAction::triggered, connection, &EngineConnection::startHelper);
    connect(connection, &EngineConnection::stateChanged, startHelper, [startHelper, connection] {
        startHelper->setEnabled(!connection->isConnected());
    });
    startHelper->setEnabled(!connection->isConnected());

    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *right = new QVBoxLayout;
    right->setContentsMargins(0, 0, 0, 0);
    right->addWidget(m_notification);
    right->addWidget(m_pages, 1);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_navigation);
    layout->addLayout(right, 1);
    setCentralWidget(central);
    setTabOrder(m_navigation, m_pages);

    // Status bar: connection state with the address, then the version.
    m_connectionLabel = new QLabel(this);
    m_connectionLabel->setObjectName(QStringLiteral("engineConnectionLabel"));
    m_connectionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_connectionLabel->setAccessibleDescription(tr("Engine connection"));
    m_versionLabel = new QLabel(this);
    m_versionLabel->setObjectName(QStringLiteral("engineVersionLabel"));
    m_versionLabel->setAccessibleDescription(tr("Engine version"));
    statusBar()->addWidget(m_connectionLabel, 1);
    statusBar()->addPermanentWidget(m_versionLabel);

    connect(connection, &EngineConnection::eventReceived, m_events, &EventModel::addEvent);
    connect(connection, &EngineConnection::stateChanged, this, &MainWindow::updateStatus);
    connect(connection, &EngineConnection::versionChanged, this, &MainWindow::updateStatus);
    connect(connection, &EngineConnection::endpointChanged, this, [this] {
        m_events->clear(); // another engine: its activity starts anew
        updateStatus();
    });
    connect(connection, &EngineConnection::helperStarted, this, [this](const HelperLaunch &launch) {
        const QString url = m_connection->endpoint().url();
        m_notification->showMessage(
            launch.throughPkexec
                ? tr("No helper answered at %1, so Berth is starting one through pkexec. Your system may ask "
                     "for permission.")
                      .arg(url)
                : tr("No helper answered at %1, so Berth started one (process %2).").arg(url).arg(launch.pid));
    });
    connect(connection, &EngineConnection::helperStartFailed, this, [this](const Error &error) {
        m_notification->showMessage(tr("Berth could not start the helper: %1").arg(errorText(error)),
                                    NotificationBar::Kind::Warning);
    });

    m_navigation->setCurrentRow(ContainersPageIndex);
    m_navigation->setFocus();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::showPage(int page)
{
    if (page < 0 || page >= PageCount)
        return;
    m_navigation->setCurrentRow(page);
}

int MainWindow::currentPage() const
{
    return m_pages->currentIndex();
}

QWidget *MainWindow::page(int page) const
{
    return m_pages->widget(page);
}

void MainWindow::updateStatus()
{
    const QString url = m_connection->endpoint().url();
    QString state;
    switch (m_connection->state()) {
    case EngineConnection::State::Connected:
        state = tr("Connected to %1").arg(url);
        break;
    case EngineConnection::State::Connecting:
        state = tr("Connecting to %1…").arg(url);
        break;
    case EngineConnection::State::StartingHelper:
        state = tr("Starting the helper at %1…").arg(url);
        break;
    case EngineConnection::State::Reconnecting:
        state = tr("Reconnecting… The helper at %1 stopped answering.").arg(url);
        break;
    case EngineConnection::State::NotRunning:
        state = tr("Not connected: no helper answers at %1.").arg(url);
        break;
    }
    m_connectionLabel->setText(state);
    m_connectionLabel->setAccessibleName(state);
    m_connectionLabel->setToolTip(m_connection->lastError());

    const auto version = m_connection->version();
    const QString versionText = m_connection->isConnected() && version
                                    ? EngineConnection::versionText(*version)
                                    : QString();
    m_versionLabel->setText(versionText);
    m_versionLabel->setAccessibleName(versionText.isEmpty() ? tr("Engine version unknown") : versionText);
    m_versionLabel->setVisible(!versionText.isEmpty());
}

} // namespace Berth::Gui
