#include "logview.h"

#include "loglinedelegate.h"
#include "loglineview.h"
#include "logmodel.h"

#include <client/engineclient.h>
#include <client/logstream.h>
#include <common/errortext.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QShortcut>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace Berth::Gui {

LogView::LogView(QWidget *parent)
    : QWidget(parent)
    , m_model(new LogModel(this))
    , m_delegate(new LogLineDelegate(this))
    , m_list(new LogLineView(this))
{
    setObjectName(QStringLiteral("logView"));
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &LogView::flushPending);
    m_list->setObjectName(QStringLiteral("logList"));
    m_list->setAccessibleName(tr("Container output"));
    m_list->setModel(m_model);
    m_list->setItemDelegate(m_delegate);
    m_list->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);

    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setObjectName(QStringLiteral("logFollow"));
    m_follow->setToolTip(tr("Keep the newest line in view"));
    m_follow->setChecked(true);
    m_timestamps = new QCheckBox(tr("Timestamps"), this);
    m_timestamps->setObjectName(QStringLiteral("logTimestamps"));
    // Keys for the two switches (issue 7: the view works without a mouse).
    m_follow->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_timestamps->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    m_since = new QComboBox(this);
    m_since->setObjectName(QStringLiteral("logSince"));
    m_since->setAccessibleName(tr("Since"));
    m_since->addItem(tr("All output"), QString());
    m_since->addItem(tr("Last 5 minutes"), 5 * 60);
    m_since->addItem(tr("Last hour"), 60 * 60);
    m_since->addItem(tr("Last 24 hours"), 24 * 60 * 60);
    m_since->addItem(tr("Last 7 days"), 7 * 24 * 60 * 60);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("logSearch"));
    m_search->setPlaceholderText(tr("Search"));
    m_search->setAccessibleName(tr("Search the output"));
    m_search->setClearButtonEnabled(true);
    auto *previous = new QToolButton(this);
    previous->setText(tr("Previous"));
    previous->setToolTip(tr("Previous match (Shift+Enter)"));
    auto *next = new QToolButton(this);
    next->setText(tr("Next"));
    next->setToolTip(tr("Next match (Enter, F3)"));
    m_matches = new QLabel(this);
    m_matches->setObjectName(QStringLiteral("logMatches"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("logStatus"));
    m_status->setWordWrap(true);
    m_status->hide();

    connect(m_timestamps, &QCheckBox::toggled, m_model, &LogModel::setShowTimestamps);
    connect(m_model, &LogModel::matchCountChanged, this, &LogView::showMatchCount);
    connect(m_since, &QComboBox::currentIndexChanged, this, &LogView::restart);
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_list->scrollToBottom();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_delegate->setHighlight(text);
        m_list->viewport()->update();
        updateMatches();
    });
    connect(m_search, &QLineEdit::returnPressed, this, [this] { findNext(false); });
    connect(next, &QToolButton::clicked, this, [this] { findNext(false); });
    connect(previous, &QToolButton::clicked, this, [this] { findNext(true); });
    auto *f3 = new QShortcut(QKeySequence::FindNext, this);
    connect(f3, &QShortcut::activated, this, [this] { findNext(false); });
    auto *shiftF3 = new QShortcut(QKeySequence::FindPrevious, this);
    connect(shiftF3, &QShortcut::activated, this, [this] { findNext(true); });
    auto *shiftEnter = new QShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Return), m_search, nullptr, nullptr,
                                     Qt::WidgetShortcut);
    connect(shiftEnter, &QShortcut::activated, this, [this] { findNext(true); });
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });

    // New lines keep the view at the bottom while following; scrolling up
    // by hand stops following.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow->isChecked()) {
            m_autoScrolling = true;
            m_list->scrollToBottom();
            m_autoScrolling = false;
        }
    });
    connect(m_list->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (m_autoScrolling)
            return;
        QScrollBar *bar = m_list->verticalScrollBar();
        if (value < bar->maximum() && m_follow->isChecked() && bar->isSliderDown())
            m_follow->setChecked(false);
    });

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_follow);
    bar->addWidget(m_timestamps);
    bar->addWidget(m_since);
    bar->addStretch(1);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_matches);
    bar->addWidget(previous);
    bar->addWidget(next);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_status);
    layout->addWidget(m_list, 1);
}

LogView::~LogView() = default;

QString LogView::sinceValue() const
{
    const QVariant seconds = m_since->currentData();
    if (!seconds.isValid() || seconds.toString().isEmpty())
        return {};
    return QString::number(QDateTime::currentSecsSinceEpoch() - seconds.toLongLong());
}

void LogView::setContainer(Client::EngineClient *client, const QString &id)
{
    // The same container still streaming: nothing to do. One whose stream
    // ended (it stopped) and runs again is read anew.
    if (client == m_client && id == m_container && m_stream && !m_stream->isFinished())
        return;
    m_client = client;
    m_container = id;
    restart();
}

void LogView::restart()
{
    if (m_stream) {
        m_stream->cancel();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
    m_flushTimer.stop();
    m_pendingLines.clear();
    m_model->clear();
    m_status->hide();
    updateMatches();
    if (!m_client || m_container.isEmpty())
        return;
    Client::LogsQuery query;
    query.follow = true;
    query.timestamps = true;
    query.since = sinceValue();
    query.decodeInThread = true;
    m_stream = new Client::LogStream(m_client, m_container, query, this);
    connect(m_stream, &Client::LogStream::batch, this, [this](const Client::LogBatch &lines) {
        m_pendingLines.append(lines);
        if (!m_flushTimer.isActive())
            m_flushTimer.start();
    });
    Client::LogStream *stream = m_stream;
    connect(stream, &Client::LogStream::finished, this, [this, stream](const Status &result) {
        if (stream != m_stream)
            return;
        // The last lines before the end message.
        m_flushTimer.stop();
        flushPending();
        const QString message = result ? tr("The output ended: the container is not running.")
                                       : tr("Could not read the output: %1").arg(errorText(result.error()));
        m_status->setText(message);
        m_status->show();
        updateMatches();
        emit streamFinished(message);
    });
}

void LogView::flushPending()
{
    if (m_pendingLines.isEmpty())
        return;
    const Client::LogBatch lines = std::exchange(m_pendingLines, {});
    m_model->appendBatch(lines);
}

bool LogView::findNext(bool backward)
{
    const QString text = m_search->text();
    if (text.isEmpty() || m_model->rowCount() == 0)
        return false;
    const QModelIndex current = m_list->currentIndex();
    int from;
    if (!current.isValid())
        from = backward ? m_model->rowCount() - 1 : 0;
    else
        from = backward ? current.row() - 1 : current.row() + 1;
    if (from < 0)
        from = m_model->rowCount() - 1;
    if (from >= m_model->rowCount())
        from = 0;
    const int row = m_model->find(text, from, backward);
    if (row < 0) {
        m_matches->setText(tr("No matches"));
        return false;
    }
    m_follow->setChecked(false);
    const QModelIndex index = m_model->index(row);
    m_list->setCurrentIndex(index);
    m_list->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void LogView::updateMatches()
{
    // The model keeps the count current as lines arrive and old ones go.
    const QString text = m_search->text();
    if (text != m_model->countedText())
        m_model->setCountedText(text);
    showMatchCount(m_model->countedMatches());
}

void LogView::showMatchCount(int count)
{
    if (m_search->text().isEmpty())
        m_matches->clear();
    else
        m_matches->setText(count == 0 ? tr("No matches") : tr("%n match(es)", nullptr, count));
}

} // namespace Berth::Gui
