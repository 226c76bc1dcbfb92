#pragma once

#include <client/logstream.h>

#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace Berth::Client {
class EngineClient;
class LogStream;
} // namespace Berth::Client

namespace Berth::Gui {

class LogModel;
class LogLineDelegate;
class LogLineView;

// A container's output: a bounded LogModel in a LogLineView that paints
// only the visible rows and places rows by arithmetic (one row height), so
// a million lines scroll smoothly and following a chatty container costs
// the same however many lines are kept. Follow keeps the newest line in view (scrolling up turns it
// off), Timestamps shows the engine's time stamps, stderr lines are drawn
// in a warning colour with a marker, Since picks how far back to read, and
// the search box highlights matches with next/previous (Enter,
// Shift+Enter, F3).
class LogView : public QWidget
{
    Q_OBJECT
public:
    explicit LogView(QWidget *parent = nullptr);
    ~LogView() override;

    // Streams a container's logs (GET /containers/{id}/logs?follow=1)
    // through client; an empty id stops and clears.
    void setContainer(Client::EngineClient *client, const QString &id);
    QString container() const { return m_container; }

    LogModel *model() const { return m_model; }
    LogLineView *listView() const { return m_list; }
    QLineEdit *searchField() const { return m_search; }
    QCheckBox *followBox() const { return m_follow; }
    QCheckBox *timestampsBox() const { return m_timestamps; }
    QComboBox *sinceBox() const { return m_since; }

    // Moves to the next (previous) line that matches the search text.
    bool findNext(bool backward = false);

    // The "since" value sent to the engine for the current choice (empty: all).
    QString sinceValue() const;

signals:
    // The stream ended (the container stopped, or an error).
    void streamFinished(const QString &message);

private:
    void restart();
    void updateMatches();
    void showMatchCount(int count);

    QPointer<Client::EngineClient> m_client;
    QString m_container;
    Client::LogStream *m_stream = nullptr;
    // Lines from the stream (decoded on its worker thread) are appended to
    // the model at most every FlushIntervalMs in one batch: a chatty
    // container then costs one remove, one insert, one relayout and one
    // scroll per interval, not per read.
    static constexpr int FlushIntervalMs = 33;
    void flushPending();
    Client::LogBatch m_pendingLines;
    QTimer m_flushTimer;
    LogModel *m_model = nullptr;
    LogLineDelegate *m_delegate = nullptr;
    LogLineView *m_list = nullptr;
    QCheckBox *m_follow = nullptr;
    QCheckBox *m_timestamps = nullptr;
    QComboBox *m_since = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_matches = nullptr;
    QLabel *m_status = nullptr;
    bool m_autoScrolling = false;
};

} // namespace Berth::Gui
