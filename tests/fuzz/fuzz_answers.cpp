// Every NetHSM answer parser as the client sees an answer (status, body): the JSON
// codecs, the HTTP-status mapping, and what the module builds on them — a key
// description through its public key checks into PKCS#11 objects, a signature
// through the ECDSA DER and range checks. First byte: which endpoint; next two: the
// status; the rest: the body.
#include <cstddef>
#include <cstdint>

#include "core/object.hpp"
#include "fuzz_input.hpp"
#include "mech/ec_curve.hpp"
#include "mech/public_key.hpp"
#include "nethsm/error.hpp"
#include "nethsm/json_codec.hpp"

namespace {

using namespace p11nethsm;
namespace codec = nethsm::json_codec;

void keyDescription(const std::string& body) {
  auto key = codec::parseKeyInfo(body, "fuzzkey");
  if (!key) return;
  core::KeySource source;
  source.key = *key;
  for (const auto& object : core::buildObjects(source)) (void)object.attributes.size();
}

void signature(const std::string& body, uint8_t curveIndex) {
  auto sig = codec::parseBase64Field(body, "signature");
  if (!sig) return;
  const auto curves = mech::allCurves();
  const auto& curve = curves[curveIndex % curves.size()];
  if (curve.edwards) return;
  auto raw = mech::ecdsaDerToRaw(*sig, curve.fieldBytes);
  if (raw) (void)mech::checkEcdsaRange(curve, *raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const uint8_t endpoint = in.byte();
  const uint8_t extra = in.byte();
  transport::Response response;
  response.status = in.u16() % 600;
  response.body = in.restAsString();
  if (response.status < 200 || response.status >= 300) {
    (void)nethsm::mapFailure(response, "GET /fuzz");
    return 0;
  }
  const std::string& body = response.body;
  switch (endpoint % 9) {
    case 0:
      (void)codec::parseKeyList(body);
      break;
    case 1:
      keyDescription(body);
      break;
    case 2:
      (void)codec::parseSystemInfo(body);
      break;
    case 3:
      (void)codec::parseVendorInfo(body);
      break;
    case 4:
      (void)codec::parseStringField(body, "state");
      break;
    case 5:
      signature(body, extra);
      break;
    case 6:
      (void)codec::parseBase64Field(body, "decrypted");
      break;
    case 7:
      (void)codec::parseEncryptResult(body);
      break;
    case 8:
      (void)codec::parseBase64Field(body, "random");
      break;
  }
  return 0;
}
