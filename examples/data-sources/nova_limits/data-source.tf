data "nova_limits" "project" {}

output "cores_left" {
  value = data.nova_limits.project.absolute["maxTotalCores"] - data.nova_limits.project.absolute["totalCoresUsed"]
}
