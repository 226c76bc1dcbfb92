#include <common/eventmodel.h>

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using Berth::Common::Event;
using Berth::Gui::EventModel;

class tst_EventModel : public QObject
{
    Q_OBJECT

private:
    static Event makeEvent(const QString &type, const QString &action, const QString &name, qint64 seconds)
    {
        Event event;
        event.type = type;
        event.action = action;
        event.actorId = QStringLiteral("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        if (!name.isEmpty())
            event.attributes.insert(QStringLiteral("name"), name);
        event.timeNano = seconds * 1000000000LL + 123456789;
        return event;
    }

private slots:
    void startsEmpty()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.capacity(), EventModel::DefaultCapacity);
    }

    void newestEventIsTheFirstRow()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.addEvent(makeEvent(QStringLiteral("container"), QStringLiteral("create"), QStringLiteral("web"), 100));
        model.addEvent(makeEvent(QStringLiteral("container"), QStringLiteral("start"), QStringLiteral("web"), 101));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(inserted.at(1).at(1).toInt(), 0); // inserted at the top
        QCOMPARE(model.index(0).data(EventModel::ActionRole).toString(), QStringLiteral("start"));
        QCOMPARE(model.index(1).data(EventModel::ActionRole).toString(), QStringLiteral("create"));
    }

    void rolesDescribeTheEvent()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addEvent(makeEvent(QStringLiteral("container"), QStringLiteral("die"), QStringLiteral("db"), 1795819046));
        const QModelIndex index = model.index(0);
        QCOMPARE(index.data(EventModel::TypeRole).toString(), QStringLiteral("container"));
        QCOMPARE(index.data(EventModel::ActorRole).toString(), QStringLiteral("db"));
        QCOMPARE(index.data(EventModel::ActorIdRole).toString().size(), 64);
        QCOMPARE(index.data(EventModel::TimeRole).toDateTime(),
                 QDateTime::fromMSecsSinceEpoch(1795819046123LL).toLocalTime());
        const QString display = index.data(Qt::DisplayRole).toString();
        QVERIFY2(display.contains(QStringLiteral("db")), qPrintable(display));
        QVERIFY2(display.contains(QStringLiteral("exited")), qPrintable(display));
        QVERIFY2(display.contains(QStringLiteral("container")), qPrintable(display));
        QVERIFY(!index.data(Qt::ToolTipRole).toString().isEmpty());
        QVERIFY(model.roleNames().contains(EventModel::ActorRole));
    }

    void actorWithoutNameShowsShortId()
    {
        EventModel model;
        model.addEvent(makeEvent(QStringLiteral("container"), QStringLiteral("start"), QString(), 1));
        QCOMPARE(model.index(0).data(EventModel::ActorRole).toString(), QStringLiteral("0123456789ab"));
    }

    void unknownActionIsShownAsTheEngineSentIt()
    {
        QCOMPARE(EventModel::actionText(QStringLiteral("frobnicate")), QStringLiteral("frobnicate"));
        QCOMPARE(EventModel::actionText(QStringLiteral("exec_start: sh -c true")), QStringLiteral("exec started"));
    }

    void capacityBoundsTheModel_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("added");
        QTest::newRow("under") << 5 << 3;
        QTest::newRow("exact") << 5 << 5;
        QTest::newRow("over") << 5 << 12;
        QTest::newRow("one") << 1 << 4;
    }

    void capacityBoundsTheModel()
    {
        QFETCH(int, capacity);
        QFETCH(int, added);
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(capacity);
        for (int i = 0; i < added; ++i)
            model.addEvent(makeEvent(QStringLiteral("image"), QStringLiteral("tag"), QString::number(i), i));
        QCOMPARE(model.rowCount(), std::min(capacity, added));
        // Newest first; the oldest were dropped.
        QCOMPARE(model.index(0).data(EventModel::ActorRole).toString(), QString::number(added - 1));
        QCOMPARE(model.index(model.rowCount() - 1).data(EventModel::ActorRole).toString(),
                 QString::number(added - model.rowCount()));
    }

    void shrinkingTheCapacityDropsTheOldest()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int i = 0; i < 10; ++i)
            model.addEvent(makeEvent(QStringLiteral("image"), QStringLiteral("pull"), QString::number(i), i));
        model.setCapacity(3);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(2).data(EventModel::ActorRole).toString(), QStringLiteral("7"));
    }

    void clearEmptiesTheModel()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addEvent(makeEvent(QStringLiteral("volume"), QStringLiteral("create"), QStringLiteral("v"), 1));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        model.clear(); // no-op on an empty model
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(tst_EventModel)

#include "tst_eventmodel.moc"
