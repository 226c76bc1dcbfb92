#pragma once

#include <QString>

#include <memory>

class QPalette;
class QSyntaxHighlighter;
class QTextDocument;

namespace Berth::Gui {

// The one place that knows which highlighter the editor uses:
// KSyntaxHighlighting (KF6) when the build found it, else the built-in
// DockerfileHighlighter. One instance lives for the whole application and
// owns KSyntaxHighlighting's Repository (style.md C17).
class SyntaxHighlighting
{
public:
    SyntaxHighlighting();
    ~SyntaxHighlighting();
    SyntaxHighlighting(const SyntaxHighlighting &) = delete;
    SyntaxHighlighting &operator=(const SyntaxHighlighting &) = delete;

    // True when built with KSyntaxHighlighting.
    static bool usesKSyntaxHighlighting();
    // What highlights, for the Settings page ("KSyntaxHighlighting 6.13").
    QString backendName() const;

    // Puts a Dockerfile highlighter on document (the document owns it),
    // coloured to suit palette.
    QSyntaxHighlighter *attach(QTextDocument *document, const QPalette &palette) const;
    // Re-colours a highlighter made by attach() for a new palette.
    void applyPalette(QSyntaxHighlighter *highlighter, const QPalette &palette) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Berth::Gui
