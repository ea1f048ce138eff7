// mykey-cloud: the composition root of the cloud (it picks the SQLite store).
#include <iostream>
#include <string>
#include <vector>

#include "mykey/cloud_tool/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return mykey::cloud::RunCloudCommand(args, std::cout, std::cerr);
}
