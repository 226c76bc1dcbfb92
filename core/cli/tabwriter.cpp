#include "tabwriter.h"

#include <QList>
#include <QStringList>

namespace Berth::Cli {

namespace {

struct Layout
{
    QList<QStringList> cells;
    QList<QList<int>> widths;
    int minWidth = 0;
    int padding = 0;

    void format(qsizetype start, qsizetype end, int column)
    {
        qsizetype i = start;
        while (i < end) {
            if (cells.at(i).size() - 1 <= column) {
                ++i;
                continue;
            }
            qsizetype j = i;
            int width = minWidth;
            while (j < end && cells.at(j).size() - 1 > column) {
                width = qMax(width, int(cells.at(j).at(column).size()) + padding);
                ++j;
            }
            for (qsizetype k = i; k < j; ++k) {
                if (widths[k].size() <= column)
                    widths[k].resize(column + 1);
                widths[k][column] = width;
            }
            format(i, j, column + 1);
            i = j;
        }
    }
};

} // namespace

QString alignColumns(const QString &text, int minWidth, int padding)
{
    Layout layout;
    layout.minWidth = minWidth;
    layout.padding = padding;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        layout.cells.append(line.split(QLatin1Char('\t')));
        layout.widths.append(QList<int>());
    }
    layout.format(0, lines.size(), 0);
    QStringList out;
    for (qsizetype l = 0; l < lines.size(); ++l) {
        const QStringList &cells = layout.cells.at(l);
        QString line;
        for (qsizetype c = 0; c < cells.size(); ++c) {
            if (c + 1 < cells.size())
                line += cells.at(c).leftJustified(layout.widths.at(l).value(c, 0), QLatin1Char(' '));
            else
                line += cells.at(c);
        }
        out << line;
    }
    return out.join(QLatin1Char('\n'));
}

} // namespace Berth::Cli
