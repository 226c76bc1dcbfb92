#pragma once

#include <base/result.h>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace Berth::Cli {

// Looks a variable up in the CLI's environment (tests pass their own).
using EnvLookup = std::function<std::optional<QString>(const QString &name)>;
EnvLookup processEnvironment();

// docker's --env-file / --label-file format (opts.ParseEnvFile): one
// VAR=VALUE per line, leading whitespace trimmed, empty lines and lines
// starting with '#' skipped, a UTF-8 BOM dropped. A line with only VAR takes
// its value from `lookup` and is left out when unset (env files; label files
// pass no lookup and keep the bare name). Values are kept verbatim: no
// quotes are removed and nothing is expanded.
Result<QStringList> parseEnvFileContent(const QByteArray &content, const QString &fileName, const EnvLookup &lookup);
Result<QStringList> readEnvFile(const QString &fileName, const EnvLookup &lookup);

// One -e value (opts.ValidateEnv): "A=B" as given, "A" resolved from the
// environment when set there, else kept bare.
Result<QString> resolveEnvValue(const QString &value, const EnvLookup &lookup);

} // namespace Berth::Cli
