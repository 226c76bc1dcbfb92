#pragma once

#include <dockerfile/ast.h>

#include <QAbstractTableModel>
#include <QList>

namespace Berth::Gui {

// The problems list of the Build page: Berth::Dockerfile's diagnostics
// (errors first in file order, then warnings), one row each, with the
// line and column where they start. Replaced as a whole after each parse.
class DiagnosticModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { SeverityColumn, LineColumn, MessageColumn, RuleColumn, ColumnCount };
    enum Role { LineRole = Qt::UserRole + 1, ColumnRole, SeverityRole };

    explicit DiagnosticModel(QObject *parent = nullptr);

    void setDiagnostics(const QList<Dockerfile::Diagnostic> &diagnostics);
    const QList<Dockerfile::Diagnostic> &diagnostics() const { return m_diagnostics; }
    int errorCount() const;
    int warningCount() const;

    static QString severityText(Dockerfile::Severity severity);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Dockerfile::Diagnostic> m_diagnostics;
};

} // namespace Berth::Gui
