#pragma once

#include <base/error.h>

#include <QByteArray>
#include <QString>

namespace Berth::Common {

// The HTTP status berthd answers for an error code (engine-api.md 4.2).
int httpStatusFor(ErrorCode code);

// The error code a client derives from an HTTP status.
ErrorCode errorCodeForStatus(int status);

// The reason phrase for a status ("Not Found").
QByteArray reasonPhrase(int status);

// Docker's error body: {"message":"..."} (compact, no trailing newline).
QByteArray errorBody(const QString &message);
QByteArray errorBody(const Error &error);

// Reads {"message":...} out of an error reply; falls back to the raw text.
QString messageFromErrorBody(const QByteArray &body);

inline QString toQString(const Error &error) { return QString::fromStdString(error.toString()); }

} // namespace Berth::Common
