#pragma once

#include "error.h"

// The HTTP status <-> ErrorCode tables of the Docker Engine API, Qt-free so
// that berthd, the Qt client and berth's Qt-free front share one copy.
namespace Berth {

// The status berthd answers an error with (engine-api.md 4.4).
int httpStatusForError(ErrorCode code);
// The ErrorCode a client gives an error reply's status.
ErrorCode errorCodeForHttpStatus(int status);
// The reason phrase berthd writes and the client quotes ("Not Found";
// "UPGRADED" for 101, as dockerd writes it); "Status" when unknown.
const char *httpReasonPhrase(int status);

} // namespace Berth
