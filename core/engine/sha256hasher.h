#pragma once

#include "digest.h"

#include <QByteArrayView>

#include <memory>

struct evp_md_ctx_st;

namespace Berth::Engine {

// Streaming sha256 over OpenSSL EVP. Feed chunks with addData(), then
// finish() once; the hasher can be reset() and reused.
class Sha256Hasher
{
public:
    Sha256Hasher();
    ~Sha256Hasher();
    Sha256Hasher(const Sha256Hasher &) = delete;
    Sha256Hasher &operator=(const Sha256Hasher &) = delete;

    void addData(QByteArrayView data);
    void addData(const void *data, size_t size);
    // The digest of everything added since construction or reset().
    Digest finish();
    void reset();
    quint64 bytesHashed() const { return m_bytes; }

private:
    struct CtxDeleter { void operator()(evp_md_ctx_st *ctx) const; };
    std::unique_ptr<evp_md_ctx_st, CtxDeleter> m_ctx;
    quint64 m_bytes = 0;
    bool m_finished = false;
};

} // namespace Berth::Engine
