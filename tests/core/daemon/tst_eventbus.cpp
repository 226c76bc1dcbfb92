#include <daemon/eventbus.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Daemon;

static Common::Event makeEvent(const QString &type, const QString &action, const QString &id,
                               QMap<QString, QString> attributes = {}, qint64 timeNano = 0)
{
    Common::Event e;
    e.type = type;
    e.action = action;
    e.actorId = id;
    e.attributes = std::move(attributes);
    e.timeNano = timeNano;
    return e;
}

static EventFilter filterFrom(const QString &json)
{
    auto f = Filters::fromJson(json);
    if (!f)
        return {};
    return EventFilter(*f);
}

class tst_EventBus : public QObject
{
    Q_OBJECT
private slots:
    void filtersSelectEvents_data()
    {
        QTest::addColumn<QString>("filters");
        QTest::addColumn<bool>("matches");
        QTest::newRow("none") << QString() << true;
        QTest::newRow("type hit") << QStringLiteral(R"({"type":{"container":true}})") << true;
        QTest::newRow("type miss") << QStringLiteral(R"({"type":{"image":true}})") << false;
        QTest::newRow("type legacy list") << QStringLiteral(R"({"type":["container","image"]})") << true;
        QTest::newRow("event hit") << QStringLiteral(R"({"event":{"die":true}})") << true;
        QTest::newRow("event miss") << QStringLiteral(R"({"event":{"start":true}})") << false;
        QTest::newRow("event and type") << QStringLiteral(R"({"event":{"die":true},"type":{"container":true}})") << true;
        QTest::newRow("container by id prefix") << QStringLiteral(R"({"container":{"abc":true}})") << true;
        QTest::newRow("container by name") << QStringLiteral(R"({"container":{"web":true}})") << true;
        QTest::newRow("container miss") << QStringLiteral(R"({"container":{"zzz":true}})") << false;
        QTest::newRow("image by name") << QStringLiteral(R"({"image":{"bb:latest":true}})") << true;
        QTest::newRow("image without tag") << QStringLiteral(R"({"image":{"bb":true}})") << true;
        QTest::newRow("image miss") << QStringLiteral(R"({"image":{"other":true}})") << false;
        QTest::newRow("label key") << QStringLiteral(R"({"label":{"tier":true}})") << true;
        QTest::newRow("label key=value") << QStringLiteral(R"({"label":{"tier=web":true}})") << true;
        QTest::newRow("label wrong value") << QStringLiteral(R"({"label":{"tier=db":true}})") << false;
        QTest::newRow("label all must match") << QStringLiteral(R"({"label":{"tier=web":true,"x":true}})") << false;
        QTest::newRow("scope") << QStringLiteral(R"({"scope":{"local":true}})") << true;
        QTest::newRow("scope miss") << QStringLiteral(R"({"scope":{"swarm":true}})") << false;
        QTest::newRow("daemon filter excludes") << QStringLiteral(R"({"daemon":{"xyz":true}})") << false;
    }
    void filtersSelectEvents()
    {
        QFETCH(QString, filters);
        QFETCH(bool, matches);
        const Common::Event e = makeEvent(QStringLiteral("container"), QStringLiteral("die"),
                                          QStringLiteral("abcdef") + QString(58, QLatin1Char('0')),
                                          {{QStringLiteral("name"), QStringLiteral("web")},
                                           {QStringLiteral("image"), QStringLiteral("bb:latest")},
                                           {QStringLiteral("tier"), QStringLiteral("web")},
                                           {QStringLiteral("exitCode"), QStringLiteral("0")}});
        QCOMPARE(filterFrom(filters).matches(e), matches);
    }

    void execEventsMatchByPrefix()
    {
        const auto e = makeEvent(QStringLiteral("container"), QStringLiteral("exec_start: sh -c true"),
                                 QString(64, QLatin1Char('a')));
        QVERIFY(filterFrom(QStringLiteral(R"({"event":{"exec_start":true}})")).matches(e));
    }

    void unknownFilterKeysAreRejected()
    {
        auto f = Filters::fromJson(QStringLiteral(R"({"colour":{"red":true}})"));
        QVERIFY(f);
        const Status s = f->validate(EventFilter::acceptedKeys());
        QVERIFY(!s);
        QCOMPARE(s.error().code(), ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(s.error().message()), QStringLiteral("invalid filter 'colour'"));
        QVERIFY(!Filters::fromJson(QStringLiteral("not json")));
    }

    void historyReplaysBetweenSinceAndUntil()
    {
        EventBus bus;
        for (int i = 1; i <= 5; ++i)
            bus.publish(makeEvent(QStringLiteral("image"), QStringLiteral("tag"), QString::number(i), {}, i * 1000));
        const auto all = bus.history(EventFilter(), 1);
        QCOMPARE(all.size(), 5);
        const auto mid = bus.history(EventFilter(), 2000, 4000);
        QCOMPARE(mid.size(), 3);
        QCOMPARE(mid.first().actorId, QStringLiteral("2"));
        QCOMPARE(mid.last().actorId, QStringLiteral("4"));
        QCOMPARE(bus.history(EventFilter(), 6000).size(), 0);
    }

    void historyIsBoundedLikeDockers()
    {
        EventBus bus(256);
        for (int i = 0; i < 300; ++i)
            bus.publish(makeEvent(QStringLiteral("container"), QStringLiteral("start"), QString::number(i)));
        const auto all = bus.history(EventFilter(), 1);
        QCOMPARE(all.size(), 256);
        QCOMPARE(all.first().actorId, QStringLiteral("44"));
        QCOMPARE(all.last().actorId, QStringLiteral("299"));
    }

    void publishStampsTheTime()
    {
        EventBus bus;
        const qint64 before = EventBus::nowNano();
        bus.publish(makeEvent(QStringLiteral("daemon"), QStringLiteral("reload"), QStringLiteral("id")));
        const auto h = bus.history(EventFilter(), 1);
        QCOMPARE(h.size(), 1);
        QVERIFY(h.first().timeNano >= before);
        QVERIFY(h.first().timeNano <= EventBus::nowNano());
    }

    void subscribersGetMatchingEventsUntilDestroyed()
    {
        EventBus bus;
        auto sub = bus.subscribe(filterFrom(QStringLiteral(R"({"type":{"container":true}})")));
        QCOMPARE(bus.subscriberCount(), 1);
        QList<Common::Event> got;
        connect(sub.get(), &EventSubscription::eventPublished, this, [&](const Common::Event &e) { got.append(e); });
        bus.publish(makeEvent(QStringLiteral("container"), QStringLiteral("create"), QStringLiteral("a")));
        bus.publish(makeEvent(QStringLiteral("image"), QStringLiteral("tag"), QStringLiteral("b")));
        bus.publish(makeEvent(QStringLiteral("container"), QStringLiteral("start"), QStringLiteral("a")));
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(1).action, QStringLiteral("start"));
        sub.reset();
        QCOMPARE(bus.subscriberCount(), 0);
        bus.publish(makeEvent(QStringLiteral("container"), QStringLiteral("die"), QStringLiteral("a")));
        QCOMPARE(got.size(), 2);
    }

    void aSubscriberMayUnsubscribeWhileBeingNotified()
    {
        EventBus bus;
        auto first = bus.subscribe(EventFilter());
        auto second = bus.subscribe(EventFilter());
        int secondGot = 0;
        connect(first.get(), &EventSubscription::eventPublished, this, [&] { second.reset(); });
        connect(second.get(), &EventSubscription::eventPublished, this, [&] { ++secondGot; });
        bus.publish(makeEvent(QStringLiteral("container"), QStringLiteral("create"), QStringLiteral("a")));
        QCOMPARE(secondGot, 0);
        QCOMPARE(bus.subscriberCount(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_EventBus)
#include "tst_eventbus.moc"
