#pragma once

#include <base/result.h>

#include <QString>

namespace Berth::Cli {

// The client-side check docker makes of an image reference before it asks
// the engine anything (distribution/reference ParseNormalizedNamed), with
// the same error texts ("invalid reference format: repository name
// (library/UPPER) must be lowercase").
class ImageReference
{
public:
    static Result<ImageReference> parseNormalized(const QString &text);
    // ParseAnyReference: 64 hex or sha256:<hex> is an ID, else parseNormalized.
    static Result<ImageReference> parseAny(const QString &text);

    bool isId() const { return m_id; }
    // "docker.io/library/busybox" (ref.Name()).
    QString name() const { return m_domain + QLatin1Char('/') + m_path; }
    QString tag() const { return m_tag; }
    QString digest() const { return m_digest; }

private:
    QString m_domain;
    QString m_path;
    QString m_tag;
    QString m_digest;
    bool m_id = false;
};

} // namespace Berth::Cli
