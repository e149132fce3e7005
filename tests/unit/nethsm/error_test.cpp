// HTTP status and transport outcome → ErrorKind, in one place (nethsm/error.cpp).
#include "nethsm/error.hpp"

#include <gtest/gtest.h>

namespace p11nethsm::nethsm {
namespace {

transport::Response answer(long status, std::string body = {}) {
  transport::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ErrorMapping, StatusToKind) {
  EXPECT_EQ(errorKindForStatus(400), ErrorKind::kBadRequest);
  EXPECT_EQ(errorKindForStatus(401), ErrorKind::kUnauthorized);
  EXPECT_EQ(errorKindForStatus(403), ErrorKind::kForbidden);
  EXPECT_EQ(errorKindForStatus(404), ErrorKind::kNotFound);
  EXPECT_EQ(errorKindForStatus(409), ErrorKind::kConflict);
  EXPECT_EQ(errorKindForStatus(412), ErrorKind::kNotOperational);
  EXPECT_EQ(errorKindForStatus(413), ErrorKind::kInvalidArgument);
  EXPECT_EQ(errorKindForStatus(415), ErrorKind::kInternal);
  EXPECT_EQ(errorKindForStatus(429), ErrorKind::kRateLimited);
  EXPECT_EQ(errorKindForStatus(500), ErrorKind::kServerError);
  EXPECT_EQ(errorKindForStatus(503), ErrorKind::kServerError);
  EXPECT_EQ(errorKindForStatus(302), ErrorKind::kServerError);
}

TEST(ErrorMapping, AnswerCarriesStatusAndApplianceMessage) {
  Result<transport::Response> outcome =
      answer(400, R"({"message":"Key with id k1 already exists"})");
  Error e = mapFailure(outcome, "POST /keys/generate");
  EXPECT_EQ(e.kind, ErrorKind::kBadRequest);
  EXPECT_EQ(e.httpStatus, 400);
  EXPECT_NE(e.message.find("POST /keys/generate"), std::string::npos);
  EXPECT_NE(e.message.find("already exists"), std::string::npos);
}

TEST(ErrorMapping, EmptyOrNonJsonBodiesGiveTheStatusOnly) {
  Error e = mapFailure(Result<transport::Response>(answer(404, "Not found")), "GET /keys/{id}");
  EXPECT_EQ(e.kind, ErrorKind::kNotFound);
  EXPECT_EQ(e.message, "GET /keys/{id}: HTTP 404");
  EXPECT_EQ(mapFailure(Result<transport::Response>(answer(401)), "x").kind,
            ErrorKind::kUnauthorized);
}

TEST(ErrorMapping, TransportFailureStaysTransport) {
  Result<transport::Response> outcome =
      makeError(ErrorKind::kTransport, "https://h/api/v1: Timeout was reached");
  Error e = mapFailure(outcome, "POST /keys/{id}/sign");
  EXPECT_EQ(e.kind, ErrorKind::kTransport);
  EXPECT_EQ(e.httpStatus, 0);
  EXPECT_NE(e.message.find("Timeout"), std::string::npos);
}

}  // namespace
}  // namespace p11nethsm::nethsm
