#pragma once

#include <base/result.h>
#include <client/clientmetatypes.h>
#include <common/notificationbar.h>

#include <QWidget>

#include <functional>
#include <memory>

class QAbstractItemModel;
class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QTabWidget;

namespace Berth::Client {
class CredentialStore;
class ImageTransfer;
class RegistryTransfer;
}

namespace Berth::Gui {

class EngineConnection;
class ImageHistoryModel;
class ImageListModel;
class JsonTreeView;
class ProgressPanel;

// The engine's images: a sortable, filterable table kept live from the
// image events (no polling), the image actions (tag, remove, prune,
// import, load, save, run) and a details pane with Inspect and History.
// Every request is asynchronous; results and errors arrive as non-blocking
// notifications (notify()).
class ImagesPage : public QWidget
{
    Q_OBJECT
public:
    ImagesPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent = nullptr);
    ~ImagesPage() override;

    ImageListModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *tableView() const { return m_table; }
    JsonTreeView *inspectView() const { return m_inspect; }
    ImageHistoryModel *historyModel() const { return m_history; }
    ProgressPanel *progressPanel() const { return m_progress; }

    // The selected images' references ("repo:tag", or IDs when untagged).
    QStringList selectedReferences() const;
    // Selects the row of a reference; false when no row has it.
    bool selectReference(const QString &reference);

    // The actions without their dialogs (the dialogs call these; tests too).
    void tagImage(const QString &source, const QString &target);
    void removeImages(const QStringList &references, bool force);
    void pruneImages(bool all);
    Client::ImageTransfer *importFile(const QString &path, const QString &repository);
    Client::ImageTransfer *loadFile(const QString &path);
    Client::ImageTransfer *saveImages(const QStringList &references, const QString &path);
    // Pull and push with per-layer progress in the progress panel; a
    // refusal for missing or wrong credentials opens the Login dialog
    // (loginRequested) and the transfer is retried after a login.
    Client::RegistryTransfer *pullImage(const QString &reference, const QString &platform = {});
    Client::RegistryTransfer *pushImage(const QString &reference);

    // The credentials pull and push send (the CLI's config file by
    // default; tests point it elsewhere).
    Client::CredentialStore &credentials() const { return *m_credentials; }
    void setCredentialStore(const Client::CredentialStore &store);

    // Re-reads the list (also done on every image event).
    void reload();
    bool isLoading() const { return m_listInFlight; }

signals:
    void notify(const QString &text, Berth::Gui::NotificationBar::Kind kind, const QString &details = QString());
    // "Run…" on an image: the containers area shows its run dialog.
    void runRequested(const QString &reference);
    // The list was read and applied (tests wait on it).
    void reloaded();
    // A registry refused the credentials of `server` for a pull or push;
    // the page opens its Login dialog unless interactiveLogin is off.
    void loginRequested(const QString &server, const QString &reason);
    // A pull or push started (also a retry after a login) or finished.
    void registryTransferStarted(Berth::Client::RegistryTransfer *transfer);
    void registryTransferFinished(const QString &reference, const Berth::Status &result);
    // The Login dialog stored credentials for `server` (or was closed).
    void registryLoggedIn(const QString &server);
    void loginCancelled();

public:
    // Off in tests: loginRequested is emitted but no dialog opens.
    void setInteractiveLogin(bool on) { m_interactiveLogin = on; }
    void askLogin(const QString &server = {}, const QString &reason = {});

private:
    void updateState();
    void updateActions();
    void showDetails();
    void trackTransfer(Client::ImageTransfer *transfer, const QString &title);
    void askTag();
    void askRemove();
    void askPrune();
    void askImport();
    void askLoad();
    void askSave();
    void askPull();
    void askPush();
    void trackRegistryTransfer(Client::RegistryTransfer *transfer, const QString &title,
                               const std::function<Client::RegistryTransfer *()> &retry);
    void warn(const QString &text);

    EngineConnection *m_connection = nullptr;
    ImageListModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_count = nullptr;
    QLineEdit *m_filter = nullptr;
    QTableView *m_table = nullptr;
    QTabWidget *m_details = nullptr;
    JsonTreeView *m_inspect = nullptr;
    ImageHistoryModel *m_history = nullptr;
    QTableView *m_historyView = nullptr;
    ProgressPanel *m_progress = nullptr;
    QAction *m_runAction = nullptr;
    QAction *m_tagAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_pushAction = nullptr;
    std::unique_ptr<Client::CredentialStore> m_credentials;
    bool m_interactiveLogin = true;
    QList<QAction *> m_engineActions; // need a connection
    bool m_listInFlight = false;
    bool m_listDirty = false;
    int m_detailsGeneration = 0;
    QString m_detailsId;
};

} // namespace Berth::Gui
