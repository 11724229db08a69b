data "nova_quota_set" "team" {
  project_id = "0db92f705dac4ccc97c53e518feba021"
}

# -1 means "no limit".
output "team_cores" {
  value = data.nova_quota_set.team.cores < 0 ? "unlimited" : tostring(data.nova_quota_set.team.cores)
}
