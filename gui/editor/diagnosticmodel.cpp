#include "diagnosticmodel.h"

#include <QApplication>
#include <QStyle>

#include <algorithm>

namespace Berth::Gui {

DiagnosticModel::DiagnosticModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void DiagnosticModel::setDiagnostics(const QList<Dockerfile::Diagnostic> &diagnostics)
{
    QList<Dockerfile::Diagnostic> sorted = diagnostics;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Dockerfile::Diagnostic &a, const Dockerfile::Diagnostic &b) {
        if (a.severity != b.severity)
            return int(a.severity) < int(b.severity);
        if (a.range.start.line != b.range.start.line)
            return a.range.start.line < b.range.start.line;
        return a.range.start.column < b.range.start.column;
    });
    if (sorted == m_diagnostics)
        return;
    beginResetModel();
    m_diagnostics = std::move(sorted);
    endResetModel();
}

int DiagnosticModel::errorCount() const
{
    return int(std::count_if(m_diagnostics.cbegin(), m_diagnostics.cend(),
                             [](const Dockerfile::Diagnostic &d) { return d.severity == Dockerfile::Severity::Error; }));
}

int DiagnosticModel::warningCount() const
{
    return int(std::count_if(m_diagnostics.cbegin(), m_diagnostics.cend(),
                             [](const Dockerfile::Diagnostic &d) { return d.severity == Dockerfile::Severity::Warning; }));
}

QString DiagnosticModel::severityText(Dockerfile::Severity severity)
{
    switch (severity) {
    case Dockerfile::Severity::Error:
        return tr("Error");
    case Dockerfile::Severity::Warning:
        return tr("Warning");
    case Dockerfile::Severity::Info:
        return tr("Note");
    }
    return {};
}

int DiagnosticModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_diagnostics.size());
}

int DiagnosticModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DiagnosticModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Dockerfile::Diagnostic &d = m_diagnostics.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return severityText(d.severity);
        case LineColumn:
            return tr("%1:%2").arg(d.range.start.line).arg(d.range.start.column);
        case MessageColumn:
            return d.message;
        case RuleColumn:
            return d.rule;
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == SeverityColumn) {
            const QStyle::StandardPixmap icon = d.severity == Dockerfile::Severity::Error ? QStyle::SP_MessageBoxCritical
                                                : d.severity == Dockerfile::Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                                              : QStyle::SP_MessageBoxInformation;
            return QApplication::style()->standardIcon(icon);
        }
        return {};
    case Qt::ToolTipRole:
    case Qt::AccessibleTextRole:
        return tr("%1 on line %2, column %3: %4")
            .arg(severityText(d.severity))
            .arg(d.range.start.line)
            .arg(d.range.start.column)
            .arg(d.message);
    case LineRole:
        return d.range.start.line;
    case ColumnRole:
        return d.range.start.column;
    case SeverityRole:
        return int(d.severity);
    }
    return {};
}

QVariant DiagnosticModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case LineColumn:
        return tr("Line");
    case MessageColumn:
        return tr("Message");
    case RuleColumn:
        return tr("Rule");
    }
    return {};
}

} // namespace Berth::Gui
