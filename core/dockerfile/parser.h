#pragma once

#include "ast.h"

#include <QByteArrayView>
#include <QStringView>

namespace Berth::Dockerfile {

// Text to syntax tree, following the parser dockerd's classic builder and
// BuildKit share (moby/buildkit frontend/dockerfile/parser and instructions):
// parser directives, the escape character, line continuations, comments,
// heredocs, JSON (exec) and shell forms, flags, ENV/LABEL/ARG pairs and the
// per-instruction argument checks, each with its line and column. Pure: no
// I/O, no global state; safe to call from any thread.
class Parser
{
public:
    // Raw file bytes: UTF-8, an optional byte-order mark, LF or CRLF line ends.
    static SyntaxTree parse(QByteArrayView bytes);
    // Already decoded text (the editor's document).
    static SyntaxTree parse(QStringView text);
    // Instructions outside a Dockerfile, such as the ONBUILD triggers in an
    // image config: no FROM is needed and an empty text is no error.
    static SyntaxTree parseFragment(QStringView text);
};

} // namespace Berth::Dockerfile
