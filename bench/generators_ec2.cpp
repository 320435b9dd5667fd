// The EC2 side of the generated inputs: DescribeInstances and DescribeInstanceStatus reply pages
// in the Query API's XML (2016-11-15), laid out like the recorded fixtures in tests/data/aws/:
// full instance items (placement, block devices, security groups, tags, a network interface
// with its attachment and address set, CPU/metadata options), 10 instances per reservation,
// 1,000 per page, nextToken on every page but the last. About 4.8 KB per instance, as in the
// anchor's measurement.
#include <algorithm>

#include "bench/gen_util.h"
#include "bench/generators.h"

namespace ebbflow::bench {
namespace {

constexpr const char* kCluster = "bench";

void tag(std::string& o, const std::string& key, const std::string& value) {
  o += "                        <item>\n                            <key>" + key +
       "</key>\n                            <value>" + value + "</value>\n                        </item>\n";
}

void append_instance(std::string& o, const GeneratedInstance& i, const ResourceSpec& r, uint64_t k) {
  const std::string dns = dns_label(i.ip) + ".ec2.internal";
  const std::string t = ec2_time(i.launch_time);
  const std::string eni = hex_id("eni-", k, 11), vol = hex_id("vol-", k, 12);
  const bool running = i.state == "running";
  o += "                <item>\n                    <instanceId>" + i.id + "</instanceId>\n";
  o += "                    <imageId>ami-0abcdef1234567890</imageId>\n";
  o += std::string("                    <instanceState>\n                        <code>") + (running ? "16" : "0") +
       "</code>\n                        <name>" + i.state + "</name>\n                    </instanceState>\n";
  o += "                    <privateDnsName>" + dns + "</privateDnsName>\n";
  o += "                    <dnsName/>\n                    <reason/>\n                    <keyName>bench-key</keyName>\n";
  o += "                    <amiLaunchIndex>0</amiLaunchIndex>\n                    <productCodes/>\n";
  o += "                    <instanceType>" + r.instance_type + "</instanceType>\n";
  o += "                    <launchTime>" + t + "</launchTime>\n";
  o += "                    <placement>\n                        <availabilityZone>us-east-1a</availabilityZone>\n"
       "                        <groupName/>\n                        <tenancy>default</tenancy>\n"
       "                    </placement>\n";
  o += "                    <monitoring>\n                        <state>disabled</state>\n                    </monitoring>\n";
  o += "                    <subnetId>subnet-0a1b2c3d4e5f60718</subnetId>\n                    <vpcId>vpc-0a1b2c3d4e5f60718</vpcId>\n";
  o += "                    <privateIpAddress>" + i.ip + "</privateIpAddress>\n";
  o += "                    <sourceDestCheck>true</sourceDestCheck>\n";
  o += "                    <groupSet>\n                        <item>\n                            <groupId>sg-0a1b2c3d4e5f60718</groupId>\n"
       "                            <groupName>bench-ComputeSecurityGroup</groupName>\n                        </item>\n"
       "                    </groupSet>\n";
  o += "                    <architecture>x86_64</architecture>\n                    <rootDeviceType>ebs</rootDeviceType>\n";
  o += "                    <rootDeviceName>/dev/xvda</rootDeviceName>\n";
  o += "                    <blockDeviceMapping>\n                        <item>\n                            <deviceName>/dev/xvda</deviceName>\n"
       "                            <ebs>\n                                <volumeId>" + vol + "</volumeId>\n"
       "                                <status>attached</status>\n                                <attachTime>" + t +
       "</attachTime>\n                                <deleteOnTermination>true</deleteOnTermination>\n"
       "                            </ebs>\n                        </item>\n                    </blockDeviceMapping>\n";
  o += "                    <virtualizationType>hvm</virtualizationType>\n";
  o += "                    <clientToken>" + hex_id("ebbflow-", k / 10, 13) + "</clientToken>\n";
  o += "                    <tagSet>\n";
  tag(o, "ebbflow:cluster-name", kCluster);
  tag(o, "ebbflow:node-type", "Compute");
  tag(o, "ebbflow:queue", r.queue);
  tag(o, "ebbflow:compute-resource", r.cr);
  tag(o, "ebbflow:node-name", i.node_name);
  tag(o, "Name", "Compute");
  tag(o, "aws:ec2launchtemplate:id", "lt-0abcd1234efgh5678");
  tag(o, "aws:ec2launchtemplate:version", "1");
  tag(o, "aws:ec2launchtemplate:name", std::string(kCluster) + "-" + r.queue + "-" + r.cr);
  o += "                    </tagSet>\n                    <hypervisor>xen</hypervisor>\n";
  o += "                    <networkInterfaceSet>\n                        <item>\n"
       "                            <networkInterfaceId>" + eni + "</networkInterfaceId>\n"
       "                            <subnetId>subnet-0a1b2c3d4e5f60718</subnetId>\n"
       "                            <vpcId>vpc-0a1b2c3d4e5f60718</vpcId>\n                            <description/>\n"
       "                            <ownerId>123456789012</ownerId>\n                            <status>in-use</status>\n"
       "                            <macAddress>02:cb:7f:2a:3b:10</macAddress>\n"
       "                            <privateIpAddress>" + i.ip + "</privateIpAddress>\n"
       "                            <privateDnsName>" + dns + "</privateDnsName>\n"
       "                            <sourceDestCheck>true</sourceDestCheck>\n"
       "                            <groupSet>\n                                <item>\n"
       "                                    <groupId>sg-0a1b2c3d4e5f60718</groupId>\n"
       "                                    <groupName>bench-ComputeSecurityGroup</groupName>\n"
       "                                </item>\n                            </groupSet>\n"
       "                            <attachment>\n                                <attachmentId>eni-attach-" + eni.substr(4) +
       "</attachmentId>\n                                <deviceIndex>0</deviceIndex>\n"
       "                                <status>attached</status>\n                                <attachTime>" + t +
       "</attachTime>\n                                <deleteOnTermination>true</deleteOnTermination>\n"
       "                                <networkCardIndex>0</networkCardIndex>\n                            </attachment>\n"
       "                            <privateIpAddressesSet>\n                                <item>\n"
       "                                    <privateIpAddress>" + i.ip + "</privateIpAddress>\n"
       "                                    <privateDnsName>" + dns + "</privateDnsName>\n"
       "                                    <primary>true</primary>\n                                </item>\n"
       "                            </privateIpAddressesSet>\n                            <ipv6AddressesSet/>\n"
       "                            <interfaceType>interface</interfaceType>\n                        </item>\n"
       "                    </networkInterfaceSet>\n";
  o += "                    <iamInstanceProfile>\n                        <arn>arn:aws:iam::123456789012:instance-profile/bench-compute</arn>\n"
       "                        <id>AIPAJQ2Z4EXAMPLE00001</id>\n                    </iamInstanceProfile>\n";
  o += "                    <ebsOptimized>true</ebsOptimized>\n                    <enaSupport>true</enaSupport>\n";
  o += "                    <cpuOptions>\n                        <coreCount>" + std::to_string(std::max(1, r.cpus / 2)) +
       "</coreCount>\n                        <threadsPerCore>2</threadsPerCore>\n                    </cpuOptions>\n";
  o += "                    <capacityReservationSpecification>\n"
       "                        <capacityReservationPreference>open</capacityReservationPreference>\n"
       "                    </capacityReservationSpecification>\n";
  o += "                    <hibernationOptions>\n                        <configured>false</configured>\n"
       "                    </hibernationOptions>\n";
  o += "                    <enclaveOptions>\n                        <enabled>false</enabled>\n                    </enclaveOptions>\n";
  o += "                    <metadataOptions>\n                        <state>applied</state>\n"
       "                        <httpTokens>required</httpTokens>\n"
       "                        <httpPutResponseHopLimit>2</httpPutResponseHopLimit>\n"
       "                        <httpEndpoint>enabled</httpEndpoint>\n"
       "                        <httpProtocolIpv6>disabled</httpProtocolIpv6>\n"
       "                        <instanceMetadataTags>disabled</instanceMetadataTags>\n"
       "                    </metadataOptions>\n";
  o += "                    <privateDnsNameOptions>\n                        <hostnameType>ip-name</hostnameType>\n"
       "                        <enableResourceNameDnsARecord>false</enableResourceNameDnsARecord>\n"
       "                        <enableResourceNameDnsAAAARecord>false</enableResourceNameDnsAAAARecord>\n"
       "                    </privateDnsNameOptions>\n";
  o += "                    <maintenanceOptions>\n                        <autoRecovery>default</autoRecovery>\n"
       "                    </maintenanceOptions>\n";
  o += "                    <platformDetails>Linux/UNIX</platformDetails>\n"
       "                    <usageOperation>RunInstances</usageOperation>\n"
       "                    <usageOperationUpdateTime>" + t + "</usageOperationUpdateTime>\n";
  o += "                    <bootMode>uefi-preferred</bootMode>\n"
       "                    <currentInstanceBootMode>legacy-bios</currentInstanceBootMode>\n";
  o += "                </item>\n";
}

std::string page_token(const char* kind, size_t page) {
  return hex_id(kind, page, 21) + "EXAMPLEpage" + std::to_string(page + 1);
}

std::string instances_page(const std::vector<GeneratedInstance>& all, const std::vector<ResourceSpec>& resources,
                           size_t page) {
  const size_t begin = page * kPageSize, end = std::min(all.size(), begin + kPageSize);
  std::string o;
  o.reserve((end - begin) * 5200 + 1024);
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
       "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n";
  o += "    <requestId>" + hex_id("8f7724cf-", page, 22) + "</requestId>\n    <reservationSet>\n";
  for (size_t r = begin; r < end; r += 10) {
    o += "        <item>\n            <reservationId>" + hex_id("r-0", r, 23) +
         "</reservationId>\n            <ownerId>123456789012</ownerId>\n"
         "            <requesterId>043234062703</requesterId>\n            <groupSet/>\n            <instancesSet>\n";
    for (size_t i = r; i < std::min(end, r + 10); ++i) append_instance(o, all[i], resources[all[i].cr], i);
    o += "            </instancesSet>\n        </item>\n";
  }
  o += "    </reservationSet>\n";
  if (end < all.size()) o += "    <nextToken>" + page_token("di", page) + "</nextToken>\n";
  o += "</DescribeInstancesResponse>\n";
  return o;
}

void summary(std::string& o, const char* element, bool impaired) {
  o += std::string("            <") + element + ">\n                <status>" + (impaired ? "impaired" : "ok") +
       "</status>\n                <details>\n                    <item>\n"
       "                        <name>reachability</name>\n                        <status>" +
       (impaired ? "failed" : "passed") + "</status>\n";
  if (impaired) o += "                        <impairedSince>" + ec2_time(kNow - 3600) + "</impairedSince>\n";
  o += std::string("                    </item>\n                </details>\n            </") + element + ">\n";
}

void append_status(std::string& o, const std::string& id, int health) {
  o += "        <item>\n            <instanceId>" + id + "</instanceId>\n"
       "            <availabilityZone>us-east-1a</availabilityZone>\n"
       "            <instanceState>\n                <code>16</code>\n                <name>running</name>\n"
       "            </instanceState>\n";
  summary(o, "systemStatus", false);
  summary(o, "instanceStatus", health == 2);
  o += "            <attachedEbsStatus>\n                <status>ok</status>\n                <details>\n"
       "                    <item>\n                        <name>reachability</name>\n"
       "                        <status>passed</status>\n                    </item>\n                </details>\n"
       "            </attachedEbsStatus>\n";
  if (health == 1)
    o += "            <eventsSet>\n                <item>\n"
         "                    <instanceEventId>instance-event-" + id.substr(2) + "</instanceEventId>\n"
         "                    <code>system-reboot</code>\n"
         "                    <description>scheduled reboot</description>\n"
         "                    <notBefore>" + ec2_time(kNow + 86400) + "</notBefore>\n"
         "                    <notAfter>" + ec2_time(kNow + 93600) + "</notAfter>\n"
         "                </item>\n            </eventsSet>\n";
  o += "        </item>\n";
}

// The replies to observe_cluster's three filtered DescribeInstanceStatus calls, in call order:
// instance-status.status=impaired, system-status.status=impaired, event.code=<scheduled events>.
// EC2 filters server-side and the filters do not name the cluster, so impaired instances of other
// clusters come back too (in the first reply).
std::vector<std::pair<std::string, int>> statuses(const ClusterLayout& l, size_t reply) {
  std::vector<std::pair<std::string, int>> s;
  const int wanted = reply == 0 ? 2 : reply == 2 ? 1 : -1;  // no system-status impairment in the mix
  for (const auto& i : l.instances)
    if (i.state == "running" && i.health == wanted) s.emplace_back(i.id, i.health);
  if (reply == 0)
    for (size_t j = 0; j < l.foreign_status_count; ++j) s.emplace_back(instance_id(9'000'000 + j), 2);
  return s;
}

}  // namespace

size_t describe_instances_page_count(const ClusterLayout& l) {
  return std::max<size_t>(1, (l.instances.size() + kPageSize - 1) / kPageSize);
}

std::string describe_instances_page(const ClusterLayout& l, size_t page) {
  return instances_page(l.instances, l.resources, page);
}

size_t instance_status_page_count(const ClusterLayout&) { return 3; }

std::string instance_status_page(const ClusterLayout& l, size_t page) {
  auto all = statuses(l, page);
  std::string o;
  o.reserve(all.size() * 1300 + 512);
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
       "<DescribeInstanceStatusResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n";
  o += "    <requestId>" + hex_id("3be1508e-", page, 24) + "</requestId>\n    <instanceStatusSet>\n";
  for (const auto& [id, health] : all) append_status(o, id, health);
  o += "    </instanceStatusSet>\n";
  o += "</DescribeInstanceStatusResponse>\n";
  return o;
}

std::vector<std::string> generate_describe_instances_pages(size_t instance_count) {
  // A 100k-node cluster has ~77k instances; 56k is the anchor's count at 100k nodes.
  size_t nodes = 100000;
  ClusterLayout l = make_layout(nodes);
  while (l.instances.size() < instance_count) l = make_layout(nodes *= 2);
  l.instances.resize(instance_count);
  std::vector<std::string> pages;
  for (size_t p = 0; p < describe_instances_page_count(l); ++p) pages.push_back(describe_instances_page(l, p));
  return pages;
}

}  // namespace ebbflow::bench
