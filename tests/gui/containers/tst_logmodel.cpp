#include <containers/loglinedelegate.h>
#include <containers/loglineview.h>
#include <containers/logmodel.h>
#include <containers/logview.h>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

using namespace Berth::Gui;
using Berth::Client::LogLine;

namespace {

LogLine line(const QString &message, LogLine::Stream stream = LogLine::Stream::Stdout,
             const QString &stamp = QStringLiteral("2026-11-28T01:02:03.123456789Z"))
{
    LogLine l;
    l.stream = stream;
    if (stamp.isEmpty()) {
        l.raw = message;
    } else {
        l.raw = stamp + QLatin1Char(' ') + message;
        l.messageStart = int(stamp.size() + 1);
    }
    return l;
}

// The same lines as batch() in the stream's compact form.
Berth::Client::LogBatch compactBatch(int first, int count, const QByteArray &padding = {})
{
    Berth::Client::LogBatch out;
    for (int i = first; i < first + count; ++i)
        out.append(i % 10 == 0 ? LogLine::Stream::Stderr : LogLine::Stream::Stdout,
                   QByteArray("2026-11-28T01:02:03.123456789Z line " + QByteArray::number(i) + padding), true);
    return out;
}

QList<LogLine> batch(int first, int count)
{
    QList<LogLine> lines;
    lines.reserve(count);
    for (int i = first; i < first + count; ++i)
        lines.append(line(QStringLiteral("line %1").arg(i), i % 10 == 0 ? LogLine::Stream::Stderr : LogLine::Stream::Stdout));
    return lines;
}

} // namespace

class tst_LogModel : public QObject
{
    Q_OBJECT

private slots:
    void linesAppendInBatchesAndKeepTheirStream()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendLines(batch(0, 3));
        model.appendLines({});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 0"));
        QCOMPARE(model.index(0).data(LogModel::StreamRole).toInt(), int(LogLine::Stream::Stderr));
        QCOMPARE(model.index(1).data(LogModel::StreamRole).toInt(), int(LogLine::Stream::Stdout));
        QCOMPARE(model.index(2).data(LogModel::TimestampRole).toString(), QStringLiteral("2026-11-28T01:02:03.123456789Z"));
        QCOMPARE(model.index(2).data(LogModel::MessageRole).toString(), QStringLiteral("line 2"));
    }

    void timestampsShowOnlyWhenAsked()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendLines({line(QStringLiteral("hello")), line(QStringLiteral("plain"), LogLine::Stream::Stdout, QString())});
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("hello"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setShowTimestamps(true);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("2026-11-28T01:02:03.123456789Z hello"));
        QCOMPARE(model.index(1).data().toString(), QStringLiteral("plain"));
        model.setShowTimestamps(true);
        QCOMPARE(changed.size(), 1);
    }

    // QAbstractItemModelTester re-checks the whole model on every signal,
    // so it watches a million lines through a small capacity; the default
    // capacity is checked on its own below.
    void aMillionLinesStayWithinCapacity()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(10000);
        constexpr int Total = 1000000;
        constexpr int Batch = 4096; // about what one 64 KiB read of a log stream carries
        for (int first = 0; first < Total; first += Batch)
            model.appendLines(batch(first, qMin(Batch, Total - first)));
        QCOMPARE(model.rowCount(), 10000);
        QCOMPARE(model.droppedLines(), qint64(Total - 10000));
        // The newest lines are kept, in order.
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 990000"));
        QCOMPARE(model.index(9999).data().toString(), QStringLiteral("line 999999"));
        QCOMPARE(model.longestLine(), int(QStringLiteral("2026-11-28T01:02:03.123456789Z line 999999").size()));
    }

    void aMillionLinesAtTheDefaultCapacity()
    {
        LogModel model;
        QCOMPARE(model.capacity(), LogModel::DefaultCapacity);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        constexpr int Total = 1000000;
        constexpr int Batch = 4096;
        qint64 modelMs = 0;
        for (int first = 0; first < Total; first += Batch) {
            const QList<LogLine> lines = batch(first, qMin(Batch, Total - first));
            QElapsedTimer clock;
            clock.start();
            model.appendLines(lines);
            modelMs += clock.elapsed();
        }
        qInfo("the model took %lld ms for %d lines", modelMs, Total);
        QCOMPARE(model.rowCount(), LogModel::DefaultCapacity);
        QCOMPARE(model.droppedLines(), qint64(Total - LogModel::DefaultCapacity));
        QCOMPARE(model.index(LogModel::DefaultCapacity - 1).data().toString(), QStringLiteral("line 999999"));
        // Compact: the text and 8 bytes a line, in whole blocks.
        qInfo("%d lines kept in %lld bytes (%lld allocated)", model.rowCount(), model.lineBytes(), model.allocatedBytes());
        QVERIFY(model.allocatedBytes() < model.lineBytes() + 2 * LogModel::BlockBytes + 8 * LogModel::DefaultCapacity);
        // One insert per batch, and removals only once full: no per-line signals.
        QCOMPARE(inserted.size(), (Total + Batch - 1) / Batch);
        QVERIFY(removed.size() < inserted.size());
    }

    // The byte bound holds whatever the lines' length: text and bookkeeping
    // stay under byteCapacity(), the blocks allocated under it plus one
    // block (and the spare one kept for reuse), and the newest lines stay.
    void theByteBoundHoldsAndBlocksAreReused()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(1000000);
        model.setByteCapacity(4 * LogModel::BlockBytes);
        QCOMPARE(model.byteCapacity(), qint64(4 * LogModel::BlockBytes));
        const QByteArray padding(200, 'x');
        constexpr int Total = 300000;
        constexpr int Batch = 3000;
        qint64 allocatedMax = 0;
        for (int first = 0; first < Total; first += Batch) {
            model.appendBatch(compactBatch(first, Batch, padding));
            QVERIFY(model.lineBytes() <= model.byteCapacity());
            allocatedMax = qMax(allocatedMax, model.allocatedBytes());
        }
        QVERIFY2(allocatedMax <= 6 * LogModel::BlockBytes + 8 * Total / 10, qPrintable(QString::number(allocatedMax)));
        const int rows = model.rowCount();
        // 4 MiB of ~250-byte lines: roughly 16000 of them.
        QVERIFY2(rows > 15000 && rows < 17500, qPrintable(QString::number(rows)));
        QCOMPARE(model.droppedLines() + rows, qint64(Total));
        QCOMPARE(model.index(rows - 1).data().toString(), QStringLiteral("line 299999") + QString::fromLatin1(padding));
        QCOMPARE(model.line(0).message().toString(),
                 QStringLiteral("line %1").arg(Total - rows) + QString::fromLatin1(padding));
        QCOMPARE(model.stream(rows - 1), LogLine::Stream::Stdout);
        // Lowering the bound drops the oldest lines at once.
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.setByteCapacity(LogModel::BlockBytes);
        QCOMPARE(removed.size(), 1);
        QVERIFY(model.lineBytes() <= LogModel::BlockBytes);
        QCOMPARE(model.index(model.rowCount() - 1).data().toString(), QStringLiteral("line 299999") + QString::fromLatin1(padding));
    }

    // One batch larger than the byte bound keeps only its newest lines, and
    // the older rows go with the lines skipped.
    void aBatchLargerThanTheByteBoundKeepsItsNewestLines()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setByteCapacity(LogModel::BlockBytes);
        model.appendBatch(compactBatch(0, 10));
        const QByteArray padding(1000, 'y');
        model.appendBatch(compactBatch(10, 5000, padding));
        QVERIFY(model.lineBytes() <= LogModel::BlockBytes);
        const int rows = model.rowCount();
        QVERIFY(rows > 900 && rows < 1100);
        QCOMPARE(model.droppedLines() + rows, qint64(5010));
        QCOMPARE(model.line(0).message().toString(), QStringLiteral("line %1").arg(5010 - rows) + QString::fromLatin1(padding));
        QCOMPARE(model.line(rows - 1).message().toString(), QStringLiteral("line 5009") + QString::fromLatin1(padding));
    }

    // Searching compares bytes for ASCII text and decodes for the rest.
    void searchMatchesNonAsciiTextAndCase()
    {
        LogModel model;
        model.appendLines({line(QStringLiteral("Größe ÄNDERT sich")), line(QStringLiteral("plain ascii")),
                           line(QStringLiteral("컨테이너 시작됨")), line(QStringLiteral("größe ändert sich")),
                           line(QStringLiteral("naïve ERROR"))});
        QCOMPARE(model.countMatches(QStringLiteral("ändert")), 2);
        QCOMPARE(model.countMatches(QStringLiteral("ändert"), Qt::CaseSensitive), 1);
        QCOMPARE(model.find(QStringLiteral("ÄNDERT"), 1, false, Qt::CaseSensitive), 0);
        QCOMPARE(model.find(QStringLiteral("시작"), 0), 2);
        QCOMPARE(model.countMatches(QStringLiteral("error")), 1);
        QCOMPARE(model.countMatches(QStringLiteral("ve err")), 1);
        QCOMPARE(model.countMatches(QStringLiteral("GRÖSSE")), 0);
        QCOMPARE(model.index(2).data().toString(), QStringLiteral("컨테이너 시작됨"));
        QCOMPARE(model.longestLine(), int(QStringLiteral("2026-11-28T01:02:03.123456789Z ").size())
                                          + int(QStringLiteral("컨테이너 시작됨").toUtf8().size()));
    }

    void aBatchLargerThanTheCapacityKeepsItsNewestLines()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(10);
        model.appendLines(batch(0, 5));
        model.appendLines(batch(5, 25));
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 20"));
        QCOMPARE(model.droppedLines(), qint64(20));
        model.setCapacity(4);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 26"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.droppedLines(), qint64(0));
    }

    void findWrapsForwardAndBackward()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendLines({line(QStringLiteral("alpha")), line(QStringLiteral("beta ERROR one")), line(QStringLiteral("gamma")),
                           line(QStringLiteral("error two")), line(QStringLiteral("delta"))});
        QCOMPARE(model.find(QStringLiteral("error"), 0), 1);
        QCOMPARE(model.find(QStringLiteral("error"), 2), 3);
        QCOMPARE(model.find(QStringLiteral("error"), 4), 1); // wraps
        QCOMPARE(model.find(QStringLiteral("error"), 2, true), 1);
        QCOMPARE(model.find(QStringLiteral("error"), 0, true), 3); // wraps backward
        QCOMPARE(model.find(QStringLiteral("ERROR"), 2, false, Qt::CaseSensitive), 1);
        QCOMPARE(model.find(QStringLiteral("Error"), 0, false, Qt::CaseSensitive), -1);
        QCOMPARE(model.find(QStringLiteral("zeta"), 0), -1);
        QCOMPARE(model.find(QString(), 0), -1);
        // The stamp is not searched: "2026" is only in the time.
        QCOMPARE(model.find(QStringLiteral("2026"), 0), -1);
        QCOMPARE(model.countMatches(QStringLiteral("error")), 2);
    }

    // The count of a search text follows the lines as they arrive and as
    // the oldest are dropped, without recounting everything.
    void theCountedMatchesFollowAppendsAndDrops()
    {
        LogModel model;
        model.setCapacity(100);
        QSignalSpy changed(&model, &LogModel::matchCountChanged);
        model.setCountedText(QStringLiteral("line 1")); // line 1, 10-19, 100-199, ...
        QCOMPARE(model.countedMatches(), 0);
        model.appendLines(batch(0, 50));
        QCOMPARE(model.countedMatches(), 11); // 1, 10..19
        QCOMPARE(model.countedMatches(), model.countMatches(QStringLiteral("line 1")));
        QVERIFY(!changed.isEmpty());
        QCOMPARE(changed.last().at(0).toInt(), 11);

        model.appendBatch(compactBatch(50, 100)); // rows 50..149 stay: 100..149 match
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.countedMatches(), 50);
        QCOMPARE(model.countedMatches(), model.countMatches(QStringLiteral("line 1")));

        model.appendLines(batch(150, 120)); // rows 170..269 stay: 170..199
        QCOMPARE(model.countedMatches(), 30);
        QCOMPARE(model.countedMatches(), model.countMatches(QStringLiteral("line 1")));

        model.setCountedText(QStringLiteral("LINE 2"), Qt::CaseSensitive);
        QCOMPARE(model.countedMatches(), 0);
        model.setCountedText(QStringLiteral("line 2"));
        QCOMPARE(model.countedMatches(), model.countMatches(QStringLiteral("line 2")));
        QCOMPARE(model.countedText(), QStringLiteral("line 2"));

        model.clear();
        QCOMPARE(model.countedMatches(), 0);
        QCOMPARE(changed.last().at(0).toInt(), 0);
        model.appendLines(batch(0, 30)); // still counting after a clear: line 2, 20..29
        QCOMPARE(model.countedMatches(), 11);
        model.setCountedText(QString());
        QCOMPARE(model.countedMatches(), 0);
        model.appendLines(batch(30, 10));
        QCOMPARE(model.countedMatches(), 0);
    }

    // The view's match count moves while lines keep arriving.
    void theViewsMatchCountFollowsTheStream()
    {
        LogView view;
        view.model()->appendLines(batch(0, 100));
        view.searchField()->setText(QStringLiteral("line 5"));
        auto *label = view.findChild<QLabel *>(QStringLiteral("logMatches"));
        QVERIFY(label);
        // (the English plural comes from berth_en.qm, not loaded here)
        QVERIFY2(label->text().startsWith(QStringLiteral("11 match")), qPrintable(label->text())); // 5, 50..59
        view.model()->appendLines(batch(100, 500)); // 500..599 as well
        QVERIFY2(label->text().startsWith(QStringLiteral("111 match")), qPrintable(label->text()));
        view.searchField()->clear();
        QCOMPARE(label->text(), QString());
    }

    void theViewSearchesAndHighlights()
    {
        LogView view;
        view.resize(600, 300);
        view.model()->appendLines(batch(0, 50000));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // Following keeps the newest line in view.
        QVERIFY(view.followBox()->isChecked());
        QScrollBar *bar = view.listView()->verticalScrollBar();
        QTRY_VERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), bar->maximum());

        view.searchField()->setText(QStringLiteral("line 1234"));
        QVERIFY(view.findNext());
        QCOMPARE(view.listView()->currentIndex().row(), 1234);
        QVERIFY(!view.followBox()->isChecked()); // a search stops following
        QVERIFY(view.findNext());
        QCOMPARE(view.listView()->currentIndex().row(), 12340);
        QVERIFY(view.findNext(true));
        QCOMPARE(view.listView()->currentIndex().row(), 1234);
        view.searchField()->setText(QStringLiteral("no such text"));
        QVERIFY(!view.findNext());

        // Rows are placed by arithmetic: row * rowHeight().
        const int h = view.listView()->rowHeight();
        QCOMPARE(view.listView()->visualRect(view.model()->index(1234)).top() - view.listView()->visualRect(view.model()->index(1233)).top(), h);
        QElapsedTimer clock;
        clock.start();
        view.model()->appendLines(batch(50000, 100000));
        QCoreApplication::processEvents();
        qInfo("appended and laid out 100000 more lines in %lld ms", qint64(clock.elapsed()));
        QCOMPARE(view.model()->rowCount(), 150000);
    }

    // Following a full view: every flush drops the oldest lines and appends
    // new ones at the bottom. Prints what one flush costs the UI thread
    // (model update, relayout, scroll, paint); tests/bench/desktop.sh
    // measures the whole desktop. Checks that the view stays at the bottom
    // with the newest line and that the rows stay bounded.
    void followingAFullViewOneFlushAtATime()
    {
        LogView view;
        view.resize(800, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        constexpr int Full = LogModel::DefaultCapacity;
        for (int first = 0; first < Full; first += 20000)
            view.model()->appendBatch(compactBatch(first, 20000));
        QCoreApplication::processEvents();
        QList<qint64> costs;
        int next = Full;
        for (int round = 0; round < 60; ++round) {
            QElapsedTimer clock;
            clock.start();
            view.model()->appendBatch(compactBatch(next, 1500));
            next += 1500;
            QCoreApplication::processEvents();
            costs.append(clock.nsecsElapsed() / 1000);
        }
        std::sort(costs.begin(), costs.end());
        qInfo("one flush of 1500 lines into a full view: median %lld us, max %lld us",
              costs.at(costs.size() / 2), costs.constLast());
        QCOMPARE(view.model()->rowCount(), Full);
        QScrollBar *bar = view.listView()->verticalScrollBar();
        QCOMPARE(bar->value(), bar->maximum());
        QCOMPARE(view.model()->index(Full - 1).data().toString(), QStringLiteral("line %1").arg(next - 1));
    }

    // Reading older lines while new ones push the oldest out: the same
    // lines stay in view. The keyboard moves, selects and copies lines.
    void theViewKeepsItsPlaceAndWorksWithTheKeyboard()
    {
        LogView view;
        view.resize(800, 400);
        view.model()->setCapacity(5000);
        view.model()->appendBatch(compactBatch(0, 5000));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.followBox()->setChecked(false);
        LogLineView *list = view.listView();
        list->scrollTo(view.model()->index(2000), QAbstractItemView::PositionAtTop);
        QCOMPARE(view.model()->index(list->firstVisibleRow()).data().toString(), QStringLiteral("line 2000"));
        view.model()->appendBatch(compactBatch(5000, 300)); // drops lines 0-299
        QCoreApplication::processEvents();
        QCOMPARE(view.model()->index(list->firstVisibleRow()).data().toString(), QStringLiteral("line 2000"));

        list->setFocus();
        list->setCurrentIndex(view.model()->index(list->firstVisibleRow()));
        QTest::keyClick(list, Qt::Key_Down);
        QCOMPARE(list->currentIndex().data().toString(), QStringLiteral("line 2001"));
        QTest::keyClick(list, Qt::Key_Down, Qt::ShiftModifier);
        QTest::keyClick(list, Qt::Key_Down, Qt::ShiftModifier);
        QTest::keyClick(list, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("line 2001\nline 2002\nline 2003\n"));
        QTest::keyClick(list, Qt::Key_End, Qt::ControlModifier);
        QCOMPARE(list->currentIndex().row(), view.model()->rowCount() - 1);
        QCOMPARE(list->verticalScrollBar()->value(), list->verticalScrollBar()->maximum());
        QTest::keyClick(list, Qt::Key_PageUp);
        QVERIFY(list->currentIndex().row() < view.model()->rowCount() - 5);
        QVERIFY(list->currentIndex().row() >= list->firstVisibleRow());
        QTest::keyClick(list, Qt::Key_Home, Qt::ControlModifier);
        QCOMPARE(list->currentIndex().data().toString(), QStringLiteral("line 300"));
        QCOMPARE(list->verticalScrollBar()->value(), 0);
        // A click selects the line under the pointer.
        const QRect third = list->visualRect(view.model()->index(2));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, third.center());
        QCOMPARE(list->currentIndex().row(), 2);
        QCOMPARE(list->indexAt(third.center()).row(), 2);
        // The switches have keys too.
        QTest::keyClick(list, Qt::Key_T, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(view.timestampsBox()->isChecked());
        QVERIFY(view.model()->showTimestamps());
        QTest::keyClick(list, Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(view.followBox()->isChecked());
        QTRY_COMPARE(list->verticalScrollBar()->value(), list->verticalScrollBar()->maximum());
    }
};

QTEST_MAIN(tst_LogModel)
#include "tst_logmodel.moc"
