# The quotas of the project the provider works in; project_id reads
# another project's (admin only).
data "nova_quota_set" "mine" {}

# -1 means "no limit".
output "my_instance_quota" {
  value = data.nova_quota_set.mine.instances < 0 ? "unlimited" : tostring(data.nova_quota_set.mine.instances)
}
