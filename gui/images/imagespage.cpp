#include "imagespage.h"

#include "imagehistorymodel.h"
#include "imagelistmodel.h"
#include "logindialog.h"
#include "pulldialog.h"

#include <client/credentialstore.h>
#include <client/registryapi.h>

#include <client/engineclient.h>
#include <client/imageapi.h>
#include <client/imagetransfer.h>
#include <common/async.h>
#include <common/displayformat.h>
#include <common/engineconnection.h>
#include <common/errortext.h>
#include <common/jsontreeview.h>
#include <common/progresspanel.h>

#include <QAction>
#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <cerrno>
#include <utility>

namespace Berth::Gui {

ImagesPage::ImagesPage(EngineConnection *connection, QAbstractItemModel *events, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new ImageListModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_credentials(std::make_unique<Client::CredentialStore>())
{
    Q_UNUSED(events) // the table itself is the live view of image activity
    setObjectName(QStringLiteral("imagesPage"));
    setAccessibleName(tr("Images"));

    auto *heading = new QLabel(tr("Images"), this);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("imagesCount"));

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("imagesFilter"));
    m_filter->setPlaceholderText(tr("Filter by repository, tag or ID"));
    m_filter->setAccessibleName(tr("Filter images"));
    m_filter->setClearButtonEnabled(true);

    auto *toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("imagesToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_runAction = toolbar->addAction(tr("Run…"));
    m_runAction->setToolTip(tr("Create and start a container from the selected image"));
    m_tagAction = toolbar->addAction(tr("Tag…"));
    m_removeAction = toolbar->addAction(tr("Remove"));
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    toolbar->addSeparator();
    auto *pruneAction = toolbar->addAction(tr("Prune…"));
    pruneAction->setToolTip(tr("Remove images no container uses"));
    auto *importAction = toolbar->addAction(tr("Import…"));
    importAction->setToolTip(tr("Create an image from a root file system tar archive"));
    auto *loadAction = toolbar->addAction(tr("Load…"));
    loadAction->setToolTip(tr("Load images from an archive made by “docker save”"));
    m_saveAction = toolbar->addAction(tr("Save…"));
    m_saveAction->setToolTip(tr("Save the selected images to an archive"));
    // Every action has a key (issue 7: the page works without a mouse).
    m_runAction->setShortcut(QKeySequence::New);
    m_tagAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    pruneAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete));
    importAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    loadAction->setShortcut(QKeySequence::Open);
    m_saveAction->setShortcut(QKeySequence::Save);
    for (QAction *action : {m_runAction, m_tagAction, pruneAction, importAction, loadAction, m_saveAction})
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    toolbar->addSeparator();
    auto *pullAction = toolbar->addAction(tr("Pull…"));
    pullAction->setObjectName(QStringLiteral("pullAction"));
    pullAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    pullAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    pullAction->setToolTip(tr("Download an image from a registry (%1)").arg(pullAction->shortcut().toString(QKeySequence::NativeText)));
    m_pushAction = toolbar->addAction(tr("Push"));
    m_pushAction->setObjectName(QStringLiteral("pushAction"));
    m_pushAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    m_pushAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_pushAction->setToolTip(tr("Upload the selected tag to its registry (%1)").arg(m_pushAction->shortcut().toString(QKeySequence::NativeText)));
    auto *loginAction = toolbar->addAction(tr("Log In…"));
    loginAction->setObjectName(QStringLiteral("loginAction"));
    loginAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    loginAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    loginAction->setToolTip(tr("Store credentials for a registry, as “berth login” does (%1)").arg(loginAction->shortcut().toString(QKeySequence::NativeText)));
    for (QAction *action : {pullAction, m_pushAction, loginAction})
        addAction(action);
    m_engineActions = {m_runAction, m_tagAction, m_removeAction, pruneAction, importAction, loadAction, m_saveAction,
                       pullAction, m_pushAction, loginAction};
    connect(pullAction, &QAction::triggered, this, &ImagesPage::askPull);
    connect(m_pushAction, &QAction::triggered, this, &ImagesPage::askPush);
    connect(loginAction, &QAction::triggered, this, [this] { askLogin(); });
    connect(this, &ImagesPage::loginRequested, this, [this](const QString &server, const QString &reason) {
        if (m_interactiveLogin)
            askLogin(server, reason);
    });
    connect(m_runAction, &QAction::triggered, this, [this] {
        const QStringList refs = selectedReferences();
        if (!refs.isEmpty())
            emit runRequested(refs.constFirst());
    });
    connect(m_tagAction, &QAction::triggered, this, &ImagesPage::askTag);
    connect(m_removeAction, &QAction::triggered, this, &ImagesPage::askRemove);
    connect(pruneAction, &QAction::triggered, this, &ImagesPage::askPrune);
    connect(importAction, &QAction::triggered, this, &ImagesPage::askImport);
    connect(loadAction, &QAction::triggered, this, &ImagesPage::askLoad);
    connect(m_saveAction, &QAction::triggered, this, &ImagesPage::askSave);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ImageListModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("imagesTable"));
    m_table->setAccessibleName(tr("Images"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ImageListModel::CreatedColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(ImageListModel::RepositoryColumn, QHeaderView::Stretch);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->addAction(m_removeAction);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!m_table->indexAt(pos).isValid())
            return;
        QMenu menu(this);
        menu.addActions({m_runAction, m_tagAction, m_pushAction, m_saveAction});
        menu.addSeparator();
        menu.addAction(m_removeAction);
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        showDetails();
    });

    m_inspect = new JsonTreeView(this);
    m_history = new ImageHistoryModel(this);
    auto *historyProxy = new QSortFilterProxyModel(this);
    historyProxy->setSourceModel(m_history);
    historyProxy->setSortRole(ImageHistoryModel::SortRole);
    m_historyView = new QTableView(this);
    m_historyView->setObjectName(QStringLiteral("imageHistory"));
    m_historyView->setModel(historyProxy);
    m_historyView->setAccessibleName(tr("History"));
    m_historyView->verticalHeader()->hide();
    m_historyView->setShowGrid(false);
    m_historyView->setWordWrap(false);
    m_historyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_historyView->horizontalHeader()->setSectionResizeMode(ImageHistoryModel::CreatedByColumn, QHeaderView::Stretch);
    m_details = new QTabWidget(this);
    m_details->setObjectName(QStringLiteral("imageDetails"));
    m_details->addTab(m_inspect, tr("Inspect"));
    m_details->addTab(m_historyView, tr("History"));

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("imagesMessage"));
    m_message->setWordWrap(true);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_message->setFocusPolicy(Qt::TabFocus);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_message);
    m_stack->addWidget(splitter);

    m_progress = new ProgressPanel(this);

    auto *top = new QHBoxLayout;
    top->addWidget(heading);
    top->addWidget(m_count);
    top->addStretch(1);
    top->addWidget(m_filter, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(toolbar);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_progress);

    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &ImagesPage::updateState);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &ImagesPage::updateState);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ImagesPage::updateState);
    connect(connection, &EngineConnection::stateChanged, this, [this] {
        if (m_connection->isConnected())
            reload();
        else
            updateState();
        updateActions();
    });
    connect(connection, &EngineConnection::endpointChanged, this, [this] { m_model->clear(); });
    connect(connection, &EngineConnection::eventReceived, this, [this](const Common::Event &event) {
        // Image events change the list; containers coming and going change
        // which images are in use.
        if (event.type == QLatin1String("image")
            || (event.type == QLatin1String("container")
                && (event.action == QLatin1String("create") || event.action == QLatin1String("destroy")))) {
            reload();
        }
    });
    updateState();
    updateActions();
    if (connection->isConnected())
        reload();
}

ImagesPage::~ImagesPage() = default;

void ImagesPage::setCredentialStore(const Client::CredentialStore &store)
{
    *m_credentials = store;
}

void ImagesPage::reload()
{
    Client::EngineClient *client = m_connection->client();
    if (!client || !m_connection->isConnected())
        return;
    if (m_listInFlight) {
        m_listDirty = true; // one more read once this one is back
        return;
    }
    m_listInFlight = true;
    m_listDirty = false;
    const Client::ImageApi api(client);
    // The containers' use first, then the list: both land together.
    onResultReady(api.imagesInUse(), this, [this, api](const Result<QHash<QString, int>> &use) {
        onResultReady(api.list(), this, [this, use](const Result<QList<Common::ImageSummary>> &images) {
            m_listInFlight = false;
            if (!images) {
                if (!Client::isHelperUnreachable(images.error()))
                    warn(tr("Could not read the images: %1").arg(errorText(images.error())));
            } else {
                m_model->setImages(*images);
                m_model->setContainerUse(use ? std::optional<QHash<QString, int>>(*use) : std::nullopt);
                updateState();
                showDetails();
                emit reloaded();
            }
            if (m_listDirty)
                reload();
        });
    });
}

void ImagesPage::updateState()
{
    const int total = m_model->rowCount();
    m_count->setText(total > 0 ? tr("%n image(s)", nullptr, total) : QString());
    if (!m_connection->isConnected()) {
        m_message->setText(tr("Not connected to the engine. The images appear as soon as Berth reaches the helper."));
        m_stack->setCurrentWidget(m_message);
        return;
    }
    if (total == 0) {
        m_message->setText(tr("No images yet. Import a root file system or load a saved image with the buttons "
                              "above, or with “berth import FILE NAME” and “berth load -i FILE”."));
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stack->setCurrentIndex(1);
}

void ImagesPage::updateActions()
{
    const bool connected = m_connection->isConnected();
    for (QAction *action : std::as_const(m_engineActions))
        action->setEnabled(connected);
    const int selected = int(selectedReferences().size());
    m_runAction->setEnabled(connected && selected == 1);
    m_tagAction->setEnabled(connected && selected == 1);
    m_removeAction->setEnabled(connected && selected > 0);
    m_saveAction->setEnabled(connected && selected > 0);
    // Push needs a name: an untagged image (its ID) has none.
    const QStringList refs = selectedReferences();
    m_pushAction->setEnabled(connected && selected == 1 && !refs.constFirst().startsWith(QLatin1String("sha256:")));
}

QStringList ImagesPage::selectedReferences() const
{
    QStringList refs;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        refs.append(index.data(ImageListModel::ReferenceRole).toString());
    return refs;
}

bool ImagesPage::selectReference(const QString &reference)
{
    const int row = m_model->rowOf(reference);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return false;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void ImagesPage::showDetails()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const QString id = rows.size() == 1 ? rows.constFirst().data(ImageListModel::ImageIdRole).toString() : QString();
    if (id == m_detailsId)
        return;
    m_detailsId = id;
    const int generation = ++m_detailsGeneration;
    m_history->setHistory({});
    if (id.isEmpty()) {
        m_inspect->setMessage(rows.isEmpty() ? tr("Select an image to see its details.")
                                             : tr("Select one image to see its details."));
        return;
    }
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    m_inspect->setMessage(tr("Reading the image…"));
    const Client::ImageApi api(client);
    onResultReady(api.inspect(id), this, [this, generation](const Result<QJsonObject> &result) {
        if (generation != m_detailsGeneration)
            return;
        if (result)
            m_inspect->setJson(*result);
        else
            m_inspect->setMessage(errorText(result.error()));
    });
    onResultReady(api.history(id), this, [this, generation](const Result<QList<Common::ImageHistoryItem>> &result) {
        if (generation != m_detailsGeneration)
            return;
        if (result)
            m_history->setHistory(*result);
        else
            warn(tr("Could not read the image's history: %1").arg(errorText(result.error())));
    });
}

void ImagesPage::warn(const QString &text)
{
    emit notify(text, NotificationBar::Kind::Warning);
}

void ImagesPage::tagImage(const QString &source, const QString &target)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    onResultReady(Client::ImageApi(client).tag(source, target), this, [this, source, target](const Status &result) {
        if (result)
            emit notify(tr("Tagged %1 as %2.").arg(source, target), NotificationBar::Kind::Information);
        else
            warn(tr("Could not tag %1 as %2: %3").arg(source, target, errorText(result.error())));
    });
}

void ImagesPage::removeImages(const QStringList &references, bool force)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    const Client::ImageApi api(client);
    for (const QString &reference : references) {
        onResultReady(api.remove(reference, force), this,
                      [this, reference](const Result<QList<Common::ImageDeleteItem>> &result) {
                          if (!result) {
                              warn(tr("Could not remove %1: %2").arg(reference, errorText(result.error())));
                              return;
                          }
                          int deleted = 0;
                          for (const Common::ImageDeleteItem &item : *result)
                              deleted += item.deleted.isEmpty() ? 0 : 1;
                          emit notify(deleted > 0 ? tr("Removed %1 (%n layer(s) or image(s) deleted).", nullptr, deleted).arg(reference)
                                                  : tr("Untagged %1.").arg(reference),
                                      NotificationBar::Kind::Information);
                      });
    }
}

void ImagesPage::pruneImages(bool all)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    onResultReady(Client::ImageApi(m_connection->patientClient()).prune(all), this, [this](const Result<Common::ImagePruneReport> &result) {
        if (!result) {
            warn(tr("Could not prune images: %1").arg(errorText(result.error())));
            return;
        }
        int images = 0;
        for (const Common::ImageDeleteItem &item : result->imagesDeleted)
            images += item.deleted.isEmpty() ? 0 : 1;
        emit notify(tr("Pruned images: %n deleted, %1 reclaimed.", nullptr, images).arg(formatSize(result->spaceReclaimed)),
                    NotificationBar::Kind::Information);
    });
}

void ImagesPage::trackTransfer(Client::ImageTransfer *transfer, const QString &title)
{
    m_progress->addTransfer(transfer, title);
    connect(transfer, &Client::ImageTransfer::finished, this, [this, transfer, title](const Status &result) {
        transfer->deleteLater();
        if (!result) {
            if (result.error().sysErrno() == ECANCELED)
                emit notify(tr("Cancelled: %1").arg(title), NotificationBar::Kind::Information);
            else
                warn(tr("%1 failed: %2").arg(title, errorText(result.error())));
            return;
        }
        const QStringList messages = transfer->messages();
        emit notify(messages.isEmpty() ? tr("%1: done.").arg(title)
                                       : tr("%1: %2").arg(title, messages.join(QLatin1String("; "))),
                    NotificationBar::Kind::Information);
    });
}

Client::ImageTransfer *ImagesPage::importFile(const QString &path, const QString &repository)
{
    auto *transfer = Client::ImageTransfer::importFile(m_connection->patientClient(), path, repository, {}, this);
    trackTransfer(transfer, tr("Importing %1").arg(QFileInfo(path).fileName()));
    return transfer;
}

Client::ImageTransfer *ImagesPage::loadFile(const QString &path)
{
    auto *transfer = Client::ImageTransfer::loadFile(m_connection->patientClient(), path, this);
    trackTransfer(transfer, tr("Loading %1").arg(QFileInfo(path).fileName()));
    return transfer;
}

Client::ImageTransfer *ImagesPage::saveImages(const QStringList &references, const QString &path)
{
    auto *transfer = Client::ImageTransfer::saveToFile(m_connection->patientClient(), references, path, this);
    trackTransfer(transfer, tr("Saving to %1").arg(QFileInfo(path).fileName()));
    return transfer;
}

void ImagesPage::askTag()
{
    const QStringList refs = selectedReferences();
    if (refs.size() != 1)
        return;
    bool ok = false;
    const QString target = QInputDialog::getText(this, tr("Tag Image"),
                                                 tr("New name for %1 (repository[:tag]):").arg(refs.constFirst()),
                                                 QLineEdit::Normal, QString(), &ok)
                               .trimmed();
    if (ok && !target.isEmpty())
        tagImage(refs.constFirst(), target);
}

void ImagesPage::askRemove()
{
    const QStringList refs = selectedReferences();
    if (refs.isEmpty())
        return;
    bool anyInUse = false;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        anyInUse = anyInUse || index.data(ImageListModel::InUseRole).toInt() > 0;
    QMessageBox box(QMessageBox::Question, tr("Remove Images"),
                    tr("Remove %n image(s)?", nullptr, int(refs.size())), QMessageBox::Cancel, this);
    box.setInformativeText(refs.join(QLatin1Char('\n')));
    auto *remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    auto *force = new QCheckBox(tr("Force (also images that containers use, and images with several tags)"), &box);
    force->setChecked(false);
    box.setCheckBox(force);
    if (anyInUse)
        box.setDetailedText(tr("Some of these images are in use. Without Force the engine refuses to remove them."));
    box.exec();
    if (box.clickedButton() == static_cast<QAbstractButton *>(remove))
        removeImages(refs, force->isChecked());
}

void ImagesPage::askPrune()
{
    QMessageBox box(QMessageBox::Question, tr("Prune Images"),
                    tr("Remove the dangling images (untagged and used by no container)?"), QMessageBox::Cancel, this);
    auto *prune = box.addButton(tr("Prune"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    auto *all = new QCheckBox(tr("All images no container uses, tagged or not"), &box);
    box.setCheckBox(all);
    box.exec();
    if (box.clickedButton() == static_cast<QAbstractButton *>(prune))
        pruneImages(all->isChecked());
}

void ImagesPage::askImport()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Import a Root File System"), QString(),
                                                      tr("Tar archives (*.tar *.tar.gz *.tgz *.tar.xz);;All files (*)"));
    if (path.isEmpty())
        return;
    bool ok = false;
    const QString repository = QInputDialog::getText(this, tr("Import Image"),
                                                     tr("Name for the new image (repository[:tag], may be empty):"),
                                                     QLineEdit::Normal, QString(), &ok)
                                   .trimmed();
    if (ok)
        importFile(path, repository);
}

void ImagesPage::askLoad()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Images"), QString(),
                                                      tr("Image archives (*.tar *.tar.gz);;All files (*)"));
    if (!path.isEmpty())
        loadFile(path);
}

void ImagesPage::askSave()
{
    const QStringList refs = selectedReferences();
    if (refs.isEmpty())
        return;
    QString suggested = refs.constFirst();
    suggested.replace(QLatin1Char('/'), QLatin1Char('_')).replace(QLatin1Char(':'), QLatin1Char('_'));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Images"), suggested + QStringLiteral(".tar"),
                                                      tr("Tar archives (*.tar)"));
    if (!path.isEmpty())
        saveImages(refs, path);
}

void ImagesPage::trackRegistryTransfer(Client::RegistryTransfer *transfer, const QString &title,
                                       const std::function<Client::RegistryTransfer *()> &retry)
{
    m_progress->addRegistryTransfer(transfer, title);
    emit registryTransferStarted(transfer);
    connect(transfer, &Client::RegistryTransfer::finished, this, [this, transfer, title, retry](const Status &result) {
        transfer->deleteLater();
        emit registryTransferFinished(transfer->reference(), result);
        if (!result) {
            if (result.error().sysErrno() == ECANCELED) {
                emit notify(tr("Cancelled: %1").arg(title), NotificationBar::Kind::Information);
                return;
            }
            const QString text = tr("%1 failed: %2").arg(title, errorText(result.error()));
            warn(text);
            if (Client::RegistryTransfer::isAuthenticationError(result.error())) {
                const QString registry = transfer->registry();
                // Retry once the user logged in to that registry.
                auto *context = new QObject(this);
                connect(this, &ImagesPage::registryLoggedIn, context, [context, registry, retry](const QString &server) {
                    if (Client::CredentialStore::serverKey(server) == Client::CredentialStore::serverKey(registry)) {
                        context->deleteLater();
                        retry();
                    }
                });
                connect(this, &ImagesPage::loginCancelled, context, &QObject::deleteLater);
                emit loginRequested(registry, text);
            }
            return;
        }
        const QStringList lines = transfer->statusLines();
        emit notify(lines.isEmpty() ? tr("%1: done.").arg(title) : tr("%1: %2").arg(title, lines.constLast()),
                    NotificationBar::Kind::Information);
    });
}

Client::RegistryTransfer *ImagesPage::pullImage(const QString &reference, const QString &platform)
{
    auto *transfer = Client::RegistryTransfer::pull(m_connection->patientClient(), reference, platform, *m_credentials, this);
    trackRegistryTransfer(transfer, tr("Pulling %1").arg(reference),
                          [this, reference, platform] { return pullImage(reference, platform); });
    return transfer;
}

Client::RegistryTransfer *ImagesPage::pushImage(const QString &reference)
{
    auto *transfer = Client::RegistryTransfer::push(m_connection->patientClient(), reference, *m_credentials, this);
    trackRegistryTransfer(transfer, tr("Pushing %1").arg(reference), [this, reference] { return pushImage(reference); });
    return transfer;
}

void ImagesPage::askPull()
{
    PullDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        pullImage(dialog.reference(), dialog.platform());
}

void ImagesPage::askPush()
{
    const QStringList refs = selectedReferences();
    if (refs.size() != 1 || refs.constFirst().startsWith(QLatin1String("sha256:")))
        return;
    pushImage(refs.constFirst());
}

void ImagesPage::askLogin(const QString &server, const QString &reason)
{
    Client::EngineClient *client = m_connection->client();
    if (!client)
        return;
    auto *dialog = new LoginDialog(client, *m_credentials, server == QLatin1String("docker.io") ? QString() : server, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!reason.isEmpty())
        dialog->setMessage(reason);
    connect(dialog, &LoginDialog::loggedIn, this, [this](const QString &registry) {
        emit notify(tr("Logged in to %1.").arg(registry), NotificationBar::Kind::Information);
        emit registryLoggedIn(registry);
    });
    connect(dialog, &QDialog::rejected, this, &ImagesPage::loginCancelled);
    dialog->open();
}

} // namespace Berth::Gui
