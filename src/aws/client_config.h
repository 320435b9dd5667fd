// Configuration shared by every AWS protocol client (EC2, SQS, DynamoDB, AutoScaling): where to
// send requests, which region and credentials to sign with, and how many attempts to make.
#pragma once

#include <string>

#include "aws/sigv4.h"

namespace ebbflow::aws {

struct ClientConfig {
  std::string endpoint;  // "http://127.0.0.1:4566" or "" for https://<service>.<region>.amazonaws.com
  std::string region = "us-east-1";
  Credentials credentials;
  int max_attempts = 3;  // standard retry mode: total attempts for kRetry / kBackOff errors
};

}  // namespace ebbflow::aws
