#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

// Every catalogue in translations/ is complete: no unfinished, empty,
// obsolete or vanished message, and numerus forms all filled in.
class tst_Translations : public QObject
{
    Q_OBJECT

private slots:
    void catalogueIsComplete_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(BERTH_TRANSLATIONS_DIR));
        const QStringList files = dir.entryList({QStringLiteral("*.ts")}, QDir::Files, QDir::Name);
        QVERIFY2(files.contains(QStringLiteral("berth_ko.ts")), "translations/berth_ko.ts is missing");
        QVERIFY2(files.contains(QStringLiteral("berth_en.ts")), "translations/berth_en.ts (English plurals) is missing");
        for (const QString &file : files)
            QTest::newRow(qPrintable(file)) << dir.filePath(file);
    }

    void catalogueIsComplete()
    {
        QFETCH(QString, path);
        checkCatalogue(path);
    }

    // A string added to the GUI without a translation would show in English:
    // refresh a copy of each catalogue from the sources with lupdate, as
    // `update_translations` does, and the copy must still be complete.
    void everyStringInTheSourcesIsTranslated_data() { catalogueIsComplete_data(); }
    void everyStringInTheSourcesIsTranslated()
    {
        QFETCH(QString, path);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString copy = tmp.filePath(QFileInfo(path).fileName());
        QVERIFY(QFile::copy(path, copy));
        QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QProcess lupdate;
        lupdate.setProcessChannelMode(QProcess::MergedChannels);
        QStringList arguments{QStringLiteral("-silent"), QStringLiteral("-locations"), QStringLiteral("none"),
                              QStringLiteral("-extensions"), QStringLiteral("cpp,h"),
                              QStringLiteral(BERTH_GUI_SOURCE_DIR), QStringLiteral("-ts"), copy};
        // English is the source language: its catalogue holds only the
        // plural forms ("%n image(s)" -> "1 image" / "2 images").
        if (QFileInfo(path).fileName() == QLatin1String("berth_en.ts"))
            arguments.prepend(QStringLiteral("-pluralonly"));
        lupdate.start(QStringLiteral(BERTH_LUPDATE), arguments);
        QVERIFY2(lupdate.waitForFinished(120000), "lupdate did not finish");
        QVERIFY2(lupdate.exitCode() == 0, lupdate.readAll().constData());
        checkCatalogue(copy);
    }

private:
    void checkCatalogue(const QString &path)
    {
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.errorString()));

        QStringList problems;
        int messages = 0;
        QString context;
        QString source;
        QXmlStreamReader xml(&file);
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            if (xml.name() == QLatin1String("name")) {
                context = xml.readElementText();
            } else if (xml.name() == QLatin1String("message")) {
                ++messages;
                source.clear();
            } else if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText();
            } else if (xml.name() == QLatin1String("translation")) {
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                // Numerus translations hold <numerusform> children.
                QString text;
                bool numerusEmpty = false;
                int forms = 0;
                while (!(xml.isEndElement() && xml.name() == QLatin1String("translation")) && !xml.atEnd()) {
                    xml.readNext();
                    if (xml.isCharacters())
                        text += xml.text();
                    if (xml.isStartElement() && xml.name() == QLatin1String("numerusform")) {
                        ++forms;
                        const QString form = xml.readElementText();
                        numerusEmpty = numerusEmpty || form.trimmed().isEmpty();
                        text += form;
                    }
                }
                const QString where = QStringLiteral("%1: \"%2\"").arg(context, source);
                if (type == QLatin1String("unfinished"))
                    problems << QStringLiteral("unfinished: ") + where;
                else if (type == QLatin1String("vanished") || type == QLatin1String("obsolete"))
                    problems << type + QStringLiteral(" (no longer in the sources): ") + where;
                else if (text.trimmed().isEmpty() || numerusEmpty)
                    problems << QStringLiteral("empty: ") + where;
                Q_UNUSED(forms)
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY2(messages > 0, "the catalogue has no messages");
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(tst_Translations)

#include "tst_translations.moc"
