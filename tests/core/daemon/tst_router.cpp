#include <daemon/httpexchange.h>
#include <daemon/httprequest.h>
#include <daemon/router.h>

#include <QtTest>

using namespace Berth;
using namespace Berth::Daemon;

static Result<HttpRequest> request(const QByteArray &method, const QByteArray &target)
{
    Common::HttpMessageHead head;
    head.method = method;
    head.target = target;
    return HttpRequest::fromHead(head);
}

class tst_Router : public QObject
{
    Q_OBJECT

    Router m_router;

    static Router::ExchangeHandler tag() { return [](HttpExchange &) {}; }

private slots:
    void initTestCase()
    {
        // Registration order deliberately puts greedy routes first.
        m_router.addRoute("DELETE", QStringLiteral("/images/{name*}"), tag());
        m_router.addRoute("GET", QStringLiteral("/images/{name*}/json"), tag());
        m_router.addRoute("POST", QStringLiteral("/images/{name*}/tag"), tag());
        m_router.addRoute("GET", QStringLiteral("/images/json"), tag());
        m_router.addRoute("POST", QStringLiteral("/images/create"), tag());
        m_router.addRoute("GET", QStringLiteral("/containers/{id}/json"), tag());
        m_router.addRoute("POST", QStringLiteral("/containers/{id}/attach"), tag());
        m_router.addRoute("GET", QStringLiteral("/containers/json"), tag());
        m_router.addRoute("HEAD", QStringLiteral("/_ping"), tag());
    }

    void routesMatchWithCaptures_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("capture");
        QTest::newRow("literal beats greedy") << QByteArray("GET") << "/images/json" << "/images/json" << "";
        QTest::newRow("literal beats segment") << QByteArray("GET") << "/containers/json" << "/containers/json" << "";
        QTest::newRow("segment") << QByteArray("GET") << "/containers/web/json" << "/containers/{id}/json" << "web";
        QTest::newRow("hub name") << QByteArray("GET") << "/images/docker.io/library/busybox:latest/json"
                                  << "/images/{name*}/json" << "docker.io/library/busybox:latest";
        QTest::newRow("registry with port") << QByteArray("POST") << "/images/localhost:5999/a/b:v2/tag"
                                            << "/images/{name*}/tag" << "localhost:5999/a/b:v2";
        QTest::newRow("digest") << QByteArray("DELETE") << "/images/x@sha256:abcd" << "/images/{name*}"
                                << "x@sha256:abcd";
        QTest::newRow("image named json") << QByteArray("GET") << "/images/json/json" << "/images/{name*}/json"
                                          << "json";
        QTest::newRow("method picks route") << QByteArray("POST") << "/images/create" << "/images/create" << "";
    }
    void routesMatchWithCaptures()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QString, pattern);
        QFETCH(QString, capture);
        const Router::Match m = m_router.match(method, path);
        QCOMPARE(m.kind, Router::Match::Found);
        QCOMPARE(m.route->pattern, pattern);
        if (!capture.isEmpty())
            QCOMPARE(m.captures.first(), capture);
    }

    void unknownPathsAndWrongMethodsAreTold()
    {
        QCOMPARE(m_router.match("GET", QStringLiteral("/nosuch")).kind, Router::Match::NotFound);
        QCOMPARE(m_router.match("GET", QStringLiteral("/containers/a/b/json")).kind, Router::Match::NotFound);
        const Router::Match m = m_router.match("GET", QStringLiteral("/_ping"));
        QCOMPARE(m.kind, Router::Match::MethodNotAllowed);
        QCOMPARE(m.allowedMethods, QByteArrayList{"HEAD"});
    }

    void versionPrefixIsStrippedAndChecked_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("pathOrMessage");
        QTest::newRow("unversioned") << QByteArray("/_ping") << true << "/_ping";
        QTest::newRow("1.41") << QByteArray("/v1.41/version") << true << "/version";
        QTest::newRow("1.24") << QByteArray("/v1.24/version") << true << "/version";
        QTest::newRow("1.30") << QByteArray("/v1.30/info?x=1") << true << "/info";
        QTest::newRow("too new") << QByteArray("/v1.52/version") << false
                                 << "client version 1.52 is too new. Maximum supported API version is 1.41";
        QTest::newRow("too old") << QByteArray("/v1.12/version") << false
                                 << "client version 1.12 is too old. Minimum supported API version is 1.24, please "
                                    "upgrade your client to a newer version";
        QTest::newRow("decoded after the query split") << QByteArray("/v1.41/images/a%2Fb%3Fc/json?q=%2F") << true
                                                       << "/images/a/b?c/json";
        QTest::newRow("not a version") << QByteArray("/vx/version") << true << "/vx/version";
    }
    void versionPrefixIsStrippedAndChecked()
    {
        QFETCH(QByteArray, target);
        QFETCH(bool, ok);
        QFETCH(QString, pathOrMessage);
        const auto r = request("GET", target);
        QCOMPARE(bool(r), ok);
        if (ok)
            QCOMPARE(r->path(), pathOrMessage);
        else
            QCOMPARE(QString::fromStdString(r.error().message()), pathOrMessage);
    }

    void queryParametersDecode()
    {
        const auto r = request("GET", "/build?t=a%3Ab&t=c&q=hello+world&all=1&force=true&x=True&no=0&empty=");
        QVERIFY(r);
        QCOMPARE(r->queryValues(QStringLiteral("t")), (QStringList{QStringLiteral("a:b"), QStringLiteral("c")}));
        QCOMPARE(r->query(QStringLiteral("q")), QStringLiteral("hello world"));
        QCOMPARE(*r->queryBool(QStringLiteral("all")), true);
        QCOMPARE(*r->queryBool(QStringLiteral("force")), true);
        QCOMPARE(*r->queryBool(QStringLiteral("x")), true);
        QCOMPARE(*r->queryBool(QStringLiteral("no")), false);
        QCOMPARE(*r->queryBool(QStringLiteral("empty"), true), false);
        QCOMPARE(*r->queryBool(QStringLiteral("absent"), true), true);
        const auto bad = request("GET", "/x?all=maybe");
        QVERIFY(!bad->queryBool(QStringLiteral("all")));
    }

    void filtersAcceptBothForms_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::newRow("map form") << QByteArray("%7B%22label%22%3A%7B%22a%3D1%22%3Atrue%7D%7D");
        QTest::newRow("list form") << QByteArray("%7B%22label%22%3A%5B%22a%3D1%22%5D%7D");
    }
    void filtersAcceptBothForms()
    {
        QFETCH(QByteArray, query);
        const auto r = request("GET", "/containers/json?filters=" + query);
        QVERIFY(r);
        const auto f = r->filters({QStringLiteral("label")});
        QVERIFY(f);
        QCOMPARE(f->values(QStringLiteral("label")), QStringList{QStringLiteral("a=1")});
        const auto refused = r->filters({QStringLiteral("name")});
        QVERIFY(!refused);
        QCOMPARE(QString::fromStdString(refused.error().message()), QStringLiteral("invalid filter 'label'"));
    }
};

QTEST_GUILESS_MAIN(tst_Router)
#include "tst_router.moc"
