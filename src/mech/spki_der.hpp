#pragma once
// The DER SubjectPublicKeyInfo of a public key (CKA_PUBLIC_KEY_INFO, the key view's
// publicKeyDer). OpenSSL 3.0's i2d_PUBKEY looks its encoder up on every call, 70 to
// 150 µs a key: most of the time of a 10,000-key listing (issue 11). The same bytes
// come from the key's parts through X509_PUBKEY_set0_param and i2d_X509_PUBKEY in
// under a microsecond; other key types fall back to i2d_PUBKEY.
#include <openssl/evp.h>

#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::mech {

Result<Bytes> spkiDer(EVP_PKEY* key);

}  // namespace p11nethsm::mech
