// The one template reader (mech/template_reader.hpp): typed values, the NULL and
// length checks and their CK_RVs (PKCS#11 v2.40 §4.1, §5.7).
#include "mech/template_reader.hpp"

#include <gtest/gtest.h>

#include "template_builder.hpp"

namespace p11nethsm::mech::test {
namespace {

CK_RV rvOf(const Error& e) { return e.pkcs11Rv; }

TEST(TemplateReader, TypedValuesAndAbsence) {
  Template t;
  t.boolean(CKA_SIGN, true).ulong(CKA_MODULUS_BITS, 2048).raw(CKA_ID, {1, 2});
  auto attrs = t.attrs();
  TemplateReader r(attrs);
  EXPECT_EQ(r.boolean(CKA_SIGN).value(), std::optional<bool>(true));
  EXPECT_EQ(r.ulong(CKA_MODULUS_BITS).value(), std::optional<CK_ULONG>(2048));
  EXPECT_EQ(r.bytes(CKA_ID), std::optional<Bytes>(Bytes{1, 2}));
  EXPECT_FALSE(r.boolean(CKA_DECRYPT).value().has_value());
  EXPECT_FALSE(r.ulong(CKA_CLASS).value().has_value());
  EXPECT_FALSE(r.bytes(CKA_LABEL).has_value());
  EXPECT_FALSE(r.has(CKA_LABEL));
}

TEST(TemplateReader, WrongSizesAndNullValuesAreValueInvalid) {
  CK_BBOOL yes = CK_TRUE;
  CK_ULONG bits = 2048;
  std::vector<CK_ATTRIBUTE> attrs = {{CKA_SIGN, nullptr, 1},
                                     {CKA_DECRYPT, &bits, sizeof bits},
                                     {CKA_CLASS, &yes, 1},
                                     {CKA_MODULUS_BITS, nullptr, sizeof(CK_ULONG)},
                                     {CKA_ID, nullptr, 4},
                                     {CKA_LABEL, nullptr, 0},
                                     {CKA_VALUE, &bits, CK_UNAVAILABLE_INFORMATION}};
  TemplateReader r(attrs);
  EXPECT_EQ(rvOf(r.boolean(CKA_SIGN).error()), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(rvOf(r.boolean(CKA_DECRYPT).error()), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(rvOf(r.ulong(CKA_CLASS).error()), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(rvOf(r.ulong(CKA_MODULUS_BITS).error()), CKR_ATTRIBUTE_VALUE_INVALID);
  // Raw bytes: no value reads as empty; checkedBytes refuses a length without a value.
  EXPECT_EQ(r.bytes(CKA_ID), std::optional<Bytes>(Bytes{}));
  EXPECT_EQ(r.bytes(CKA_VALUE), std::optional<Bytes>(Bytes{}));
  EXPECT_EQ(rvOf(TemplateReader::checkedBytes(attrs[4]).error()), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(TemplateReader::checkedBytes(attrs[5]).value(), Bytes{});
}

TEST(TemplateReader, FirstOrLastOccurrence) {
  Template t;
  t.ulong(CKA_CLASS, CKO_PUBLIC_KEY).raw(CKA_ID, {1}).ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto attrs = t.attrs();
  EXPECT_EQ(TemplateReader(attrs).ulong(CKA_CLASS).value(),
            std::optional<CK_ULONG>(CKO_PRIVATE_KEY));
  TemplateReader first(attrs, TemplateReader::Occurrence::kFirst);
  EXPECT_EQ(first.ulong(CKA_CLASS).value(), std::optional<CK_ULONG>(CKO_PUBLIC_KEY));
  // Iteration sees every attribute in template order.
  std::vector<CK_ATTRIBUTE_TYPE> order;
  for (const CK_ATTRIBUTE& a : first) order.push_back(a.type);
  EXPECT_EQ(order, (std::vector<CK_ATTRIBUTE_TYPE>{CKA_CLASS, CKA_ID, CKA_CLASS}));
}

}  // namespace
}  // namespace p11nethsm::mech::test
