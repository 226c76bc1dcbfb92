#pragma once

#include <base/result.h>

#include <QString>

namespace Berth::Common {

// A docker image reference (distribution/reference semantics):
// [domain/]path[:tag][@digest], normalised so that "busybox" is
// docker.io/library/busybox and "u/x" is docker.io/u/x.
// The one parser for berthd (engine) and berth (CLI).
class Reference
{
public:
    // Whose rules a parse follows. The grammar is the same; two things differ:
    // - Berthd: only sha256 digests (what the store holds), and the daemon's
    //   uppercase text "invalid reference format: repository name must be
    //   lowercase" for every uppercase name.
    // - DockerCli: what the docker CLI (28.x) checks before it sends a
    //   request: sha256/sha384/sha512 digests, and its texts "invalid
    //   reference format: repository name (library/UPPER) must be lowercase"
    //   and, when only the grammar check finds the uppercase, "repository
    //   name must be lowercase". berth prints these byte for byte.
    enum class Dialect { Berthd, DockerCli };

    Reference() = default;

    // Parses and normalises what a user typed (ParseNormalizedNamed). Invalid
    // input gives an InvalidArgument error: "invalid reference format", the
    // dialect's uppercase text, "invalid repository name (<hex>), cannot
    // specify 64-byte hexadecimal strings", "repository name must not be more
    // than 255 characters", or go-digest's text for a bad digest.
    static Result<Reference> parseNormalized(QStringView text, Dialect dialect = Dialect::Berthd);
    // Like parseNormalized, then adds the tag "latest" when neither a tag
    // nor a digest is present (docker's TagNameOnly).
    static Result<Reference> parseNormalizedWithDefaultTag(QStringView text, Dialect dialect = Dialect::Berthd);
    // ParseAnyReference: 64 lowercase hex or a valid digest is an image ID
    // (isId(); only digest() is set, as "sha256:<hex>" for bare hex), anything
    // else goes to parseNormalized.
    static Result<Reference> parseAny(QStringView text, Dialect dialect = Dialect::Berthd);

    static bool isValidTag(QStringView tag);

    bool isValid() const { return !m_path.isEmpty(); }
    const QString &domain() const { return m_domain; }
    const QString &path() const { return m_path; }
    const QString &tag() const { return m_tag; }
    const QString &digest() const { return m_digest; } // "sha256:<hex>" (DockerCli: also sha384/sha512) or empty
    bool hasTag() const { return !m_tag.isEmpty(); }
    bool hasDigest() const { return !m_digest.isEmpty(); }
    bool isNameOnly() const { return m_tag.isEmpty() && m_digest.isEmpty(); }
    bool isId() const { return m_path.isEmpty() && !m_digest.isEmpty(); }

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

} // namespace Berth::Common
