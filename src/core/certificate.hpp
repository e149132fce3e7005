#pragma once
// Certificates as PKCS#11 sees them (v2.40 §4.6.3): CKA_VALUE always DER whatever
// format the slot stores (certificate_format), the DER name and serial fields parsed
// with OpenSSL.
#include "util/encoding.hpp"
#include "util/result.hpp"

namespace p11nethsm::core {

struct CertificateFields {
  Bytes der;
  Bytes subject;       // DER Name
  Bytes issuer;        // DER Name
  Bytes serialNumber;  // DER INTEGER
};

// Accepts DER or PEM.
Result<CertificateFields> parseCertificate(const Bytes& stored);
// DER → PEM, for slots that store PEM.
Result<Bytes> certificateDerToPem(const Bytes& der);

}  // namespace p11nethsm::core
