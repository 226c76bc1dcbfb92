#pragma once

#include <base/result.h>

#include <QString>

namespace Berth::Engine {

// A docker image reference (distribution/reference semantics):
// [domain/]path[:tag][@digest], normalised so that "busybox" is
// docker.io/library/busybox and "u/x" is docker.io/u/x.
class Reference
{
public:
    Reference() = default;

    // Parses and normalises what a user typed. Invalid input gives an
    // InvalidArgument error whose message starts "invalid reference format"
    // (or docker's specific wording for uppercase names and 64-hex names).
    static Result<Reference> parseNormalized(QStringView text);
    // Like parseNormalized, then adds the tag "latest" when neither a tag
    // nor a digest is present (docker's TagNameOnly).
    static Result<Reference> parseNormalizedWithDefaultTag(QStringView text);

    static bool isValidTag(QStringView tag);

    bool isValid() const { return !m_path.isEmpty(); }
    const QString &domain() const { return m_domain; }
    const QString &path() const { return m_path; }
    const QString &tag() const { return m_tag; }
    const QString &digest() const { return m_digest; } // "sha256:<hex>" or empty
    bool hasTag() const { return !m_tag.isEmpty(); }
    bool hasDigest() const { return !m_digest.isEmpty(); }
    bool isNameOnly() const { return m_tag.isEmpty() && m_digest.isEmpty(); }

    // "docker.io/library/busybox"
    QString name() const;
    // "busybox", "u/x", "localhost:5000/a/b"
    QString familiarName() const;
    // Fully qualified with tag and digest: "docker.io/library/busybox:latest"
    QString toString() const;
    // What docker shows: "busybox:latest", "u/x:1", "name@sha256:..."
    QString familiarString() const;

    Reference withTag(const QString &tag) const;
    Reference withDigest(const QString &digest) const;
    Reference withoutTagOrDigest() const;
    Reference withDefaultTag() const;

    friend bool operator==(const Reference &a, const Reference &b)
    {
        return a.m_domain == b.m_domain && a.m_path == b.m_path && a.m_tag == b.m_tag
               && a.m_digest == b.m_digest;
    }

private:
    QString m_domain;
    QString m_path;
    QString m_tag;
    QString m_digest;
};

} // namespace Berth::Engine
