data "nova_limits" "project" {}

# A limit of -1 means "no limit".
output "cores_left" {
  value = (data.nova_limits.project.max_total_cores < 0 ? "unlimited" :
  data.nova_limits.project.max_total_cores - data.nova_limits.project.total_cores_used)
}

# Another project's limits (administrators).
data "nova_limits" "other" {
  project_id = "0db92f705dac4ccc97c53e518feba021"
}
