#include "core/certificate.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace p11nethsm::core {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

template <class T, int (*I2d)(T*, unsigned char**)>
Bytes toDer(T* value) {
  int len = I2d(value, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  I2d(value, &p);
  return out;
}

int i2dName(X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); }
int i2dInteger(ASN1_INTEGER* n, unsigned char** p) { return i2d_ASN1_INTEGER(n, p); }
int i2dX509(X509* x, unsigned char** p) { return i2d_X509(x, p); }

X509Ptr fromDer(const Bytes& der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

Result<CertificateFields> parseCertificate(const Bytes& stored) {
  X509Ptr cert = fromDer(stored);
  if (!cert) {
    BioPtr bio(BIO_new_mem_buf(stored.data(), static_cast<int>(stored.size())));
    if (bio) cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!cert) return makeError(ErrorKind::kMalformedResponse, "certificate is neither DER nor PEM");
  CertificateFields f;
  f.der = toDer<X509, i2dX509>(cert.get());
  f.subject = toDer<X509_NAME, i2dName>(X509_get_subject_name(cert.get()));
  f.issuer = toDer<X509_NAME, i2dName>(X509_get_issuer_name(cert.get()));
  f.serialNumber = toDer<ASN1_INTEGER, i2dInteger>(X509_get_serialNumber(cert.get()));
  return f;
}

Result<Bytes> certificateDerToPem(const Bytes& der) {
  X509Ptr cert = fromDer(der);
  if (!cert) return makeError(ErrorKind::kInvalidArgument, "certificate is not DER");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_X509(bio.get(), cert.get()))
    return makeError(ErrorKind::kInternal, "PEM encoding");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return Bytes(data, data + len);
}

}  // namespace p11nethsm::core
