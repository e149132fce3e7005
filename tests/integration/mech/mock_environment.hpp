#pragma once
// One mock-nethsm per test program (started before the first test), a
// transport::Cluster + nethsm::Client on it with operator and administrator
// credentials, and the unit tests' key backend pointed at it.
#include <openssl/evp.h>

#include <string>

#include "mock_nethsm/mock.hpp"
#include "nethsm/client.hpp"
#include "unit/mech/template_builder.hpp"

namespace p11nethsm::mech::test {

nethsm::Client& mockClient();
mock::MockNetHsm& mockServer();

// An OpenSSL private key as the C_CreateObject template core would get.
Template importTemplate(nethsm::KeyType type, EVP_PKEY* key);
// keyImportRequest + POST/PUT /keys as key `id` (gtest failure otherwise).
void importIntoMock(const std::string& id, const Template& keyTemplate);

}  // namespace p11nethsm::mech::test
