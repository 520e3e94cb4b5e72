// The backend suite's main: the PostgreSQL cluster starts once for the whole binary.
#include <gtest/gtest.h>

#include "postgres_cluster.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new keydesk::store::testing::PostgresEnvironment);
  return RUN_ALL_TESTS();
}
