#include "sha256hasher.h"

#include <base/assert.h>

#include <openssl/evp.h>

namespace Berth::Engine {

void Sha256Hasher::CtxDeleter::operator()(evp_md_ctx_st *ctx) const
{
    EVP_MD_CTX_free(ctx);
}

Sha256Hasher::Sha256Hasher()
    : m_ctx(EVP_MD_CTX_new())
{
    reset();
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::reset()
{
    BERTH_ASSERT(m_ctx, return);
    EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr);
    m_bytes = 0;
    m_finished = false;
}

void Sha256Hasher::addData(QByteArrayView data)
{
    addData(data.data(), size_t(data.size()));
}

void Sha256Hasher::addData(const void *data, size_t size)
{
    BERTH_ASSERT(m_ctx && !m_finished, return);
    if (size == 0)
        return;
    EVP_DigestUpdate(m_ctx.get(), data, size);
    m_bytes += size;
}

Digest Sha256Hasher::finish()
{
    BERTH_ASSERT(m_ctx && !m_finished, return Digest());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_ctx.get(), out, &len);
    m_finished = true;
    const QByteArray hex = QByteArray(reinterpret_cast<const char *>(out), int(len)).toHex();
    return Digest::fromHex(QString::fromLatin1(hex));
}

} // namespace Berth::Engine
