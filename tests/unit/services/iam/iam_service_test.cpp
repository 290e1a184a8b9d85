// IAM handlers through the query wire: what the aws CLI sends and reads.
#include "services/iam/iam_service.h"

#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

using IamWire = WireFixture<IamService>;

constexpr char kTrust[] =
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";  // {"Version":"2012-10-17","Statement":[]}

TEST_F(IamWire, CreateRoleThenGetRoleReturnsIt) {
  auto created = Call("CreateRole", std::string("RoleName=app&Path=%2Fsvc%2F&AssumeRolePolicyDocument=") + kTrust);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Tag(created.body, "Arn"), "arn:aws:iam::000000000000:role/svc/app");
  EXPECT_EQ(Tag(created.body, "RequestId"), "req-1");

  auto got = Call("GetRole", "RoleName=app");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Tag(got.body, "RoleName"), "app");
  EXPECT_EQ(Tag(got.body, "Path"), "/svc/");
  EXPECT_EQ(Tag(got.body, "RoleId"), Tag(created.body, "RoleId"));
}

TEST_F(IamWire, DuplicateRoleIsEntityAlreadyExists) {
  ASSERT_EQ(Call("CreateRole", std::string("RoleName=app&AssumeRolePolicyDocument=") + kTrust).status, 200);
  auto again = Call("CreateRole", std::string("RoleName=app&AssumeRolePolicyDocument=") + kTrust);
  ExpectError(again, 409, "EntityAlreadyExists");
  EXPECT_EQ(Tag(again.body, "Type"), "Sender");
}

TEST_F(IamWire, MissingRoleIsNoSuchEntity) {
  ExpectError(Call("GetRole", "RoleName=ghost"), 404, "NoSuchEntity", "The role with name ghost cannot be found.");
}

TEST_F(IamWire, MissingRequiredParameterIsRejectedBeforeTheHandler) {
  ExpectError(Call("CreateRole", "RoleName=app"), 400, "ValidationError");
  EXPECT_EQ(Call("GetRole", "RoleName=app").status, 404);  // nothing was stored
}

TEST_F(IamWire, RolesSurviveARestart) {
  ASSERT_EQ(Call("CreateRole", std::string("RoleName=kept&AssumeRolePolicyDocument=") + kTrust).status, 200);
  Restart();
  auto got = Call("GetRole", "RoleName=kept");
  EXPECT_EQ(got.status, 200) << got.body;
}

TEST_F(IamWire, DeleteRoleWithInlinePolicyIsDeleteConflict) {
  ASSERT_EQ(Call("CreateRole", std::string("RoleName=app&AssumeRolePolicyDocument=") + kTrust).status, 200);
  ASSERT_EQ(Call("PutRolePolicy", std::string("RoleName=app&PolicyName=p&PolicyDocument=") + kTrust).status, 200);
  ExpectError(Call("DeleteRole", "RoleName=app"), 409, "DeleteConflict");
  EXPECT_EQ(Call("GetRole", "RoleName=app").status, 200);
}

}  // namespace
}  // namespace fargo::services
