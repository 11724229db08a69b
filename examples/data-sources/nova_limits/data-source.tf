data "nova_limits" "project" {}

# A limit of -1 means "no limit".
output "cores_left" {
  value = (data.nova_limits.project.absolute["maxTotalCores"] < 0 ? "unlimited" :
  data.nova_limits.project.absolute["maxTotalCores"] - data.nova_limits.project.absolute["totalCoresUsed"])
}
